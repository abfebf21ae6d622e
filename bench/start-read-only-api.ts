import { Client } from '@temporalio/client';
import pino from 'pino';
import type { PrismaClient } from '../prisma/client';
import { startApiServer } from '../api/server';
import { HEAVY_QUERY_DEFAULTS } from '../api/heavy-queries';
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
      // As deployed, or with API_HEAVY_QUERIES_AT_ONCE's turns (e.g. 64: every page at once, to compare).
      heavyQueries: process.env.API_HEAVY_QUERIES_AT_ONCE ? { ...HEAVY_QUERY_DEFAULTS, atOnce: Number(process.env.API_HEAVY_QUERIES_AT_ONCE) } : HEAVY_QUERY_DEFAULTS,
    },
    { host: '127.0.0.1', port: 0, rateLimit: { perKey: 1_000_000_000, unauthenticatedPerAddress: 300, windowSeconds: 60 } },
  );
}
