import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { Decimal } from '../../domain/money';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { collectionAccountCode, partyAccountCode, platformAccountCode } from './chart-of-accounts';
import { disburse, reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { pollInboundCredits, receiveInboundCredit, recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { trialBalance } from './ledger/trial-balance';

// Money arriving from the bank, against real PostgreSQL and the bank simulator: every credit
// the bank reports is booked once, and one the matcher cannot book never holds up the ones
// behind it.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };

describe('inbound credits', () => {
  let db: TestDatabase;
  let bank: BankSimulator;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    bank = new BankSimulator({ pool: db.url });
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await bank?.close();
    await db?.drop();
  });

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  async function posted(code: string): Promise<string> {
    const account = await findAccountByCode(db.prisma, code);
    return account ? (await getBalance(db.prisma, account.id)).posted.toFixed(2) : 'no account';
  }

  /** A financing disbursed store by store, as the workflow would do it (no payout account: PAYOUT_FAILED). */
  async function disbursedFinancing(principal = '300000.00'): Promise<{ financingId: string; collectionVan: string }> {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: principal, idempotencyKey: `apply-${fixture.receivable.id}` }, TEST_FINANCING_WINDOWS);
    const id = financing.id;
    const as = (actor: { userId: string; partyId: string }) => ({ userId: actor.userId, partyId: actor.partyId });
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${id}:acknowledge`);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, as(parties.funder), `test:${id}:approve`);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `test:${id}:confirm`);
    await recordInboundCredit(db.prisma, {
      bankReference: `TOPUP-${id}`,
      virtualAccountNumber: await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')),
      amount: principal,
      currency: 'CNY',
      ...PAYER,
      receivedAt: new Date(),
    });
    expect(await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, id);
    return { financingId: id, collectionVan: await vanOf(collectionAccountCode(id, 'CNY')) };
  }

  it('parks an HKD credit the platform has no accounts for, and books the CNY repayment behind it', async () => {
    const { financingId, collectionVan } = await disbursedFinancing();
    const hkd = await bank.receiveInboundCredit({ virtualAccountNumber: collectionVan, amount: '100.00', currency: 'HKD', ...PAYER });
    const cny = await bank.receiveInboundCredit({ virtualAccountNumber: collectionVan, amount: '300000.00', currency: 'CNY', ...PAYER });

    const booked = await pollInboundCredits(db.prisma, bank);
    expect(booked.map((result) => result.bankReference)).toEqual([hkd.bankReference, cny.bankReference]);
    expect(await db.prisma.inboundCredit.findUnique({ where: { bankReference: cny.bankReference } })).toMatchObject({ outcome: 'MATCHED', financingId });
    expect(await posted(collectionAccountCode(financingId, 'CNY'))).toBe('300000.00');
    // The HKD money is where the bank holds it (the escrow account) and nobody's yet (suspense), with its bank line.
    expect(await db.prisma.inboundException.findUnique({ where: { bankReference: hkd.bankReference } })).toMatchObject({
      reason: 'NO_ACCOUNTS_IN_CURRENCY',
      status: 'OPEN',
      amount: '100.00',
      currency: 'HKD',
      virtualAccountNumber: collectionVan,
      payerName: PAYER.payerName,
      financingId,
    });
    expect(await db.prisma.inboundCredit.findUnique({ where: { bankReference: hkd.bankReference } })).toMatchObject({ outcome: 'SUSPENSE', financingId: null });
    expect(await posted(platformAccountCode('ESCROW_BANK', 'HKD'))).toBe('100.00');
    expect(await posted(platformAccountCode('SUSPENSE', 'HKD'))).toBe('100.00');
    expect((await trialBalance(db.prisma, 'HKD')).balanced).toBe(true);
    // The repayment wakes its financing's workflow; the parked HKD wakes nobody.
    expect((await db.prisma.financingWakeUp.findMany({ where: { financingId } })).map((row) => [row.signal, row.cause])).toEqual([['REPAYMENT_RECEIVED', `inbound:${cny.bankReference}`]]);
    // The cursor moved past both: the next poll finds nothing new.
    expect(await pollInboundCredits(db.prisma, bank)).toEqual([]);
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('parks a credit to an unknown number in suspense as an exception, once per bank line', async () => {
    const line = { bankReference: 'UNKNOWN-1', virtualAccountNumber: '1234567890123456789', amount: '88.80', currency: 'CNY', ...PAYER, receivedAt: new Date('2026-12-01T02:00:00Z') };
    const suspenseBefore = await posted(platformAccountCode('SUSPENSE', 'CNY'));
    const first = await receiveInboundCredit(db.prisma, line);
    expect(first).toMatchObject({ replayed: false, credit: { outcome: 'SUSPENSE' }, exception: { reason: 'UNKNOWN_ACCOUNT', amount: '88.80', currency: 'CNY', status: 'OPEN' } });
    expect(await receiveInboundCredit(db.prisma, line)).toMatchObject({ replayed: true, exception: { id: first.exception!.id } });
    expect(await db.prisma.inboundException.count({ where: { bankReference: 'UNKNOWN-1' } })).toBe(1);
    expect(await posted(platformAccountCode('SUSPENSE', 'CNY'))).toBe(new Decimal(suspenseBefore).plus('88.80').toFixed(2));
  });

  it("books a credit at the bank's receipt time, not when the poller got to it", async () => {
    const funderVan = await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
    // Received one second before midnight in Shanghai, booked the next morning.
    const receivedAt = new Date(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) + 'T23:59:59+08:00');
    const booked = await receiveInboundCredit(db.prisma, { bankReference: 'LATE-NIGHT', virtualAccountNumber: funderVan, amount: '10.00', currency: 'CNY', ...PAYER, receivedAt });
    const transactions = await db.prisma.ledgerTransaction.findMany({ where: { idempotencyKey: { in: ['inbound:LATE-NIGHT:receipt', 'inbound:LATE-NIGHT:match'] } }, orderBy: { sequence: 'asc' } });
    expect(transactions.map((row) => [row.code, row.effectiveAt.toISOString()])).toEqual([
      ['INBOUND_RECEIPT', receivedAt.toISOString()],
      ['INBOUND_MATCH', receivedAt.toISOString()],
    ]);
    expect(booked.credit!.receivedAt.toISOString()).toBe(receivedAt.toISOString());
  });

  it("books a credit whose bank clock runs ahead of the database's at the ledger's bound rather than refusing it", async () => {
    const funderVan = await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
    const receivedAt = new Date(Date.now() + 60 * 60 * 1000);
    const booked = await receiveInboundCredit(db.prisma, { bankReference: 'FAST-CLOCK', virtualAccountNumber: funderVan, amount: '10.00', currency: 'CNY', ...PAYER, receivedAt });
    expect(booked).toMatchObject({ exception: null, credit: { outcome: 'MATCHED' } });
    // The credit keeps the bank's time; the posting is at most five minutes ahead of the database's clock.
    expect(booked.credit!.receivedAt.toISOString()).toBe(receivedAt.toISOString());
    const receipt = await db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: 'inbound:FAST-CLOCK:receipt' } });
    expect(receipt.effectiveAt.getTime()).toBeLessThan(receivedAt.getTime());
    expect(receipt.effectiveAt.getTime() - receipt.createdAt.getTime()).toBe(5 * 60 * 1000);
  });

  it.each([
    ['a currency the ledger does not keep', { amount: '100.00', currency: 'GBP' }],
    ['more decimals than the currency has', { amount: '100.001', currency: 'CNY' }],
  ])('keeps a bank line the ledger cannot hold (%s) as an exception with nothing booked, and goes on', async (_name, money) => {
    const bankReference = `UNBOOKABLE-${money.currency}-${money.amount}`;
    const transactions = await db.prisma.ledgerTransaction.count();
    const line = { bankReference, virtualAccountNumber: '1234567890123456789', ...money, ...PAYER, receivedAt: new Date() };
    const first = await receiveInboundCredit(db.prisma, line);
    expect(first).toMatchObject({ credit: null, replayed: false, exception: { reason: 'NOT_BOOKABLE', amount: money.amount, currency: money.currency, inboundCreditId: null } });
    expect(await receiveInboundCredit(db.prisma, line)).toMatchObject({ credit: null, replayed: true, exception: { id: first.exception!.id } });
    expect(await db.prisma.ledgerTransaction.count()).toBe(transactions);
    expect(await db.prisma.inboundCredit.findUnique({ where: { bankReference } })).toBeNull();
  });

  describe('a financing that ended without disbursement', () => {
    /** An application waiting for the core enterprise's acknowledgement, made at `at`, with its collection account open. */
    async function appliedFinancing(at = new Date()) {
      const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties, at);
      const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `apply-${fixture.receivable.id}` }, TEST_FINANCING_WINDOWS, at);
      const collectionVan = await vanOf(collectionAccountCode(financing.id, 'CNY'));
      return { financing, fixture, collectionVan };
    }

    it.each([
      ['refused by the core enterprise', 'REFUSE'],
      ['withdrawn by the supplier', 'WITHDRAW'],
      ['expired', 'EXPIRE'],
    ] as const)('closes its collection account when %s, and a later credit to it is parked for a refund to the payer', async (_name, kind) => {
      // An expiry ends a financing whose window has closed: that one was applied for six days ago.
      const { financing, fixture, collectionVan } = await appliedFinancing(kind === 'EXPIRE' ? new Date(Date.now() - 6 * 24 * 3_600_000) : new Date());
      const decision = kind === 'REFUSE' ? { kind, reason: '不予确认' } : kind === 'WITHDRAW' ? { kind, reason: '不再需要' } : { kind };
      const actor = kind === 'REFUSE' ? { userId: parties.core.userId, partyId: parties.core.partyId } : kind === 'WITHDRAW' ? { userId: fixture.supplier.userId, partyId: fixture.supplier.partyId } : null;
      const ended = await decideFinancing(db.prisma, financing.id, decision, actor, `test:${financing.id}:${kind}`);
      const collection = await findAccountByCode(db.prisma, collectionAccountCode(financing.id, 'CNY'));
      expect(collection!.closedAt?.getTime()).toBe(ended.updatedAt.getTime());

      const booked = await receiveInboundCredit(db.prisma, { bankReference: `LATE-${kind}`, virtualAccountNumber: collectionVan, amount: '100000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
      expect(booked).toMatchObject({ financingId: null, credit: { outcome: 'SUSPENSE' }, exception: { reason: 'FINANCING_ENDED', financingId: financing.id, status: 'OPEN' } });
      expect(await posted(collectionAccountCode(financing.id, 'CNY'))).toBe('0.00');
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    });

    it('moves money paid before the financing ended out of the closed collection account into suspense, one exception per credit', async () => {
      const { financing, fixture, collectionVan } = await appliedFinancing();
      const suspenseBefore = await posted(platformAccountCode('SUSPENSE', 'CNY'));
      await receiveInboundCredit(db.prisma, { bankReference: 'EARLY-1', virtualAccountNumber: collectionVan, amount: '30000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
      await receiveInboundCredit(db.prisma, { bankReference: 'EARLY-2', virtualAccountNumber: collectionVan, amount: '20000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
      expect(await posted(collectionAccountCode(financing.id, 'CNY'))).toBe('50000.00');

      await decideFinancing(db.prisma, financing.id, { kind: 'WITHDRAW', reason: '不再需要' }, { userId: fixture.supplier.userId, partyId: fixture.supplier.partyId }, `test:${financing.id}:withdraw`);
      expect(await posted(collectionAccountCode(financing.id, 'CNY'))).toBe('0.00');
      expect(await posted(platformAccountCode('SUSPENSE', 'CNY'))).toBe(new Decimal(suspenseBefore).plus('50000.00').toFixed(2));
      const exceptions = await db.prisma.inboundException.findMany({ where: { financingId: financing.id }, orderBy: { bankReference: 'asc' } });
      expect(exceptions.map((row) => [row.bankReference, row.reason, row.amount, row.status])).toEqual([
        ['EARLY-1', 'FINANCING_ENDED', '30000.00', 'OPEN'],
        ['EARLY-2', 'FINANCING_ENDED', '20000.00', 'OPEN'],
      ]);
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
      expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    });
  });
});
