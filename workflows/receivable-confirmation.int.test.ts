import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTimeSkipping } from '../test/support/time-skipping';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';
import { registerDirectly } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { confirmReceivableUpdate, receivableStateQuery, type ReceivableWorkflowInput } from './contracts/receivable';
import { workflowIds } from './contracts/workflow-ids';
import { receivableConfirmationWorkflow } from './definitions';

// The confirmation workflow on the time-skipping server: days of reminders and the deadline
// pass in seconds, with the real activities writing to PostgreSQL.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('receivable confirmation workflow (time skipping)', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let client: TestWorkflowEnvironment['client'];
  let supplier: TestActor;
  let core: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    // env.client (not a plain Client) lets time skip while a test awaits a workflow's result.
    env = await startTimeSkipping();
    client = env.client;
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], legalName: '广州云海智能制造集团股份有限公司' });
  });

  afterAll(async () => {
    await env?.teardown();
    await db?.drop();
  });

  // A worker runs once (runUntil shuts it down), so each test gets its own, on its own queue.
  async function start(): Promise<{ receivable: Awaited<ReturnType<typeof registerDirectly>>; handle: Awaited<ReturnType<typeof client.workflow.start>>; testWorker: TestWorker }> {
    const testWorker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace });
    const now = new Date(await env.currentTimeMs());
    const receivable = await registerDirectly(db.prisma, supplier, core.creditCode, now, 7 * DAY_MS);
    const input: ReceivableWorkflowInput = {
      receivableId: receivable.id,
      registrationNumber: receivable.registrationNumber,
      registeredAt: receivable.registeredAt,
      confirmationDeadline: receivable.confirmationDeadline,
      reminderOffsetsMs: [1, 3, 6].map((days) => days * DAY_MS),
    };
    const handle = await client.workflow.start(receivableConfirmationWorkflow, { taskQueue: testWorker.taskQueue, workflowId: workflowIds.receivable(receivable.id), args: [input] });
    return { receivable, handle, testWorker };
  }

  const kinds = async (receivableId: string) =>
    (await db.prisma.notification.findMany({ where: { receivableId }, orderBy: { createdAt: 'asc' } })).map((notification) => notification.kind);

  it('asks, reminds on days 1, 3 and 6, and expires the receivable at the 7-day deadline', async () => {
    const { receivable, handle, testWorker } = await start();
    await testWorker.runUntil(async () => {
      await env.sleep(DAY_MS / 2);
      expect(await kinds(receivable.id)).toEqual(['CONFIRMATION_REQUESTED']);
      await env.sleep(DAY_MS);
      expect(await kinds(receivable.id)).toEqual(['CONFIRMATION_REQUESTED', 'CONFIRMATION_REMINDER']);
      await env.sleep(2 * DAY_MS);
      expect((await kinds(receivable.id)).filter((kind) => kind === 'CONFIRMATION_REMINDER')).toHaveLength(2);
      expect(await handle.query(receivableStateQuery)).toEqual({ status: 'REGISTERED', confirmedAmount: null });
      const result = await handle.result();
      expect(result.status).toBe('EXPIRED');
      await recordWorkflowHistory(client, handle.workflowId, 'receivable-expired-after-reminders');
    });
    expect(await kinds(receivable.id)).toEqual([
      'CONFIRMATION_REQUESTED',
      'CONFIRMATION_REMINDER',
      'CONFIRMATION_REMINDER',
      'CONFIRMATION_REMINDER',
      'RECEIVABLE_EXPIRED',
      'RECEIVABLE_EXPIRED',
    ]);
    const stored = await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id }, include: { transitions: { orderBy: { id: 'asc' } }, registryEntries: true, documents: true } });
    expect(stored.status).toBe('EXPIRED');
    expect(stored.transitions.map((row) => [row.fromStatus, row.toStatus, row.actorUserId])).toEqual([
      [null, 'REGISTERED', supplier.userId],
      ['REGISTERED', 'EXPIRED', null],
    ]);
    expect(stored.registryEntries.every((entry) => entry.releasedAt !== null)).toBe(true);
    expect(stored.documents.map((document) => document.kind)).toEqual(['REGISTRATION_CERTIFICATE']);
    // The workflow's own clock says the deadline passed; the history shows the 7-day wait.
    const history = await handle.fetchHistory();
    const timers = history.events?.filter((event) => event.timerStartedEventAttributes).map((event) => Number(event.timerStartedEventAttributes?.startToFireTimeout?.seconds)) ?? [];
    expect(timers.reduce((sum, seconds) => sum + seconds, 0)).toBeGreaterThanOrEqual(7 * 24 * 3600 - 120);
  });

  it('stops reminding once confirmed, writes the confirmation letter, and refuses a second confirmation', async () => {
    const { receivable, handle, testWorker } = await start();
    await testWorker.runUntil(async () => {
      await env.sleep(2 * DAY_MS);
      const state = await handle.executeUpdate(confirmReceivableUpdate, { args: [{ actor: { userId: core.userId, partyId: core.partyId }, confirmedAmount: '950000.00' }], updateId: 'confirm-1' });
      expect(state).toEqual({ status: 'CONFIRMED', confirmedAmount: '950000.00' });
      await expect(
        handle.executeUpdate(confirmReceivableUpdate, { args: [{ actor: { userId: core.userId, partyId: core.partyId } }], updateId: 'confirm-2' }),
      ).rejects.toThrow(/Update failed|cannot confirm/);
      expect((await handle.result()).status).toBe('CONFIRMED');
      await recordWorkflowHistory(client, handle.workflowId, 'receivable-confirmed-after-a-reminder');
    });
    expect(await kinds(receivable.id)).toEqual(['CONFIRMATION_REQUESTED', 'CONFIRMATION_REMINDER', 'RECEIVABLE_CONFIRMED']);
    const stored = await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id }, include: { documents: { orderBy: { createdAt: 'asc' } }, registryEntries: true, transitions: { orderBy: { id: 'asc' } } } });
    expect(stored.confirmedAmount?.toString()).toBe('950000');
    expect(stored.documents.map((document) => document.kind)).toEqual(['REGISTRATION_CERTIFICATE', 'CONFIRMATION_LETTER']);
    expect(stored.registryEntries.every((entry) => entry.releasedAt === null)).toBe(true);
    expect(stored.transitions.at(-1)?.reason).toMatch(/dilution/);
  });

  it('refuses a confirmation from a party that is not the obligor, and changes nothing', async () => {
    const { receivable, handle, testWorker } = await start();
    await testWorker.runUntil(async () => {
      await expect(
        handle.executeUpdate(confirmReceivableUpdate, { args: [{ actor: { userId: supplier.userId, partyId: supplier.partyId } }], updateId: 'confirm-by-supplier' }),
      ).rejects.toThrow();
      expect(await handle.query(receivableStateQuery)).toEqual({ status: 'REGISTERED', confirmedAmount: null });
      await handle.terminate('test over');
    });
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('REGISTERED');
  });
});
