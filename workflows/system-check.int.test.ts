import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { temporalExecutable } from '../scripts/lib/temporal-tools';
import { startTestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor } from '../test/support/parties';
import { createTestWorker } from '../test/support/worker';
import { PAYLOAD_CONVERTER_PATH } from './contracts/payload-converter-path';
import type { SystemCheckResult } from './contracts/system-check';
import { workflowIds } from './contracts/workflow-ids';
import { systemCheckWorkflow } from './definitions';

// A real workflow with a real activity through a real Temporal server, end to end.

describe('system check workflow', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('runs on the Temporal dev server: workflow → activity → PostgreSQL, with dates intact', async () => {
    const { runUntil, taskQueue } = await createTestWorker(db.prisma);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection, dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } });
    try {
      const workflowId = workflowIds.systemCheck(`test-${Date.now()}`);
      const result = await runUntil(client.workflow.execute(systemCheckWorkflow, { taskQueue, workflowId }));
      expect(result.workflowId).toBe(workflowId);
      expect(result.database.serverVersion).toMatch(/^17\./);
      const { rows } = await db.query<{ count: string; latest: string }>('SELECT count(*) AS count, max(migration_name) AS latest FROM "_prisma_migrations"');
      expect(result.database.appliedMigrations).toBe(Number(rows[0]?.count));
      expect(result.database.latestMigration).toBe(rows[0]?.latest);
      // The payload converter revived these as Dates on the way back from the server.
      expect(result.completedAt).toBeInstanceOf(Date);
      expect(result.database.checkedAt).toBeInstanceOf(Date);
      expect(result.completedAt.getTime()).toBeGreaterThanOrEqual(result.database.checkedAt.getTime() - 1000);

      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const activities = history.events?.filter((event) => event.activityTaskScheduledEventAttributes) ?? [];
      expect(activities.map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual(['checkDatabase']);
    } finally {
      await connection.close();
    }
  });

  it('runs through the API for operators: GraphQL → Temporal → worker → PostgreSQL', async () => {
    const api = await startTestApi(db.prisma);
    const { runUntil } = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    try {
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['VIEWER'] });
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
      const mutation = 'mutation { runSystemCheck { __typename ... on SystemCheck { workflowId databaseVersion latestMigration completedAt } ... on Error { code } } }';
      const response = await runUntil(api.request<{ runSystemCheck: { __typename: string; workflowId: string; databaseVersion: string } }>(operator.token, mutation));
      expect(response.data?.runSystemCheck.__typename).toBe('SystemCheck');
      expect(response.data?.runSystemCheck.workflowId).toMatch(/^system-check:/);
      const refused = await api.request<{ runSystemCheck: { __typename: string } }>(supplier.token, mutation);
      expect(refused.data?.runSystemCheck.__typename).toBe('ForbiddenError');
    } finally {
      await api.close();
    }
  });

  it('runs on the time-skipping test server used for timer tests', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: temporalExecutable('testServer') },
      client: { dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } },
    });
    try {
      const { runUntil, taskQueue } = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace });
      const result: SystemCheckResult = await runUntil(env.client.workflow.execute(systemCheckWorkflow, { taskQueue, workflowId: workflowIds.systemCheck('time-skipping') }));
      expect(result.database.appliedMigrations).toBeGreaterThan(0);
      // Time skipping: a day of server time passes instantly.
      const before = await env.currentTimeMs();
      await env.sleep('1 day');
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
    } finally {
      await env.teardown();
    }
  });
});
