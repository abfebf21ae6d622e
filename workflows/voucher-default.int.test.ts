import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../domain/business-date';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { createTestWorker } from '../test/support/worker';
import { createVoucherFixture } from '../test/support/voucher-fixture';
import { PAYLOAD_CONVERTER_PATH } from './contracts/payload-converter-path';
import { VOUCHER_DEFAULT_SCHEDULE_ID } from './contracts/voucher-default';
import { recordVoucherDefaultsWorkflow } from './definitions';
import { ensureVoucherDefaultSchedule } from './worker/voucher-default-schedule';

// The daily default scan on the Temporal dev server with real PostgreSQL: a run records the
// vouchers whose due date ended short as DEFAULTED dated their due dates (whatever day the run
// is as of), leaves alone those paid in time by value date and those not yet past due, records
// nothing twice; and the schedule the worker writes at start-up.

const HOUR = 60 * 60 * 1000;

describe('the voucher default scan', () => {
  let db: TestDatabase;
  let connection: Connection;
  let client: Client;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } });
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await connection?.close();
    await db?.drop();
  });

  async function voucherDue(dueDate: string, name: string) {
    const holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: name });
    await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
    const fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate, root: { key: 'H', holderPartyId: holder.partyId, received: '250000.00' } });
    return { fixture, holder };
  }

  it('records each voucher unpaid by the end of its due date, dated that day, and nothing twice', { timeout: 120_000 }, async () => {
    const today = businessDateOf(new Date());
    const unpaid = await voucherDue(addDays(today, -1), '佛山逾期甲有限公司');
    const longUnpaid = await voucherDue(addDays(today, -9), '佛山逾期乙有限公司');
    const paidInTime = await voucherDue(addDays(today, -2), '佛山按期丙有限公司');
    const dueToday = await voucherDue(today, '佛山今日丁有限公司');
    // Paid in full on its due date; its distribution has not run: it is not in default.
    await recordInboundCredit(db.prisma, {
      bankReference: `VCH-IN-TIME-${paidInTime.fixture.voucherId}`,
      virtualAccountNumber: paidInTime.fixture.collectionVan,
      amount: '250000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: '凭证到期兑付',
      receivedAt: new Date(startOfBusinessDate(addDays(today, -2)).getTime() + 16 * HOUR),
    });

    // The schedule's run, as of its own clock.
    const worker = await createTestWorker(db.prisma);
    const run = await worker.runUntil(client.workflow.execute(recordVoucherDefaultsWorkflow, { taskQueue: worker.taskQueue, workflowId: `voucher-defaults-test-${Date.now()}`, args: [{}] }));
    expect(run).toMatchObject({ today, looked: 3, defaulted: 2, notified: 4 });
    const states = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.entries({ unpaid, longUnpaid, paidInTime, dueToday }).map(async ([key, { fixture }]) => {
            const voucher = await db.prisma.voucher.findUniqueOrThrow({ where: { id: fixture.voucherId } });
            return [key, [voucher.status, voucher.defaultedOn?.toISOString().slice(0, 10) ?? null]];
          }),
        ),
      );
    expect(await states()).toEqual({
      unpaid: ['DEFAULTED', addDays(today, -1)],
      longUnpaid: ['DEFAULTED', addDays(today, -9)],
      paidInTime: ['ACTIVE', null],
      dueToday: ['ACTIVE', null],
    });
    const told = await db.prisma.notification.findMany({ where: { kind: 'VOUCHER_DEFAULTED' }, select: { partyId: true } });
    expect(told.map((notice) => notice.partyId).sort()).toEqual([unpaid.holder.partyId, longUnpaid.holder.partyId, parties.core.partyId, parties.core.partyId].sort());

    // A run a week late (as of today + 7): the voucher due today joins, the dates stay, nobody is told twice.
    const again = await createTestWorker(db.prisma);
    const late = await again.runUntil(client.workflow.execute(recordVoucherDefaultsWorkflow, { taskQueue: again.taskQueue, workflowId: `voucher-defaults-test-late-${Date.now()}`, args: [{ today: addDays(today, 7) }] }));
    expect(late).toMatchObject({ looked: 2, defaulted: 1, notified: 2 });
    expect(await states()).toEqual({
      unpaid: ['DEFAULTED', addDays(today, -1)],
      longUnpaid: ['DEFAULTED', addDays(today, -9)],
      paidInTime: ['ACTIVE', null],
      dueToday: ['DEFAULTED', today],
    });
  });

  it('writes one default schedule at start-up, however many times a worker starts', async () => {
    try {
      const first = await ensureVoucherDefaultSchedule(client, { taskQueue: 'scf-voucher-default-test' }, testLogger);
      const second = await ensureVoucherDefaultSchedule(client, { taskQueue: 'scf-voucher-default-test-2' }, testLogger);
      expect([first.created, second.created]).toEqual([true, false]);
      const description = await client.schedule.getHandle(VOUCHER_DEFAULT_SCHEDULE_ID).describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'recordVoucherDefaultsWorkflow', taskQueue: 'scf-voucher-default-test-2' });
      // Once a day at 01:00 business time (UTC+08:00), which is 17:00 UTC.
      const next = description.info.nextActionTimes[0]!;
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([17, 0]);
      expect(description.info.nextActionTimes[1]!.getTime() - next.getTime()).toBe(24 * HOUR);
    } finally {
      await client.schedule
        .getHandle(VOUCHER_DEFAULT_SCHEDULE_ID)
        .delete()
        .catch(() => undefined);
    }
  });
});
