import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import type { TestActor } from '../../test/support/parties';
import { LimitExceededError, WrongStateError } from '../../domain/errors';
import { creditLimitCode } from './credit-limit-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { trialBalance } from './ledger/trial-balance';
import { registryCheck } from './receivable-store';

// Applications reserve every limit with ledger holds: exactly the applications that fit
// succeed, whatever the interleaving.

describe('financing applications and limits', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let funder: TestActor;
  let core: TestActor;
  let programId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
    ({ funder, core, programId } = parties);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const confirmedSupplier = () => enrolledSupplierWithConfirmedReceivable(db.prisma, parties);

  async function available(kind: 'PROGRAM' | 'OBLIGOR') {
    const code = creditLimitCode({ kind, funderPartyId: funder.partyId, programId: kind === 'PROGRAM' ? programId : null, obligorPartyId: kind === 'OBLIGOR' ? core.partyId : null, currency: 'CNY' });
    const account = await findAccountByCode(db.prisma, code);
    return (await getBalance(db.prisma, account!.id)).available.toFixed(2);
  }

  it('applies with the quoted figures, reserves every limit and marks the receivable pending; a retry returns the same financing', async () => {
    const { receivable, actor } = await confirmedSupplier();
    const input = { receivableId: receivable.id, programId, amount: '200000.00', idempotencyKey: 'apply-1' };
    const { financing, replayed } = await applyForFinancing(db.prisma, actor, input, TEST_FINANCING_WINDOWS);
    expect(replayed).toBe(false);
    expect(financing.financingNumber).toMatch(/^FIN-\d{4}-\d{8}$/);
    expect(financing.status).toBe('PENDING_ACKNOWLEDGEMENT');
    expect([financing.principal, financing.interest, financing.fees, financing.netDisbursement].map((value) => value.toFixed(2))).toEqual(['200000.00', '3000.00', '200.00', '196800.00']);
    expect(financing.tenorDays).toBe(90);
    expect(financing.limitHoldIds).toHaveLength(3);
    expect(await available('PROGRAM')).toBe('800000.00');
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('FINANCING_PENDING');
    const invoice = await db.prisma.receivableInvoice.findFirstOrThrow({ where: { receivableId: receivable.id } });
    const check = await registryCheck(db.prisma, actor, core.creditCode, invoice.invoiceCode, invoice.invoiceNumber);
    expect(check).toMatchObject({ encumbered: true, status: 'FINANCING_PENDING' });

    const again = await applyForFinancing(db.prisma, actor, input, TEST_FINANCING_WINDOWS);
    expect(again).toMatchObject({ replayed: true, financing: { id: financing.id } });
    await expect(applyForFinancing(db.prisma, actor, { ...input, amount: '100000.00' }, TEST_FINANCING_WINDOWS)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await expect(applyForFinancing(db.prisma, actor, { ...input, idempotencyKey: 'apply-2' }, TEST_FINANCING_WINDOWS)).rejects.toBeInstanceOf(WrongStateError);
    expect(await available('PROGRAM')).toBe('800000.00');
  });

  it('lets exactly the concurrent applications that fit the program limit succeed', async () => {
    const before = await available('PROGRAM');
    const applicants = await Promise.all(Array.from({ length: 10 }, () => confirmedSupplier()));
    const results = await Promise.allSettled(
      applicants.map(({ receivable, actor }, index) => applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId, amount: '300000.00', idempotencyKey: `race-${index}` }, TEST_FINANCING_WINDOWS)),
    );
    const succeeded = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    // 800,000.00 was left: two applications of 300,000.00 fit, the third would not.
    expect(before).toBe('800000.00');
    expect(succeeded).toHaveLength(2);
    expect(refused).toHaveLength(8);
    for (const failure of refused) {
      expect(failure.reason).toBeInstanceOf(LimitExceededError);
      expect((failure.reason as LimitExceededError).code).toBe('LIMIT_EXCEEDED');
    }
    expect(await available('PROGRAM')).toBe('200000.00');
    expect(await db.prisma.financing.count()).toBe(3);
    const stillConfirmed = await db.prisma.receivable.count({ where: { id: { in: applicants.map((applicant) => applicant.receivable.id) }, status: 'CONFIRMED' } });
    expect(stillConfirmed).toBe(8);
    expect((await trialBalance(db.prisma, 'CNY', 'MEMO')).balanced).toBe(true);
  });

  it("refuses another party's receivable as not found, and changes nothing", async () => {
    const { receivable } = await confirmedSupplier();
    const { actor: other } = await confirmedSupplier();
    const before = await available('PROGRAM');
    await expect(applyForFinancing(db.prisma, other, { receivableId: receivable.id, programId, amount: '1000.00', idempotencyKey: 'x' }, TEST_FINANCING_WINDOWS)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await available('PROGRAM')).toBe(before);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('CONFIRMED');
  });

  describe('decisions', () => {
    const by = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
    const DAY_MS = 24 * 60 * 60 * 1000;

    async function pending() {
      const { receivable, actor, supplier } = await confirmedSupplier();
      const { financing } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId, amount: '1000.00', idempotencyKey: `d-${receivable.id}` }, TEST_FINANCING_WINDOWS);
      return { financing, supplier };
    }

    it('refuses a confirmation by the approver, in the store and in the database itself', async () => {
      const { financing } = await pending();
      await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + DAY_MS) }, by(core), 'k-ack');
      await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, by(funder), 'k-approve');
      await expect(decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, by(funder), 'k-confirm')).rejects.toMatchObject({ code: 'MAKER_CANNOT_CHECK' });
      await expect(db.query(`UPDATE financing SET approval_confirmed_by_user_id = approved_by_user_id, status = 'APPROVED' WHERE id = $1`, [financing.id])).rejects.toThrow(/financing_four_eyes/);
      const confirmed = await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, by(parties.funderChecker), 'k-confirm-2');
      expect(confirmed.status).toBe('APPROVED');
    });

    it('applies a decision once per key, and an expiry after a decision changes nothing', async () => {
      const { financing } = await pending();
      const first = await decideFinancing(db.prisma, financing.id, { kind: 'REFUSE', reason: 'disputed' }, by(core), 'k-refuse');
      const again = await decideFinancing(db.prisma, financing.id, { kind: 'REFUSE', reason: 'disputed' }, by(core), 'k-refuse');
      expect([first.status, again.status]).toEqual(['REFUSED', 'REFUSED']);
      const expired = await decideFinancing(db.prisma, financing.id, { kind: 'EXPIRE' }, null, 'k-expire');
      expect(expired.status).toBe('REFUSED');
      expect(await db.prisma.financingTransition.count({ where: { financingId: financing.id } })).toBe(2);
      const holds = await db.prisma.ledgerHold.findMany({ where: { id: { in: financing.limitHoldIds } } });
      expect(holds.map((hold) => hold.status)).toEqual(['VOIDED', 'VOIDED', 'VOIDED']);
    });

    it('refuses a decision after its deadline with DEADLINE_PASSED, and by the wrong side as forbidden or not found', async () => {
      const { financing, supplier } = await pending();
      const late = new Date(financing.acknowledgementDeadline!.getTime() + 1);
      await expect(decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: late }, by(core), 'k-late', late)).rejects.toMatchObject({ code: 'DEADLINE_PASSED' });
      await expect(decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, by(supplier), 'k-wrong')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const { supplier: stranger } = await confirmedSupplier();
      await expect(decideFinancing(db.prisma, financing.id, { kind: 'WITHDRAW', reason: 'x' }, by(stranger), 'k-stranger')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).status).toBe('PENDING_ACKNOWLEDGEMENT');
    });
  });
});
