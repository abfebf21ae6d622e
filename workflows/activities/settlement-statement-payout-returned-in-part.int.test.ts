import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { recordPayoutOutcome } from '../../prisma/stores/payout-store';
import { serviceFinancing } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText } from '../../test/support/pdf';
import { createFinancingActivities } from './financing-activities';

// 800,000.00 financed for 10 days at 6% a year up front (1,333.33) with a 0.1% fee (800.00):
// 797,866.67 paid out to the supplier. Its bank settles the payout, then the beneficiary's bank
// sends 1,000.00 of it back (部分退汇): 796,866.67 stayed paid, and 1,000.00 is in the supplier's
// settlement account again, waiting for the supplier to retry the payout. Meanwhile the core
// enterprise pays the 800,000.00 on the due date: the funder is whole and the financing SETTLED.
//
// The settlement statement (结清证明) is the proof of payment the core enterprise and the supplier
// are owed once the funder is whole, drawn as the financing settles, whether or not a payout still
// waits for a retry (a whole return, or a failed payout, does not stop it). A payout returned in
// part must not stop it either: the statement is issued, with the disbursement it settled.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('the settlement statement of a financing whose payout came back in part', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is issued when the funder is whole, while the 1,000.00 that came back waits for a retry', async () => {
    const parties = await createFinancingParties(db.prisma);
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -20, 10), { dueDays: 10, payoutAccount: true });
    const payout = f.payout!;
    expect(payout.amount.toFixed(2)).toBe('797866.67');
    const view = { payoutReference: payout.payoutReference, amount: '797866.67', currency: 'CNY', bankReference: 'BNK-P1', failureReason: null, failedAt: null, settledAt: f.at(0, 11) };
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'SETTLED', returnedAt: null, returnReason: null } }, f.at(0, 11));
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'RETURNED', returnedAt: f.at(1, 10), returnReason: '部分退汇 part returned', returnedAmount: '1000.00' } }, f.at(1, 10));

    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, { bankReference: `DUE-${f.id}`, virtualAccountNumber: collectionVan, amount: '800000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(10, 9) });
    const step = await serviceFinancing(db.prisma, f.id, f.date(10), `test:${f.id}:day-10`, f.at(10, 10));
    expect(step.status).toBe('SETTLED');

    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    const outcome = await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' }).then(
      (stored) => ({ issued: true, documentId: stored.documentId }),
      (error: unknown) => ({ issued: false, refusal: error instanceof Error ? error.message : String(error) }),
    );
    expect(outcome).toEqual({ issued: true, documentId: expect.any(String) });

    const document = await db.prisma.document.findUniqueOrThrow({ where: { id: (outcome as { documentId: string }).documentId } });
    const text = compactText((await extractPdfText(new Uint8Array(document.content))).join(''));
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect({ financingNumber: text.includes(financing.financingNumber), net: text.includes('CNY797,866.67'), principalRepaid: text.includes('CNY800,000.00') }).toEqual({
      financingNumber: true,
      net: true,
      principalRepaid: true,
    });
  });
});
