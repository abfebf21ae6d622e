import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { proceedsOfFinancingAwaitingRetry, recordPayoutOutcome } from '../../prisma/stores/payout-store';
import { claimRecourse } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText } from '../../test/support/pdf';
import { createFinancingActivities } from './financing-activities';

// 800,000.00 financed with recourse after 30 days (penalty 400.00 a day after 3 grace days):
// 797,866.67 paid out to the supplier, whose bank then sends 1,000.00 of it back (部分退汇). Nobody
// retries. The core enterprise never pays; on D+30 recourse claims 812,000.00 from the supplier's
// settlement account, netting the 1,000.00 that waited for the retry first (docs/workflows/
// financing.md, "Retry after recourse"), and the financing is SETTLED. The 1,000.00 paid the
// funder: nothing is left to pay out again and a retry is refused. The settlement statement must
// not tell the parties that 1,000.00 waits in the supplier's account to be paid out again.

const PAYER = { payerName: '深圳市华强精密电子有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'own funds' };

describe('the settlement statement of a financing whose returned payout recourse netted', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('does not say the 1,000.00 the claim used is still to be paid out again', async () => {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    // Day 0 is 50 days ago at 10:00; due on day 10 (D), so D+30 is day 40.
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -50, 10), { payoutAccount: true });
    const payout = f.payout!;
    expect(payout.amount.toFixed(2)).toBe('797866.67');
    const view = { payoutReference: payout.payoutReference, amount: '797866.67', currency: 'CNY', bankReference: 'BNK-P1', failureReason: null, failedAt: null, settledAt: f.at(0, 11) };
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'SETTLED', returnedAt: null, returnReason: null } }, f.at(0, 11));
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'RETURNED', returnedAt: f.at(1, 10), returnReason: '部分退汇 part returned', returnedAmount: '1000.00' } }, f.at(1, 10));
    const supplierVan = (await findAccountByCode(db.prisma, partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: supplierVan, amount: '900000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(2, 10) });

    // D+30: recourse claims 812,000.00, the 1,000.00 awaiting the retry first; SETTLED.
    const claimed = await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const proceeds = await proceedsOfFinancingAwaitingRetry(db.prisma, f.id);
    expect({ claimed: claimed.claimed, status: financing.status, netted: financing.proceedsNetted?.toFixed(2), awaitingRetry: proceeds.awaiting.toFixed(2) }).toEqual({
      claimed: '812000.00',
      status: 'SETTLED',
      netted: '1000.00',
      awaitingRetry: '0.00',
    });

    // The workflow issues the settlement statement as the financing settles.
    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    const stored = await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });
    const document = await db.prisma.document.findUniqueOrThrow({ where: { id: stored.documentId } });
    const text = compactText((await extractPdfText(new Uint8Array(document.content))).join(''));
    expect({
      paidOut: /Paidout(CNY[\d,.]+)/.exec(text)?.[1] ?? null,
      toBePaidOutAgain: /Returned,tobepaidoutagain(CNY[\d,.]+)/.exec(text)?.[1] ?? null,
    }).toEqual({ paidOut: 'CNY796,866.67', toBePaidOutAgain: null });
  });
});
