import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';

// A receivable's latest financing, as its list shows it beside the receivable: the one applied
// for last among those the caller may see. The obligor of a silent financing is not told of it
// (silent assignment), so to the obligor such a receivable has none.

const LATEST = `query ($id: ID!) { receivable(id: $id) { status latestFinancing { financingNumber status principal { amount currency } } } }`;

type Result = Record<string, any>;

describe('Receivable.latestFinancing', () => {
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

  async function financed(parties: FinancingParties) {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: fixture.receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `latest-${fixture.receivable.id}` };
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, input, TEST_FINANCING_WINDOWS);
    return { ...fixture, financing, id: globalId('Receivable', fixture.receivable.id) };
  }

  it('names the financing to its supplier, its funder and, under open assignment, its obligor', async () => {
    const parties = await createFinancingParties(db.prisma, { assignmentMode: 'OPEN' });
    const { supplier, financing, id } = await financed(parties);
    const expected = { financingNumber: financing.financingNumber, status: 'PENDING_ACKNOWLEDGEMENT', principal: { amount: '800000.00', currency: 'CNY' } };
    for (const caller of [supplier, parties.funder, parties.core]) {
      const answer: Result = await api.call(caller.token, LATEST, { id });
      expect(answer.latestFinancing).toEqual(expected);
    }
  });

  it('has none for the obligor of a silent financing, whose receivable it sees as CONFIRMED', async () => {
    const parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    const { supplier, financing, id } = await financed(parties);
    expect(((await api.call(supplier.token, LATEST, { id })) as Result).latestFinancing.financingNumber).toBe(financing.financingNumber);
    expect((await api.call(parties.core.token, LATEST, { id })) as Result).toEqual({ status: 'CONFIRMED', latestFinancing: null });
  });

  it('is the one applied for last, once an earlier one ended', async () => {
    const parties = await createFinancingParties(db.prisma, { assignmentMode: 'OPEN' });
    const { supplier, financing: first, id, receivable, actor } = await financed(parties);
    await db.prisma.financing.update({ where: { id: first.id }, data: { status: 'WITHDRAWN' } });
    await db.prisma.receivable.update({ where: { id: receivable.id }, data: { status: 'CONFIRMED' } });
    const later = new Date(first.appliedAt.getTime() + 60_000);
    const input = { receivableId: receivable.id, programId: parties.programId, amount: '150000.00', idempotencyKey: `latest-again-${receivable.id}` };
    const { financing: second } = await applyForFinancing(db.prisma, actor, input, TEST_FINANCING_WINDOWS, later);
    const answer: Result = await api.call(supplier.token, LATEST, { id });
    expect(answer.latestFinancing).toEqual({ financingNumber: second.financingNumber, status: 'PENDING_ACKNOWLEDGEMENT', principal: { amount: '150000.00', currency: 'CNY' } });
  });
});
