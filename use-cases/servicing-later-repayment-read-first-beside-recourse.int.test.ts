import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { recordPayoutOutcome } from '../prisma/stores/payout-store';
import { claimRecourse, serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../test/support/financings';
import { CORE_ENTERPRISE_PAYER, virtualAccountNumberOf } from '../test/support/late-recourse';

// 800,000.00 financed, due on day 10 (D); penalty 0.18 a year on ACT/360 (400.00 a day on
// 800,000.00) after 3 grace days; penalty first; recourse after 30 days. The supplier holds only
// 100,000.00 of its own, so the recourse claim of D+30 takes 100,000.00 and the financing stays
// OVERDUE. The core enterprise pays 300,000.00, received by the bank on D+5, and 104,000.00 on
// D+10, read at once.
//
// Read in order: the 300,000.00 pays 2,000.00 of penalty (D+1 to D+5) and 298,000.00 of
// principal; the 104,000.00 pays 1,255.00 (D+6 to D+10 on 502,000.00) and 102,745.00; D+11 to
// D+30 are charged on 399,255.00 (199.63 a day, 3,992.60); the claim pays that and 96,007.40 of
// principal, leaving 303,247.60, charged 151.62 a day from D+31.
//
// Read late: the feed reports the 300,000.00 only on D+32, after the claim. Money counts from the
// day the bank received it, whichever order the lines are read in (docs/workflows/financing.md,
// "Servicing", "Penalty reversed" and "Recourse and money the bank received before it"): the
// 104,000.00 read first paid penalty charged on a principal the 300,000.00 lowers, so it is
// allocated again as in order (docs/ledger.md, "Repayment reallocated"), and the claim, set aside
// and taken again, ends as in order too. The financing is not settled and no money left the
// funder's book, so none of the cases the rule leaves as they are applies.

describe('a later repayment read before an earlier one, beside a recourse claim that left the financing overdue', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function financed() {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -50, 10), { payoutAccount: true });
    const payout = f.payout!;
    const view = { payoutReference: payout.payoutReference, amount: payout.amount.toFixed(2), currency: 'CNY', bankReference: `BNK-${f.id}`, failureReason: null, failedAt: null, settledAt: f.at(0, 11), returnedAt: null, returnReason: null };
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'SETTLED' } }, f.at(0, 11));
    const supplierCode = partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await virtualAccountNumberOf(db.prisma, supplierCode), amount: '100000.00', currency: 'CNY', ...CORE_ENTERPRISE_PAYER, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
    const collectionVan = await virtualAccountNumberOf(db.prisma, collectionAccountCode(f.id, 'CNY'));
    const pays = (reference: string, amount: string, day: number) =>
      receiveInboundCredit(db.prisma, { bankReference: `${reference}-${f.id}`, virtualAccountNumber: collectionVan, amount, currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(day, 10) });
    const step = async (day: number) => {
      await serviceFinancing(db.prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
      if (day === 40) await claimRecourse(db.prisma, f.id, f.at(day, 0, 30));
    };
    return { ...f, parties, supplierCode, pays, step };
  }

  async function outcome(f: Awaited<ReturnType<typeof financed>>) {
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const posted = async (code: string) => (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
    const rows = await db.prisma.repaymentAllocation.findMany({ where: { financingId: f.id }, orderBy: { valueDate: 'asc' } });
    return {
      status: financing.status,
      repaid: { penalty: financing.repaidPenalty.toFixed(2), principal: financing.repaidPrincipal.toFixed(2) },
      outstanding: { principal: financing.principalOutstanding.toFixed(2), penalty: financing.penaltyOutstanding.toFixed(2) },
      penaltyAccrued: financing.penaltyAccrued.toFixed(2),
      recourseClaimed: financing.recourseClaimed.toFixed(2),
      funderAccount: await posted(partyAccountCode(f.parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')),
      supplierAccount: await posted(f.supplierCode),
      rows: rows.map((row) => `${row.source} ${row.collected.toFixed(2)} penalty ${row.penalty.toFixed(2)} principal ${row.principal.toFixed(2)}`),
    };
  }

  it('ends with the figures of the transfers read in order when the earlier one is read after the recourse claim', async () => {
    const inOrder = await financed();
    for (let day = 11; day <= 43; day += 1) {
      if (day === 16) await inOrder.pays('CORE-D5', '300000.00', 15);
      if (day === 21) await inOrder.pays('CORE-D10', '104000.00', 20);
      await inOrder.step(day);
    }
    const a = await outcome(inOrder);
    // The reference, checked by hand.
    expect(a).toEqual({
      status: 'OVERDUE',
      repaid: { penalty: '7247.60', principal: '496752.40' },
      outstanding: { principal: '303247.60', penalty: '454.86' },
      penaltyAccrued: '7702.46',
      recourseClaimed: '100000.00',
      funderAccount: '705333.33',
      supplierAccount: '0.00',
      rows: ['REPAYMENT 300000.00 penalty 2000.00 principal 298000.00', 'REPAYMENT 104000.00 penalty 1255.00 principal 102745.00', 'RECOURSE 100000.00 penalty 3992.60 principal 96007.40'],
    });

    // The 300,000.00 of D+5 is reported on D+32, after the claim of D+30.
    const late = await financed();
    for (let day = 11; day <= 43; day += 1) {
      if (day === 21) await late.pays('CORE-D10', '104000.00', 20);
      if (day === 42) await late.pays('CORE-D5', '300000.00', 15);
      await late.step(day);
    }
    expect(await outcome(late)).toEqual(a);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
