import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf, registerDirectly } from '../../test/support/receivables';
import { LimitExceededError, WrongStateError } from '../../workflows/domain/errors';
import { creditLimitCode } from './credit-limit-store';
import { applyForFinancing } from './financing-store';
import { findAccountByCode, getBalance, trialBalance } from './ledger-store';
import { createProgram, enrollSupplier } from './program-store';
import { decideReceivable, registryCheck } from './receivable-store';

// Applications reserve every limit with ledger holds: exactly the applications that fit
// succeed, whatever the interleaving.

const TERMS = {
  advanceRate: '0.8',
  annualRate: '0.06',
  interestMode: 'UPFRONT' as const,
  dayCount: 'ACT_360' as const,
  feeRate: '0.001',
  tenorDaysMax: 180,
  graceDays: 3,
  penaltyRate: '0.18',
  recourse: false,
  assignmentMode: 'OPEN' as const,
  programLimit: '1000000.00',
  supplierLimit: '1000000.00',
  obligorLimit: '5000000.00',
};

describe('financing applications and limits', () => {
  let db: TestDatabase;
  let admin: TestActor;
  let funder: TestActor;
  let core: TestActor;
  let programId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
    funder = await createActor(db.prisma, { partyRoles: ['FUNDER'] });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
    const program = await createProgram(db.prisma, await actorOf(db.prisma, admin), { name: '测试计划', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: TERMS });
    programId = program.id;
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function confirmedSupplier() {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, admin), programId, supplier.creditCode);
    const receivable = await registerDirectly(db.prisma, supplier, core.creditCode);
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: core.userId, partyId: core.partyId }, `test:${receivable.id}:confirm`);
    return { supplier, receivable, actor: await actorOf(db.prisma, supplier) };
  }

  async function available(kind: 'PROGRAM' | 'OBLIGOR') {
    const code = creditLimitCode({ kind, funderPartyId: funder.partyId, programId: kind === 'PROGRAM' ? programId : null, obligorPartyId: kind === 'OBLIGOR' ? core.partyId : null, currency: 'CNY' });
    const account = await findAccountByCode(db.prisma, code);
    return (await getBalance(db.prisma, account!.id)).available.toFixed(2);
  }

  it('applies with the quoted figures, reserves every limit and marks the receivable pending; a retry returns the same financing', async () => {
    const { receivable, actor } = await confirmedSupplier();
    const input = { receivableId: receivable.id, programId, amount: '200000.00', idempotencyKey: 'apply-1' };
    const { financing, replayed } = await applyForFinancing(db.prisma, actor, input);
    expect(replayed).toBe(false);
    expect(financing.financingNumber).toMatch(/^FIN-\d{4}-\d{8}$/);
    expect(financing.status).toBe('PENDING_ACKNOWLEDGEMENT');
    expect([financing.principal, financing.interest, financing.fees, financing.netDisbursement].map((value) => value.toFixed(2))).toEqual(['200000.00', '3000.00', '200.00', '196800.00']);
    expect(financing.tenorDays).toBe(90);
    expect(financing.limitHoldIds).toHaveLength(3);
    expect(await available('PROGRAM')).toBe('800000.00');
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('FINANCING_PENDING');
    const invoice = await db.prisma.receivableInvoice.findFirstOrThrow({ where: { receivableId: receivable.id } });
    const check = await registryCheck(db.prisma, core.creditCode, invoice.invoiceCode, invoice.invoiceNumber);
    expect(check).toMatchObject({ encumbered: true, status: 'FINANCING_PENDING' });

    const again = await applyForFinancing(db.prisma, actor, input);
    expect(again).toMatchObject({ replayed: true, financing: { id: financing.id } });
    await expect(applyForFinancing(db.prisma, actor, { ...input, amount: '100000.00' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await expect(applyForFinancing(db.prisma, actor, { ...input, idempotencyKey: 'apply-2' })).rejects.toBeInstanceOf(WrongStateError);
    expect(await available('PROGRAM')).toBe('800000.00');
  });

  it('lets exactly the concurrent applications that fit the program limit succeed', async () => {
    const before = await available('PROGRAM');
    const applicants = await Promise.all(Array.from({ length: 10 }, () => confirmedSupplier()));
    const results = await Promise.allSettled(
      applicants.map(({ receivable, actor }, index) => applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId, amount: '300000.00', idempotencyKey: `race-${index}` })),
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
    await expect(applyForFinancing(db.prisma, other, { receivableId: receivable.id, programId, amount: '1000.00', idempotencyKey: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await available('PROGRAM')).toBe(before);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('CONFIRMED');
  });
});
