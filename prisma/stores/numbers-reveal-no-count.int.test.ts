import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { applyDirectly, createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../../test/support/financings';

// A registration or financing number is read by the supplier, its customer and the funder. Drawn
// from one platform-wide sequence, two numbers of one party tell it how many registrations (or
// applications) every other party made between them: the platform's volume, and a competitor's
// activity on a small programme, which no party may learn.

const serialOf = (number: string) => Number(number.slice(-8));

describe('the numbers a party reads', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('do not count the registrations others made between two of its own', async () => {
    const first = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    for (let other = 0; other < 3; other += 1) await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const second = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);

    expect(second.receivable.registrationNumber).toMatch(/^REG-\d{4}-\d{8}$/);
    expect(serialOf(second.receivable.registrationNumber) - serialOf(first.receivable.registrationNumber)).not.toBe(4);
  });

  it('do not count the applications others made between two of its own', async () => {
    const numberOf = async (id: string) => (await db.prisma.financing.findUniqueOrThrow({ where: { id } })).financingNumber;
    const first = await numberOf((await applyDirectly(db.prisma, parties, '100000.00')).id);
    for (let other = 0; other < 3; other += 1) await applyDirectly(db.prisma, parties, '100000.00');
    const second = await numberOf((await applyDirectly(db.prisma, parties, '100000.00')).id);

    expect(second).toMatch(/^FIN-\d{4}-\d{8}$/);
    expect(serialOf(second) - serialOf(first)).not.toBe(4);
  });
});
