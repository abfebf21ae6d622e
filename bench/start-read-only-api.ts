import { Client } from '@temporalio/client';
import pino from 'pino';
import type { PrismaClient } from '../prisma/client';
import { startApiServer } from '../api/server';
import { TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { TEST_PEPPER } from '../test/support/parties';

/**
 * The real API server for benchmarks that only read and subscribe: its Temporal client is lazy
 * and never connects, since neither pages nor subscriptions start a workflow. The benchmark is one
 * key sending as fast as it is answered, far above the per-key rate limit by design.
 */
export function startReadOnlyApi(prisma: PrismaClient) {
  return startApiServer(
    {
      prisma,
      temporal: new Client(),
      taskQueue: 'bench',
      logger: pino({ level: 'silent' }),
      apiKeyPepper: TEST_PEPPER,
      graphiql: false,
      introspection: false,
      receivableSettings: { confirmationWindowMs: 7 * 86_400_000, reminderOffsetsMs: [] },
      financingSettings: TEST_FINANCING_WINDOWS,
    },
    { host: '127.0.0.1', port: 0, rateLimit: { perKey: 1_000_000_000, unauthenticatedPerAddress: 300, windowSeconds: 60 } },
  );
}
