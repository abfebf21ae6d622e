import { ConflictError } from '../../domain/errors';
import type { PrismaClient } from '../client';
import { runTransaction, type Tx } from './run-transaction';
import { isUniqueViolation } from './unique-violation';
import { openWebhookSecret, sealWebhookSecret } from './webhook-secret-box';

// What a mutation whose answer carries a secret shown once (a webhook signing secret, an API
// key's token) keeps so that a copy of the request is answered alike (docs/api.md, "A mutation
// sent again gets the first answer"). Without it a client whose first answer was lost (a timeout,
// a cut connection) would either make a second endpoint or key with its retry, or hold one it can
// never use. The secret is kept sealed with the server's secret box (WEBHOOK_SECRET_KEY, like the
// signing secrets themselves), for SECRET_REPLAY_AGE_MS_MAX only: after that the seal is erased
// (by the worker's erasure loop within SECRET_SEAL_ERASURE_INTERVAL_MS, and by the next request
// that keeps or reads such an answer, before it reads) and a copy is told SECRET_SHOWN_ONCE. The
// row stays, without the secret, so that a late copy is told rather than obeyed as a new request.

/** How long a copy of a request is answered with the secret it made: a client's retries come within it. */
export const SECRET_REPLAY_AGE_MS_MAX = 24 * 60 * 60 * 1000;
/** How often the worker erases the seals past their window: none outlives it by more. */
export const SECRET_SEAL_ERASURE_INTERVAL_MS = 10 * 60 * 1000;

/** What the request made: the object the secret belongs to (an endpoint, an API key) and the secret in clear. */
export interface MadeWithSecret {
  subjectId: string;
  secret: string;
}

/**
 * Runs `make` once per request key, in one transaction with the sealed secret kept for copies;
 * a copy (concurrent or later, within the window) gets what the first made without making
 * anything. `shownOnce` is the message a copy after the window receives: what to do instead.
 */
export async function makeOnceWithSecret(prisma: PrismaClient, requestKey: string, shownOnce: string, make: (tx: Tx) => Promise<MadeWithSecret>, now = new Date()): Promise<MadeWithSecret & { replayed: boolean }> {
  const earlier = await keptFor(prisma, requestKey, shownOnce, now);
  if (earlier) return earlier;
  try {
    return await runTransaction(prisma, async (tx) => {
      // The request's key first: a concurrent copy waits on its unique index until this
      // transaction ends, then fails on it and reads what this one made (a second endpoint or key otherwise).
      await tx.secretReplay.create({ data: { requestKey, createdAt: now, expiresAt: new Date(now.getTime() + SECRET_REPLAY_AGE_MS_MAX) } });
      const made = await make(tx);
      await tx.secretReplay.update({ where: { requestKey }, data: { subjectId: made.subjectId, secretCiphertext: sealWebhookSecret(made.secret) } });
      return { ...made, replayed: false };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const first = await keptFor(prisma, requestKey, shownOnce, now);
    if (first) return first;
    throw error;
  }
}

/** Erases every seal past its window (the rows stay, so that a late copy is told); returns how many. */
export async function eraseExpiredSecretSeals(prisma: PrismaClient, now = new Date()): Promise<number> {
  const erased = await prisma.secretReplay.updateMany({ where: { expiresAt: { lte: now }, secretCiphertext: { not: null } }, data: { secretCiphertext: null } });
  return erased.count;
}

/** What an earlier copy of the request made, or null when none did. Erases every seal past the window first, so none is ever opened late. */
async function keptFor(prisma: PrismaClient, requestKey: string, shownOnce: string, now: Date): Promise<(MadeWithSecret & { replayed: boolean }) | null> {
  await eraseExpiredSecretSeals(prisma, now);
  const kept = await prisma.secretReplay.findUnique({ where: { requestKey } });
  if (!kept) return null;
  if (kept.secretCiphertext === null || kept.subjectId === null) throw new ConflictError('SECRET_SHOWN_ONCE', shownOnce);
  return { subjectId: kept.subjectId, secret: openWebhookSecret(kept.secretCiphertext), replayed: true };
}
