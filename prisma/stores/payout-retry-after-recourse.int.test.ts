import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { WrongStateError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { MIGRATIONS_DIR } from '../migrate';
import { withdrawableBalance } from './balance-payout-store';
import { collectionAccountCode, openPartyAccounts, partyAccountCode } from './chart-of-accounts';
import { disburse, registerBankAccount, retryPayout, reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { receiveInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { recordPayoutOutcome } from './payout-store';
import { enrollSupplier } from './program-store';
import { decideReceivable, registerReceivable } from './receivable-store';
import { claimRecourse } from './servicing-store';

// A disbursement payout the bank refused leaves the proceeds in the supplier's settlement account
// for a person's retry. Nobody retries; the financing goes overdue and recourse nets those
// proceeds against what the supplier owes. A retry afterwards pays out only what recourse left
// of them, or is refused, changing nothing, when it left nothing. Store level, real PostgreSQL;
// 800,000.00 financed for 10 days (6% up front ACT/360, 0.1% fee: 797,866.67 to pay out), due
// on day 10 (D), penalty 400.00 a day after 3 grace days, recourse after 30 days (day 40).

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };

describe('a payout retried after recourse netted its proceeds', () => {
  let db: TestDatabase;
  let sequence = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function balance(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  /**
   * Disbursed 45 business days ago at 10:00 (in a program of its own, to `of` when given); the
   * bank refuses the payout an hour later.
   */
  async function payoutFailedLongAgo(of?: TestActor) {
    sequence += 1;
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -45)).getTime() + 10 * HOUR_MS);
    const at = (day: number, hours = 0, minutes = 0) => new Date(startOfBusinessDate(addDays(businessDateOf(t0), day)).getTime() + hours * HOUR_MS + minutes * 60_000);
    const supplier = of ?? (await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' }));
    if (!of) await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    await registerBankAccount(db.prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, t0);
    const { receivable } = await registerReceivable(db.prisma, supplierActor, registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(t0), 10) }, t0), { now: t0, confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`, t0);
    await receiveInboundCredit(db.prisma, { bankReference: `TOPUP-${process.pid}-${sequence}`, virtualAccountNumber: await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), amount: '1000000.00', currency: 'CNY', ...PAYER, receivedAt: t0 });
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `apply-retry-after-recourse-${sequence}` }, TEST_FINANCING_WINDOWS, t0);
    const id = financing.id;
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: parties.core.userId, partyId: parties.core.partyId }, `ack-${id}`, t0);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `approve-${id}`, t0);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `confirm-${id}`, t0);
    expect(await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs, t0)).toEqual({ reserved: true });
    const payout = (await disburse(db.prisma, id, t0))!;
    const failed = await recordPayoutOutcome(db.prisma, payout.id, { kind: 'REJECTED', reason: '账户已销户 account closed' }, at(0, 11));
    const supplierCode = partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    expect([failed.status, failed.amount.toFixed(2)]).toEqual(['FAILED', '797866.67']);
    const withdrawable = async () => {
      const figures = (await withdrawableBalance(db.prisma, supplier.partyId, 'CNY'))!;
      return [figures.available, figures.awaitingPayoutRetry, figures.withdrawable].map((value) => value.toFixed(2));
    };
    const payouts = async () => (await db.prisma.payout.findMany({ where: { financingId: id }, orderBy: { attempt: 'asc' } })).map((row) => [row.attempt, row.status, row.amount.toFixed(2)]);
    const state = async () => {
      const row = await db.prisma.financing.findUniqueOrThrow({ where: { id } });
      return { status: row.status, recourseClaimed: row.recourseClaimed.toFixed(2), transitions: await db.prisma.financingTransition.count({ where: { financingId: id } }) };
    };
    return { id, supplier, supplierActor, supplierCode, at, withdrawable, payouts, state, collectionVan: await vanOf(collectionAccountCode(id, 'CNY')) };
  }

  it('refuses the retry with WRONG_STATE, changing nothing, when recourse took all of the proceeds, and leaves later money of the supplier withdrawable', async () => {
    const f = await payoutFailedLongAgo();
    expect([await balance(f.supplierCode), ...(await f.withdrawable())]).toEqual(['797866.67', '797866.67', '797866.67', '0.00']);
    // Day 40 (D+30): 800,000.00 + 30 × 400.00 = 812,000.00 owed; the proceeds are all the supplier holds.
    const recourse = await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    expect([recourse.claimed, recourse.outstandingAfter]).toEqual(['797866.67', '14133.33']);
    // Nothing of the proceeds is left to pay out, so nothing waits for a retry.
    expect(await f.withdrawable()).toEqual(['0.00', '0.00', '0.00']);
    const before = await f.state();

    const error = await retryPayout(db.prisma, f.supplierActor, f.id, `retry-${f.id}`, f.at(41, 9)).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WrongStateError);
    expect((error as WrongStateError).code).toBe('WRONG_STATE');
    expect((error as WrongStateError).message).toContain('recourse');
    expect(await f.payouts()).toEqual([[1, 'FAILED', '797866.67']]);
    expect(await f.state()).toEqual(before);
    expect(await balance(f.supplierCode)).toBe('0.00');

    // Money of the supplier's own that comes in later is its to withdraw: no retry waits for it.
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await vanOf(f.supplierCode), amount: '50000.00', currency: 'CNY', ...PAYER, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(42, 10) });
    expect(await f.withdrawable()).toEqual(['50000.00', '0.00', '50000.00']);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('pays out only what recourse left of the proceeds, keeps the supplier’s own money withdrawable, and leaves the settled financing settled', async () => {
    const f = await payoutFailedLongAgo();
    // The supplier keeps 100,000.00 of its own beside the proceeds.
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await vanOf(f.supplierCode), amount: '100000.00', currency: 'CNY', ...PAYER, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
    // The core enterprise pays 600,000.00 at 22:00 on D+29; its wake-up is lost. On D+30 it is
    // allocated first as of D+29 (penalty 11,600.00, principal 588,400.00); D+30 is charged on
    // 211,600.00 (105.80): 211,705.80 is claimed, netted against the proceeds.
    await receiveInboundCredit(db.prisma, { bankReference: `PART-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '600000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 22) });
    const recourse = await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    expect([recourse.claimed, recourse.outstandingAfter]).toEqual(['211705.80', '0.00']);
    // 797,866.67 - 211,705.80 = 586,160.87 of the proceeds waits for the retry; the 100,000.00 does not.
    expect(await f.withdrawable()).toEqual(['686160.87', '586160.87', '100000.00']);
    const before = await f.state();
    expect(before.status).toBe('SETTLED');

    const retried = await retryPayout(db.prisma, f.supplierActor, f.id, `retry-${f.id}`, f.at(41, 9));
    expect([retried.attempt, retried.status, retried.amount.toFixed(2)]).toEqual([2, 'SUBMITTED', '586160.87']);
    expect(await balance(f.supplierCode)).toBe('100000.00');
    expect(await f.withdrawable()).toEqual(['100000.00', '0.00', '100000.00']);
    // A settled financing stays settled: its payout going out again is no news to its servicing.
    expect(await f.state()).toEqual(before);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('nets only the financing’s own proceeds: another financing’s proceeds awaiting their retry are left to it, and that retry pays them in full', async () => {
    const a = await payoutFailedLongAgo();
    const b = await payoutFailedLongAgo(a.supplier);
    expect(await a.withdrawable()).toEqual(['1595733.34', '1595733.34', '0.00']);
    // Recourse on A (812,000.00 owed) takes A's 797,866.67, not the 14,133.33 more B's proceeds would cover.
    const recourse = await claimRecourse(db.prisma, a.id, a.at(40, 0, 30));
    expect([recourse.claimed, recourse.outstandingAfter]).toEqual(['797866.67', '14133.33']);
    expect(await a.withdrawable()).toEqual(['797866.67', '797866.67', '0.00']);
    const retried = await retryPayout(db.prisma, b.supplierActor, b.id, `retry-${b.id}`, b.at(41, 9));
    expect([retried.attempt, retried.amount.toFixed(2)]).toEqual([2, '797866.67']);
    expect(await a.withdrawable()).toEqual(['0.00', '0.00', '0.00']);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('holds what recourse netted on the financing, and a ledger written before the financing held it gets it back from the RECOURSE posting (the migration)', async () => {
    const f = await payoutFailedLongAgo();
    await receiveInboundCredit(db.prisma, { bankReference: `PART-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '600000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 22) });
    expect((await claimRecourse(db.prisma, f.id, f.at(40, 0, 30))).claimed).toBe('211705.80');
    const netting = async () => {
      const row = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
      return [row.proceedsNetted.toFixed(2), row.nettedPayoutAttempt];
    };
    expect(await netting()).toEqual(['211705.80', 1]);
    expect(await f.withdrawable()).toEqual(['586160.87', '586160.87', '0.00']);

    // As the financing stood before it held the figure: only the posting's metadata had it.
    await db.prisma.$executeRaw`UPDATE financing SET proceeds_netted = 0, netted_payout_attempt = NULL WHERE id = ${f.id}::uuid`;
    expect(await f.withdrawable()).toEqual(['586160.87', '797866.67', '0.00']);
    const migration = await readFile(join(MIGRATIONS_DIR, '20270103030000_financing_proceeds_netted', 'migration.sql'), 'utf8');
    const backfill = migration.slice(migration.indexOf('UPDATE "financing"'));
    await db.prisma.$executeRawUnsafe(backfill);
    expect(await netting()).toEqual(['211705.80', 1]);
    expect(await f.withdrawable()).toEqual(['586160.87', '586160.87', '0.00']);
  });
});
