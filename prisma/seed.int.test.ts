import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { TEST_PEPPER } from '../test/support/parties';
import { seedDevelopmentData } from './seed';

// `npm start` seeds an empty database so a newcomer can play every part of one financing.

describe('development seed', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates the cast and a program the supplier is enrolled in, once; a second run only issues new tokens', async () => {
    const first = await seedDevelopmentData(db.prisma, TEST_PEPPER);
    const second = await seedDevelopmentData(db.prisma, TEST_PEPPER);
    expect(first).toHaveLength(8);
    expect(second.map((token) => token.email)).toEqual(first.map((token) => token.email));
    expect(second.map((token) => token.token)).not.toEqual(first.map((token) => token.token));
    expect(await db.prisma.party.count()).toBe(4);
    const programs = await db.prisma.program.findMany({ include: { enrollments: { include: { supplier: true } }, terms: true } });
    expect(programs).toHaveLength(1);
    expect(programs[0]!.enrollments.map((row) => row.supplier.legalName)).toEqual(['深圳市华强精密电子有限公司']);
    expect(programs[0]!.terms[0]).toMatchObject({ assignmentMode: 'OPEN', recourse: true });
    expect(await db.prisma.creditLimit.count()).toBe(3);
    expect(await db.prisma.partyBankAccount.count({ where: { retiredAt: null } })).toBe(1);
  });
});
