import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOnceWithSecret, SECRET_REPLAY_AGE_MS_MAX } from '../../prisma/stores/secret-replay-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { testLogger } from '../../test/support/logger';
import { startSecretSealErasure } from './secret-seal-erasure';

// A secret kept sealed for copies of a request is erased once its window has passed by the
// worker's loop, not only by the next request that keeps or reads such an answer: a platform
// that makes no such request for a week keeps no seal for a week.

describe("the worker's erasure of sealed secrets past their window", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const sealed = async (requestKey: string) =>
    (await db.query<{ sealed: boolean }>('SELECT secret_ciphertext IS NOT NULL AS sealed FROM secret_replay WHERE request_key = $1', [requestKey])).rows[0]?.sealed;

  it('erases the seals past their window, keeps the rows and the seals within it', async () => {
    const keep = (requestKey: string) => makeOnceWithSecret(db.prisma, requestKey, 'shown once', () => Promise.resolve({ subjectId: randomUUID(), secret: `whsec_${randomUUID()}` }));
    const old = `old-${randomUUID()}`;
    const recent = `recent-${randomUUID()}`;
    await keep(old);
    await keep(recent);
    // The first one's window passes (a request would erase it before it reads: none comes).
    await db.query(`UPDATE secret_replay SET created_at = created_at - $2::interval, expires_at = expires_at - $2::interval WHERE request_key = $1`, [old, `${SECRET_REPLAY_AGE_MS_MAX + 60_000} milliseconds`]);
    expect([await sealed(old), await sealed(recent)]).toEqual([true, true]);

    // No request comes; the loop's first turn is at once.
    const loop = startSecretSealErasure(db.prisma, testLogger, 60_000);
    try {
      await expect.poll(() => sealed(old), { timeout: 10_000 }).toBe(false);
    } finally {
      await loop.stop();
    }
    // The row stays, so that a late copy is told the secret was shown once.
    expect(await sealed(recent)).toBe(true);
    expect(await db.prisma.secretReplay.count({ where: { requestKey: { in: [old, recent] } } })).toBe(2);
  });
});
