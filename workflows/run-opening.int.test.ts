import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_RECEIVABLE_SETTINGS } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { createTestWorker } from '../test/support/worker';
import { registerReceivableWithStart, sendReceivableUpdate } from './client/receivable-client';
import { PAYLOAD_CONVERTER_PATH } from './contracts/payload-converter-path';
import { confirmReceivableUpdate } from './contracts/receivable';
import { workflowIds } from './contracts/workflow-ids';

// A client whose registration timed out is answered from the database on its retry and sends
// the core enterprise's confirmation at once, while the run has not yet processed its
// registration (its worker was down): the registration's result and the confirmation reach the
// run in one activation, the confirmation first. It must wait for the registration and be
// applied, not be rejected for want of a handler (which the API answered as an unexpected error).

describe('a decision that reaches a run before its first Update has finished', () => {
  let db: TestDatabase;
  let client: Client;
  let connection: Connection;
  let supplier: TestActor;
  let core: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, namespace: 'default', dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['CHECKER'] });
  });

  afterAll(async () => {
    await connection?.close();
    await db?.drop();
  });

  it('confirms the receivable once its registration is done', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const receivableId = randomUUID();
    const input = registrationInput(core.creditCode, { idempotencyKey: 'opening' });
    // No worker polls the task queue yet: both Updates wait for the run's first task.
    const registering = registerReceivableWithStart(client, { taskQueue, receivableId, settings: TEST_RECEIVABLE_SETTINGS, args: { actor: await actorOf(db.prisma, supplier), input }, updateId: 'register-1' });
    registering.catch(() => undefined);
    for (let attempt = 0; ; attempt += 1) {
      try {
        await client.workflow.getHandle(workflowIds.receivable(receivableId)).describe();
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((resume) => setTimeout(resume, 100));
      }
    }
    const confirming = sendReceivableUpdate(client, receivableId, confirmReceivableUpdate, { actor: { userId: core.userId, partyId: core.partyId } }, 'confirm-1');
    confirming.catch(() => undefined);
    await new Promise((resume) => setTimeout(resume, 1_000));
    const worker = await createTestWorker(db.prisma, { taskQueue });
    await worker.runUntil(async () => {
      expect(await registering).toMatchObject({ receivableId, status: 'REGISTERED' });
      expect(await confirming).toMatchObject({ status: 'CONFIRMED' });
    });
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } })).status).toBe('CONFIRMED');
  }, 60_000);
});
