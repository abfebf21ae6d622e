import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { claimRecourse, serviceFinancing } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../../test/support/financings';
import { financedWithRecourse } from '../../test/support/late-recourse';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText } from '../../test/support/pdf';
import { formatShanghaiTime } from '../../domain/business-date';
import { createFinancingActivities } from './financing-activities';

// Time in money is business time: a financing is settled as of when the bank received the money
// that made the funder whole (a recourse claim: its own clock), never the moment a process
// noticed it. The settlement statement prints it ("结清时间 Settled at"); each version of the
// statement is still issued when it was issued.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

/** What a stored statement says it settled at and was issued at, as printed (UTC+08:00). */
async function printedTimes(content: Uint8Array): Promise<{ settledAt: string | null; issuedAt: string | null }> {
  const text = compactText((await extractPdfText(content)).join(''));
  return {
    settledAt: /结清时间Settledat(\d{4}-\d\d-\d\d\d\d:\d\d)/.exec(text)?.[1] ?? null,
    issuedAt: /出具时间Issued(\d{4}-\d\d-\d\d\d\d:\d\d)/.exec(text)?.[1] ?? null,
  };
}

const printed = (at: Date) => compactText(formatShanghaiTime(at));

describe('when a financing is settled', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is when the bank received the repayment that made the funder whole, not when the feed was read', async () => {
    const parties = await createFinancingParties(db.prisma);
    // Day 0 is 50 days ago at 10:00; the receivable is due on day 10 (D).
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -50, 10));
    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    // The core enterprise's 800,000.00 reaches the bank at 22:00 on D; the feed reads it at 01:00 on D+1.
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D-${f.id}`, virtualAccountNumber: collectionVan, amount: '800000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(10, 22) });
    expect((await serviceFinancing(db.prisma, f.id, f.date(11), `test:${f.id}:day-11`, f.at(11, 1))).settled).toBe(true);

    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect(financing.settledAt?.toISOString()).toBe(f.at(10, 22).toISOString());
    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });
    const statement = await db.prisma.document.findFirstOrThrow({ where: { financingId: f.id, kind: 'SETTLEMENT_STATEMENT' } });
    // Settled at 22:00 on D; issued when the financing was settled, at 01:00 on D+1.
    expect(await printedTimes(new Uint8Array(statement.content))).toEqual({ settledAt: printed(f.at(10, 22)), issuedAt: printed(f.at(11, 1)) });
  });

  it('is, once recourse goes back in full, when the bank received the core enterprise’s repayment, on the reissued statement too', async () => {
    // docs/workflows/financing.md, "Recourse and money the bank received before it", paid in full.
    const f = await financedWithRecourse(db.prisma);

    // 00:30 on D+30: recourse takes 812,000.00 and settles the financing; version 1 is issued.
    await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).settledAt?.toISOString()).toBe(f.at(40, 0, 30).toISOString());
    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });

    // Later the feed reads the core enterprise's 811,600.00 the bank received at 22:00 on D+29: the claim goes back in full.
    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D29-${f.id}`, virtualAccountNumber: collectionVan, amount: '811600.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 22) });
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect({ status: financing.status, recourseClaimed: financing.recourseClaimed.toFixed(2), settledAt: financing.settledAt?.toISOString() }).toEqual({ status: 'SETTLED', recourseClaimed: '0.00', settledAt: f.at(39, 22).toISOString() });

    await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });
    const [first, second] = await db.prisma.document.findMany({ where: { financingId: f.id, kind: 'SETTLEMENT_STATEMENT' }, orderBy: { version: 'asc' } });
    // Version 1 stays as issued; version 2 shows the settlement of its own figures, issued when version 1 was superseded.
    expect(await printedTimes(new Uint8Array(first!.content))).toEqual({ settledAt: printed(f.at(40, 0, 30)), issuedAt: printed(f.at(40, 0, 30)) });
    expect(await printedTimes(new Uint8Array(second!.content))).toEqual({ settledAt: printed(f.at(39, 22)), issuedAt: printed(first!.supersededAt!) });
  });
});
