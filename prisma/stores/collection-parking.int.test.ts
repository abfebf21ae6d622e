import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor';
import { Decimal } from '../../domain/money';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { createActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { collectionAccountCode, platformAccountCode } from './chart-of-accounts';
import { applyForFinancing, decideFinancing } from './financing-store';
import { decideExceptionResolution, proposeExceptionResolution } from './inbound-exception-store';
import { receiveInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { trialBalance } from './ledger/trial-balance';
import { approveAdjustment, proposeAdjustment } from './ledger-adjustment-store';

// A financing that ends without disbursement empties its collection account into suspense,
// whatever way the money reached it, one exception per part with what is known of its payer, and
// closes the account at zero; money racing the end is either moved with the rest or parked (or
// left in suspense) by its own booking, never stranded in the closed account.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };
const OTHER_PAYER = { payerName: '佛山市顺德区美达电器有限公司', payerAccountNumber: '6222020200990044556', remittanceInformation: '货款 invoice 2024-118' };

describe('the collection account of a financing that ends before disbursement', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let maker: Actor;
  let checker: Actor;
  let sequence = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳前海供应链平台运营有限公司' });
    maker = await actorOf(db.prisma, operator);
    checker = await actorOf(db.prisma, await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] }));
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function posted(code: string): Promise<string> {
    const account = await findAccountByCode(db.prisma, code);
    return account ? (await getBalance(db.prisma, account.id)).posted.toFixed(2) : '0.00';
  }

  async function appliedFinancing() {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `apply-${fixture.receivable.id}` }, TEST_FINANCING_WINDOWS);
    const collectionCode = collectionAccountCode(financing.id, 'CNY');
    const collectionVan = (await findAccountByCode(db.prisma, collectionCode))!.virtualAccountNumber!;
    const withdraw = () => decideFinancing(db.prisma, financing.id, { kind: 'WITHDRAW', reason: '不再需要' }, { userId: fixture.supplier.userId, partyId: fixture.supplier.partyId }, `test:${financing.id}:withdraw`);
    return { financing, collectionCode, collectionVan, withdraw };
  }

  /** A payer's line to a number no account has, parked by the feed (UNKNOWN_ACCOUNT). */
  async function parkedLine(amount: string, receivedAt: Date) {
    sequence += 1;
    const booked = await receiveInboundCredit(db.prisma, { bankReference: `WRONG-VAN-${process.pid}-${sequence}`, virtualAccountNumber: `99990000${String(sequence).padStart(8, '0')}`, amount, currency: 'CNY', ...OTHER_PAYER, receivedAt });
    expect(booked.exception).toMatchObject({ reason: 'UNKNOWN_ACCOUNT' });
    return booked.exception!;
  }

  it('moves every part to suspense as its own exception, with the payer and bank line it came from, and closes the account at zero', async () => {
    const { financing, collectionCode, collectionVan, withdraw } = await appliedFinancing();
    // A payer pays 30,000.00 to the collection account; another pays 20,000.00 to a wrong number,
    // which operators apply there; a person moves 500.00 there from suspense by hand.
    await receiveInboundCredit(db.prisma, { bankReference: `EARLY-${financing.id}`, virtualAccountNumber: collectionVan, amount: '30000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
    const receivedAt = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
    const wrong = await parkedLine('20000.00', receivedAt);
    const suspense = (await findAccountByCode(db.prisma, platformAccountCode('SUSPENSE', 'CNY')))!;
    const adjustment = await proposeAdjustment(db.prisma, maker, {
      reason: '挂账款项转入回款专户 moved by hand',
      entries: [
        { accountId: suspense.id, direction: 'DEBIT', amount: '500.00', currency: 'CNY' },
        { accountId: financing.collectionAccountId!, direction: 'CREDIT', amount: '500.00', currency: 'CNY' },
      ],
    });
    await approveAdjustment(db.prisma, checker, adjustment.id);
    await proposeExceptionResolution(db.prisma, maker, wrong.id, { accountId: financing.collectionAccountId!, note: '付款人账号填错 paid to a wrong number' });
    await decideExceptionResolution(db.prisma, checker, wrong.id, true);
    expect(await posted(collectionCode)).toBe('50500.00');
    const escrowBefore = await posted(platformAccountCode('ESCROW_BANK', 'CNY'));
    const suspenseBefore = await posted(platformAccountCode('SUSPENSE', 'CNY'));

    await withdraw();
    // Withdrawn again (a retried decision): nothing moves a second time.
    await withdraw();

    const exceptions = await db.prisma.inboundException.findMany({ where: { financingId: financing.id }, orderBy: { heldAmount: 'desc' } });
    expect({
      closed: (await findAccountByCode(db.prisma, collectionCode))!.closedAt !== null,
      collection: await posted(collectionCode),
      escrowBank: await posted(platformAccountCode('ESCROW_BANK', 'CNY')),
      suspense: await posted(platformAccountCode('SUSPENSE', 'CNY')),
    }).toEqual({ closed: true, collection: '0.00', escrowBank: escrowBefore, suspense: new Decimal(suspenseBefore).plus('50500.00').toFixed(2) });
    expect(exceptions.map((row) => [row.reason, row.status, row.heldAmount?.toFixed(2), row.payerName, row.payerAccountNumber])).toEqual([
      ['FINANCING_ENDED', 'OPEN', '30000.00', PAYER.payerName, PAYER.payerAccountNumber],
      ['FINANCING_ENDED', 'OPEN', '20000.00', OTHER_PAYER.payerName, OTHER_PAYER.payerAccountNumber],
      ['FINANCING_ENDED', 'OPEN', '500.00', '', ''],
    ]);
    const [credit, applied, byHand] = exceptions;
    expect(credit).toMatchObject({ bankReference: `EARLY-${financing.id}`, virtualAccountNumber: collectionVan });
    expect(credit!.inboundCreditId).not.toBeNull();
    // The applied line keeps the bank's receipt time and says which bank line it was.
    expect(applied).toMatchObject({ virtualAccountNumber: wrong.virtualAccountNumber, remittanceInformation: OTHER_PAYER.remittanceInformation, receivedAt, inboundCreditId: null });
    expect(applied!.bankReference).toMatch(/^collection:/);
    expect(applied!.detail).toContain(wrong.bankReference);
    expect(byHand!.detail).toContain('MANUAL_ADJUSTMENT');

    // The payer's money can go back to the payer; the money with no payer bank line can only be applied.
    expect((await proposeExceptionResolution(db.prisma, maker, applied!.id, { refund: true, note: '融资已撤回，原路退回 the financing was withdrawn' })).status).toBe('PROPOSED');
    await expect(proposeExceptionResolution(db.prisma, maker, byHand!.id, { refund: true, note: '原路退回 refund' })).rejects.toMatchObject({ code: 'NO_PAYER_ACCOUNT' });
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
  });

  it('strands nothing when operators apply money to the collection account while the financing ends', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { financing, collectionCode, withdraw } = await appliedFinancing();
      const wrong = await parkedLine('12345.67', new Date());
      await proposeExceptionResolution(db.prisma, maker, wrong.id, { accountId: financing.collectionAccountId!, note: '付款人账号填错 paid to a wrong number' });
      const suspenseBefore = await posted(platformAccountCode('SUSPENSE', 'CNY'));
      const [applied] = await Promise.allSettled([decideExceptionResolution(db.prisma, checker, wrong.id, true), withdraw()]);
      const held = await db.prisma.inboundException.findMany({ where: { OR: [{ id: wrong.id }, { financingId: financing.id }], status: { not: 'RESOLVED' } } });
      expect({
        collection: await posted(collectionCode),
        closed: (await findAccountByCode(db.prisma, collectionCode))!.closedAt !== null,
        suspense: await posted(platformAccountCode('SUSPENSE', 'CNY')),
        held: held.map((row) => [row.reason, row.status, row.heldAmount?.toFixed(2)]),
      }).toEqual({
        collection: '0.00',
        closed: true,
        suspense: suspenseBefore,
        // Applied first and moved back when the financing ended, or refused and still parked where it was: one exception holds the money.
        held: [applied.status === 'fulfilled' ? ['FINANCING_ENDED', 'OPEN', '12345.67'] : ['UNKNOWN_ACCOUNT', 'PROPOSED', '12345.67']],
      });
      if (applied.status === 'rejected') expect(applied.reason).toMatchObject({ code: 'WRONG_STATE' });
    }
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('strands nothing when a payer’s credit reaches the collection account while the financing ends', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { financing, collectionCode, collectionVan, withdraw } = await appliedFinancing();
      const bankReference = `RACE-${financing.id}`;
      const suspenseBefore = await posted(platformAccountCode('SUSPENSE', 'CNY'));
      await Promise.all([receiveInboundCredit(db.prisma, { bankReference, virtualAccountNumber: collectionVan, amount: '8800.50', currency: 'CNY', ...PAYER, receivedAt: new Date() }), withdraw()]);
      const exceptions = await db.prisma.inboundException.findMany({ where: { financingId: financing.id } });
      expect({
        collection: await posted(collectionCode),
        suspense: await posted(platformAccountCode('SUSPENSE', 'CNY')),
        exceptions: exceptions.map((row) => [row.bankReference, row.reason, row.status, row.heldAmount?.toFixed(2)]),
      }).toEqual({ collection: '0.00', suspense: new Decimal(suspenseBefore).plus('8800.50').toFixed(2), exceptions: [[bankReference, 'FINANCING_ENDED', 'OPEN', '8800.50']] });
    }
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
