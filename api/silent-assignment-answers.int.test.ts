import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { decideReceivable } from '../prisma/stores/receivable-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { actorOf } from '../test/support/receivables';

// Silent assignment (暗保理): the refusals the core enterprise can be given on a receivable it
// owes, beyond those api/confidentiality-gaps.int.test.ts asks through the API, are the refusals
// it would be given with no financing (docs/security.md, "Silent assignment"). Each is asked
// of a receivable under a silent application and of one merely confirmed, and must be the same.

type Refusal = { name: string; message: string; currentState?: string; code?: string } | null;

async function refusalOf(attempt: () => Promise<unknown>): Promise<Refusal> {
  try {
    await attempt();
    return null;
  } catch (error) {
    const { name, message, currentState, code } = error as Error & { currentState?: string; code?: string };
    return { name, message, currentState, code };
  }
}

describe('silent assignment: what the core enterprise is refused', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  /** Confirmed and never financed: what the core enterprise would be refused with no financing. */
  let plainReceivableId: string;

  /** A new receivable under a silent application (FINANCING_PENDING). */
  async function silentlyApplied(key: string): Promise<string> {
    const { receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    // Small: the program's limit (1,000,000.00) holds every test's application.
    await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '200000.00', idempotencyKey: key }, TEST_FINANCING_WINDOWS);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('FINANCING_PENDING');
    return receivable.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    plainReceivableId = (await enrolledSupplierWithConfirmedReceivable(db.prisma, parties)).receivable.id;
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  });

  const decide = (receivableId: string, kind: 'CONFIRM' | 'REJECT', core: { userId: string; partyId: string }) =>
    refusalOf(() => decideReceivable(db.prisma, receivableId, kind === 'CONFIRM' ? { kind } : { kind, reason: 'not ours' }, core, `answers:${receivableId}:${kind}`));

  it("refuses the obligor's confirmation or rejection in the decision step as for a merely confirmed receivable", async () => {
    // The step the confirmation workflow runs: the database decides under the receivable's row
    // lock, after the workflow's own state let the decision through.
    const silentReceivableId = await silentlyApplied('answers-decision');
    const core = { userId: parties.core.userId, partyId: parties.core.partyId };
    const plain = { confirm: await decide(plainReceivableId, 'CONFIRM', core), reject: await decide(plainReceivableId, 'REJECT', core) };
    const silent = { confirm: await decide(silentReceivableId, 'CONFIRM', core), reject: await decide(silentReceivableId, 'REJECT', core) };
    expect(plain.confirm).toMatchObject({ name: 'WrongStateError', currentState: 'CONFIRMED' });
    expect(silent).toEqual(plain);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: silentReceivableId } })).status).toBe('FINANCING_PENDING');
  });

  it('refuses an application by the obligor, also a supplier elsewhere, as for a receivable nobody financed', async () => {
    const silentReceivableId = await silentlyApplied('answers-application');
    // A group that supplies other buyers has the SUPPLIER role too; it still cannot finance what it owes.
    await db.prisma.party.update({ where: { id: parties.core.partyId }, data: { roles: ['CORE_ENTERPRISE', 'SUPPLIER'] } });
    try {
      const core = await actorOf(db.prisma, parties.core);
      const apply = (receivableId: string, key: string) => refusalOf(() => applyForFinancing(db.prisma, core, { receivableId, programId: parties.programId, amount: '100000.00', idempotencyKey: key }, TEST_FINANCING_WINDOWS));
      const plain = await apply(plainReceivableId, 'answers-core-plain');
      const silent = await apply(silentReceivableId, 'answers-core-silent');
      expect(plain).toMatchObject({ name: 'ForbiddenError' });
      expect(silent).toEqual(plain);
      expect(await db.prisma.financing.count({ where: { receivableId: { in: [plainReceivableId, silentReceivableId] } } })).toBe(1);
    } finally {
      await db.prisma.party.update({ where: { id: parties.core.partyId }, data: { roles: ['CORE_ENTERPRISE'] } });
    }
  });

  it('does not let a confirmation move a receivable a financing holds back to CONFIRMED', async () => {
    // Under open assignment, where the obligor is told of the application: the refusal names the
    // state as it is, and nothing changes (FINANCING_PENDING -> CONFIRMED is the financing's own
    // way back when it ends, not a confirmation).
    const open = await createFinancingParties(db.prisma, { assignmentMode: 'OPEN' });
    const { receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, open);
    await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: open.programId, amount: '800000.00', idempotencyKey: 'answers-open' }, TEST_FINANCING_WINDOWS);
    const before = await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id }, include: { transitions: true } });
    const refusal = await decide(receivable.id, 'CONFIRM', { userId: open.core.userId, partyId: open.core.partyId });
    expect(refusal).toEqual({ name: 'WrongStateError', message: 'cannot confirm a receivable that is FINANCING_PENDING', currentState: 'FINANCING_PENDING', code: 'WRONG_STATE' });
    expect(await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id }, include: { transitions: true } })).toEqual(before);
  });
});
