import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CUT_OFF } from '../domain/accounting-day';
import { addDays, businessDateOf } from '../domain/business-date';
import { collectionAccountCode, ensurePlatformAccounts, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse } from '../prisma/stores/disbursement-store';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { approvedAndHeld } from '../test/support/funder-commitments';
import { testLogger } from '../test/support/logger';
import { createCutOffActivities } from '../workflows/activities/cut-off-activities';
import { globalId } from '../test/support/global-ids';
import { CORE_ENTERPRISE_PAYER, financedWithRecourseServicedToD29, lateRecourseStep, virtualAccountNumberOf, type FinancedWithRecourse } from '../test/support/late-recourse';

// Financing A: 800,000.00 financed, due on D, penalty 400.00 a day after 3 grace days, recourse
// after 30 days; the funder's account holds 201,333.33 after the advance, the supplier
// 900,000.00 of its own. The core enterprise pays the 800,000.00 on D+1, inside the grace days,
// but the bank feed reports it only after the recourse step of D+30 (run on D+32) took
// 812,000.00 (800,000.00 and 30 days of penalty) from the supplier and settled A: the funder's
// account holds 1,013,333.33. On D+35 the funder approves financing B, 1,010,000.00 due ten days
// later, whose advance of 1,008,316.67 (1,683.33 of interest up front) its account holds for the
// disbursement: 5,016.66 is left available.
//
// Then the D+1 transfer is read. Money counts from its value date: A was whole inside its grace
// days, no penalty was ever owed, and the whole claim goes back to the supplier. The funder gets
// the core enterprise's 800,000.00 and gives back 812,000.00 (docs/ledger.md, "Recourse
// returned"): 12,000.00 more than it got, of which its account can cover only the 5,016.66 not
// held for B. That much goes back at once; the other 6,983.34 is owed by the funder, never taken
// from anyone else's money nor from the platform's, and goes back as soon as the funder's account
// is next credited: 5,000.00 of it from a top-up, the last 1,983.34 from B's repayment.

const OWED = `query ($id: ID!) { financing(id: $id) { __typename ... on Financing { recourseClaimed { amount } recourseReturnOwed { amount currency } } } }`;

describe('recourse returned when the funder has spent the money the claim paid it', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** What each party is shown as still owed back to the supplier: supplier, funder, core enterprise (open assignment), operator. */
  async function owedAsShown(f: FinancedWithRecourse) {
    const id = globalId('Financing', f.id);
    const shown = [];
    for (const token of [f.supplier.token, f.parties.funder.token, f.parties.core.token, f.parties.admin.token]) {
      const found = await api.call(token, OWED, { id });
      shown.push(found.recourseReturnOwed === null ? null : `${found.recourseReturnOwed.amount} ${found.recourseReturnOwed.currency}`);
    }
    return shown;
  }

  const balanceOf = async (code: string) => getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id);
  const suspenseCode = platformAccountCode('SUSPENSE', 'CNY');
  const feeIncomeCode = platformAccountCode('FEE_INCOME', 'CNY');

  /**
   * A settled by the recourse step, B approved and its advance held, then the core enterprise's
   * 800,000.00 of D+1 read: 6,983.34 of the return is owed by the funder.
   */
  async function spentThenRead() {
    await ensurePlatformAccounts(db.prisma);
    const f = await financedWithRecourseServicedToD29(db.prisma, '900000.00', { programLimit: '5000000.00', supplierLimit: '5000000.00' });
    const fundingCode = partyAccountCode(f.parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
    await lateRecourseStep(db.prisma, f);
    expect(await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).toMatchObject({ status: 'SETTLED' });
    expect((await balanceOf(fundingCode)).posted.toFixed(2)).toBe('1013333.33');
    // Financing B of A's funder, 1,010,000.00 against a receivable of 1,300,000.00 due on D+45: approved on D+35 and its advance held.
    const b = await approvedAndHeld(db.prisma, f.parties, { amount: '1010000.00', now: f.at(45, 10), dueDate: f.date(55) });
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('5016.66');
    const suspenseBefore = (await balanceOf(suspenseCode)).posted.toFixed(2);
    const feeIncomeBefore = (await balanceOf(feeIncomeCode)).posted.toFixed(2);
    // The core enterprise's 800,000.00 of D+1, read now.
    const read = await receiveInboundCredit(db.prisma, { bankReference: `CORE-D1-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '800000.00', currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(11, 15) });
    return { f, b, read, fundingCode, suspenseBefore, feeIncomeBefore };
  }

  it('gives the supplier back what the funder can cover at once and the rest from the funder\'s next credits, never from anyone else', async () => {
    const { f, b, read, fundingCode, suspenseBefore, feeIncomeBefore } = await spentThenRead();

    // Allocated at once on its value date, into A's collection account (not parked).
    expect(read.exception).toBeNull();
    expect(read.financingId).toBe(f.id);
    const a = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect({
      status: a.status,
      funderReceived: a.repaidPenalty.plus(a.repaidInterest).plus(a.repaidPrincipal).toFixed(2),
      penaltyAccrued: a.penaltyAccrued.toFixed(2),
      recourseClaimed: a.recourseClaimed.toFixed(2),
      recourseReturnOwed: a.recourseReturnOwed.toFixed(2),
    }).toEqual({ status: 'SETTLED', funderReceived: '800000.00', penaltyAccrued: '0.00', recourseClaimed: '0.00', recourseReturnOwed: '6983.34' });
    // The supplier has back what the funder could cover; B's hold is whole; nobody else paid for the funder.
    expect((await balanceOf(f.supplierCode)).posted.toFixed(2)).toBe('893016.66');
    const funding = await balanceOf(fundingCode);
    expect({ posted: funding.posted.toFixed(2), available: funding.available.toFixed(2) }).toEqual({ posted: '1008316.67', available: '0.00' });
    expect((await balanceOf(suspenseCode)).posted.toFixed(2)).toBe(suspenseBefore);
    expect((await balanceOf(feeIncomeCode)).posted.toFixed(2)).toBe(feeIncomeBefore);
    // Operators see what is owed, and the supplier and the funder are told the return is pending.
    const owedNotice = await db.prisma.notification.findFirstOrThrow({ where: { partyId: f.parties.admin.partyId, kind: 'RECOURSE_RETURN_OWED', financingId: f.id } });
    expect(owedNotice.body).toContain('6983.34 CNY');
    expect(owedNotice.body).toContain(a.financingNumber);
    const told = await db.prisma.notification.findFirstOrThrow({ where: { partyId: f.supplier.partyId, kind: 'RECOURSE_RETURNED', financingId: f.id } });
    expect(told.body).toContain('6983.34 CNY');
    // The supplier, the funder and operators see it on the financing; the core enterprise is not shown the funder fell short.
    expect(await owedAsShown(f)).toEqual(['6983.34 CNY', '6983.34 CNY', null, '6983.34 CNY']);

    // B is disbursed from its hold as if nothing happened.
    expect(await disburse(db.prisma, b, f.at(45, 11))).toBeNull();
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: b } })).status).toBe('PAYOUT_FAILED');

    // The funder tops up 5,000.00: it all goes back to the supplier in the top-up's transaction, once.
    const topUp = { bankReference: `FUNDER-TOPUP-${f.id}`, virtualAccountNumber: await virtualAccountNumberOf(db.prisma, fundingCode), amount: '5000.00', currency: 'CNY', payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222020200990099887', remittanceInformation: 'top-up', receivedAt: new Date() };
    await receiveInboundCredit(db.prisma, topUp);
    await receiveInboundCredit(db.prisma, topUp);
    expect((await balanceOf(f.supplierCode)).posted.toFixed(2)).toBe('898016.66');
    expect((await balanceOf(fundingCode)).posted.toFixed(2)).toBe('0.00');
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseReturnOwed.toFixed(2)).toBe('1983.34');
    const inPart = await db.prisma.notification.findMany({ where: { partyId: f.supplier.partyId, kind: 'RECOURSE_RETURN_OWED', financingId: f.id } });
    expect(inPart.map((row) => row.body)).toEqual([expect.stringContaining('1983.34 CNY is still pending')]);

    // The core enterprise repays B early, on D+36: the funder's account is credited 1,010,000.00 and the last 1,983.34 goes back.
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-B-${b}`, virtualAccountNumber: await virtualAccountNumberOf(db.prisma, collectionAccountCode(b, 'CNY')), amount: '1010000.00', currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(46, 10) });
    await serviceFinancing(db.prisma, b, f.date(46), `test:${b}:day-46`, f.at(46, 12));
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: b } })).status).toBe('SETTLED');
    expect((await balanceOf(f.supplierCode)).posted.toFixed(2)).toBe('900000.00');
    expect((await balanceOf(fundingCode)).posted.toFixed(2)).toBe('1008016.66');
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseReturnOwed.toFixed(2)).toBe('0.00');
    const done = await db.prisma.notification.findFirstOrThrow({ where: { partyId: f.supplier.partyId, kind: 'RECOURSE_RETURN_COMPLETED', financingId: f.id } });
    expect(done.body).toContain('1983.34 CNY');
    expect(await owedAsShown(f)).toEqual(['0.00 CNY', '0.00 CNY', null, '0.00 CNY']);
    expect((await balanceOf(suspenseCode)).posted.toFixed(2)).toBe(suspenseBefore);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
  });
  it('gives back what the funder owes as soon as a financing it held money for expires undisbursed, not at its next credit', async () => {
    const { f, b, fundingCode, suspenseBefore, feeIncomeBefore } = await spentThenRead();
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseReturnOwed.toFixed(2)).toBe('6983.34');

    // B is not disbursed before its receivable falls due (D+45): asked on D+56 it expires and
    // its hold of 1,008,316.67 is released. The funder's account holds money again, and what it
    // owes the supplier goes back in that transaction.
    await expect(disburse(db.prisma, b, f.at(66, 11))).rejects.toThrow(/not disbursed/);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: b } })).status).toBe('EXPIRED');
    expect((await balanceOf(f.supplierCode)).posted.toFixed(2)).toBe('900000.00');
    const funding = await balanceOf(fundingCode);
    expect({ posted: funding.posted.toFixed(2), available: funding.available.toFixed(2) }).toEqual({ posted: '1001333.33', available: '1001333.33' });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseReturnOwed.toFixed(2)).toBe('0.00');
    const done = await db.prisma.notification.findFirstOrThrow({ where: { partyId: f.supplier.partyId, kind: 'RECOURSE_RETURN_COMPLETED', financingId: f.id } });
    expect(done.body).toContain('6983.34 CNY');
    expect(await owedAsShown(f)).toEqual(['0.00 CNY', '0.00 CNY', null, '0.00 CNY']);
    expect((await balanceOf(suspenseCode)).posted.toFixed(2)).toBe(suspenseBefore);
    expect((await balanceOf(feeIncomeCode)).posted.toFixed(2)).toBe(feeIncomeBefore);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
  });
  it('gives back at the day\'s cut-off what a credit could not, the supplier\'s account busy at that instant', async () => {
    const { f, fundingCode, suspenseBefore } = await spentThenRead();
    // Another transaction holds the supplier's settlement account (a payout, say) while the
    // funder's top-up of 5,000.00 is booked: the top-up never waits for it, and the money stays
    // on the funder's account.
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM ledger_account WHERE code = $1 FOR UPDATE', [f.supplierCode]);
      await receiveInboundCredit(db.prisma, { bankReference: `FUNDER-TOPUP-${f.id}`, virtualAccountNumber: await virtualAccountNumberOf(db.prisma, fundingCode), amount: '5000.00', currency: 'CNY', payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222020200990099887', remittanceInformation: 'top-up', receivedAt: new Date() });
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('5000.00');
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseReturnOwed.toFixed(2)).toBe('6983.34');

    // No further credit comes. The day's cut-off gives it back.
    const yesterday = addDays(businessDateOf(new Date()), -1);
    await createCutOffActivities({ prisma: db.prisma, logger: testLogger }).closeAccountingDay({ businessDate: yesterday, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'test' });
    expect((await balanceOf(f.supplierCode)).posted.toFixed(2)).toBe('898016.66');
    const funding = await balanceOf(fundingCode);
    expect({ posted: funding.posted.toFixed(2), available: funding.available.toFixed(2) }).toEqual({ posted: '1008316.67', available: '0.00' });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseReturnOwed.toFixed(2)).toBe('1983.34');
    expect(await owedAsShown(f)).toEqual(['1983.34 CNY', '1983.34 CNY', null, '1983.34 CNY']);
    expect((await balanceOf(suspenseCode)).posted.toFixed(2)).toBe(suspenseBefore);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
  });
});
