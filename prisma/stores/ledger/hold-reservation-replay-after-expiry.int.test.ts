import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { openAccount } from './accounts';
import { reserveHold } from './holds';
import { verifyLedgerInvariants } from './invariants';

// Repeating a request with the same idempotency key and content returns the original result
// (docs/ledger.md, Idempotency). A reservation with an expiry, repeated after that expiry (the
// answer to the first call was lost, the caller retries), was made: the repeat must say so and
// name the hold, not refuse the request as if it were new, or the caller never learns the id
// of the money it reserved.

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('a hold reservation repeated after its expiry', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('is a replay of the original reservation', async () => {
    const from = await openAccount(db.prisma, { code: 'hold-replay:from', name: 'From', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    const to = await openAccount(db.prisma, { code: 'hold-replay:to', name: 'To', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    const request = { idempotencyKey: 'hold-replay:reserve', code: 'TEST_HOLD', debitAccountId: from.id, creditAccountId: to.id, amount: '80.00', currency: 'CNY', expiresAt: new Date(Date.now() + 1_500) };
    const first = await reserveHold(db.prisma, request);
    expect(first.replayed).toBe(false);
    await sleep(2_000);
    const again = await reserveHold(db.prisma, request).then(
      (value) => value,
      (error: Error) => `${error.name}: ${error.message}`,
    );
    expect(again).toEqual({ holdId: first.holdId, replayed: true });
  });
});
