import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { applyForFinancing } from './financing-store';

// A number's year is the business year (UTC+08:00), like every date the parties read: at
// 00:30 on 1 January in Shanghai it is still 31 December in UTC, and a registration or an
// application made then belongs to the new year.

const NEW_YEAR_HALF_PAST_MIDNIGHT = new Date('2026-12-31T16:30:00.000Z');

describe('registration and financing numbers', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('take their year from the business date, not from UTC', async () => {
    const { receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties, NEW_YEAR_HALF_PAST_MIDNIGHT);
    expect(receivable.registrationNumber).toMatch(/^REG-2027-\d{8}$/);

    const input = { receivableId: receivable.id, programId: parties.programId, amount: '500000.00', idempotencyKey: `apply-${receivable.id}` };
    const { financing } = await applyForFinancing(db.prisma, actor, input, TEST_FINANCING_WINDOWS, NEW_YEAR_HALF_PAST_MIDNIGHT);
    expect(financing.financingNumber).toMatch(/^FIN-2027-\d{8}$/);
  });
});
