import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { eraseExpiredSecretSeals, SECRET_SEAL_ERASURE_INTERVAL_MS } from '../../prisma/stores/secret-replay-store';
import { repeatEvery, type Repeating } from './repeat-every';

/**
 * The worker's loop that erases the sealed secrets kept for copies of a request once their window
 * has passed (prisma/stores/secret-replay-store.ts), so that none stays in the database past it
 * for want of another such request. One statement, idempotent: a turn that finds none does nothing,
 * and two workers erasing at once erase each seal once.
 */
export function startSecretSealErasure(prisma: PrismaClient, logger: Logger, intervalMs = SECRET_SEAL_ERASURE_INTERVAL_MS): Repeating {
  return repeatEvery(
    async () => {
      const erased = await eraseExpiredSecretSeals(prisma);
      if (erased > 0) logger.info({ erased }, 'sealed secrets past their replay window erased');
    },
    intervalMs,
    logger,
    { immediately: true, failure: 'erasing the sealed secrets past their replay window failed; retrying at the next turn' },
  );
}
