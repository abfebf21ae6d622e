import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '../prisma/client';
import { generateApiKeyToken } from '../prisma/stores/api-key-token';
import { freePort } from '../scripts/lib/free-port';
import { killProcess, startTemporalServer } from '../test/chaos/chaos-processes';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';
import { registrationInput } from '../test/support/receivables';
import { createTemporalClient } from '../workflows/client/temporal-client';
import { SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS } from './dependency-unavailable';

// While PostgreSQL or the Temporal server cannot be reached the API answers at once with the
// typed SERVICE_UNAVAILABLE (503, Retry-After): never a hang on Temporal's own retries, never
// a 401 that tells a client with a good key to throw it away, never INTERNAL_SERVER_ERROR.

/** How long an answer may take while Temporal is down (the client's attempts take about 2 s). */
const TEMPORAL_DOWN_ANSWER_MS_MAX = 8_000;

const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Receivable { id } ... on Error { code } } }`;

describe('the API while a dependency is down', () => {
  it('answers SERVICE_UNAVAILABLE with Retry-After, not UNAUTHENTICATED, when PostgreSQL cannot be reached', async () => {
    // Nothing listens on this port: every lookup of the key fails to connect.
    const unreachable = createPrismaClient({ databaseUrl: `postgresql://scf:scf@127.0.0.1:${await freePort()}/scf`, poolMax: 1 });
    const api = await startTestApi(unreachable);
    try {
      // A well-formed token, so that the gate has to look it up.
      const answer = await api.request(generateApiKeyToken().token, '{ viewer { id } }');
      expect(answer.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe(String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS));
      expect(answer.headers.get('www-authenticate')).toBeNull();
    } finally {
      await api.close();
      await unreachable.$disconnect();
    }
  });

  describe('when the Temporal server stops', () => {
    let db: TestDatabase;
    let baseDir: string;
    let temporal: ChildProcess;
    let api: TestApi;
    let supplier: TestActor;
    let core: TestActor;

    beforeAll(async () => {
      db = await createTestDatabase();
      baseDir = await mkdtemp(join(tmpdir(), 'scf-temporal-down-'));
      // A Temporal server of this test's own, since stopping the shared one would fail the others.
      const port = await freePort();
      temporal = await startTemporalServer(port, join(baseDir, 'temporal.db'));
      api = await startTestApi(db.prisma, { temporalClient: await createTemporalClient({ address: `127.0.0.1:${port}`, namespace: 'default' }) });
      supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
      core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
    }, 120_000);

    afterAll(async () => {
      await api?.close();
      if (temporal) await killProcess(temporal);
      await db?.drop();
      if (baseDir) await rm(baseDir, { recursive: true, force: true });
    });

    it('answers a registration SERVICE_UNAVAILABLE within seconds instead of hanging', async () => {
      await killProcess(temporal);
      const started = performance.now();
      const answer = await api.request(supplier.token, REGISTER, { input: registrationInput(core.creditCode, { idempotencyKey: 'temporal-down' }) });
      const ms = performance.now() - started;
      expect(answer.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe(String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS));
      expect(ms).toBeLessThan(TEMPORAL_DOWN_ANSWER_MS_MAX);
    }, 60_000);
  });
});
