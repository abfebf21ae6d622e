import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountingDateOf, addDays, cutOffInstant, CUT_OFF_SETTLE_MS, DEFAULT_CUT_OFF } from '../domain/accounting-day';
import { WrongStateError } from '../domain/errors';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { proposeAdjustment } from '../prisma/stores/ledger-adjustment-store';
import { closeAccountingDay, dateColumn } from '../prisma/stores/ledger/accounting-days';
import { findAccountByCode, openAccount, type LedgerAccountView } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { postBatch, postTransaction, reverseTransaction } from '../prisma/stores/ledger/postings';
import { startTestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { createActor } from '../test/support/parties';
import { testLogger } from '../test/support/logger';
import { startTimeSkipping } from '../test/support/time-skipping';
import { createTestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { PAYLOAD_CONVERTER_PATH } from './contracts/payload-converter-path';
import { CUT_OFF_SCHEDULE_ID } from './contracts/cut-off';
import { ledgerCutOffWorkflow } from './definitions';
import { ensureCutOffSchedule } from './worker/cut-off-schedule';

// The daily cut-off on the Temporal dev server with real PostgreSQL: days closed in order with
// their balances and trial balances, nothing recomputed on a second run, closed days refusing
// postings while money the bank reports late is booked into the open day, and the schedule the
// worker writes at start-up.

const SETTINGS = DEFAULT_CUT_OFF;
const HOUR = 3_600_000;

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be rejected');
}

describe('ledger cut-off', () => {
  let db: TestDatabase;
  let connection: Connection;
  let client: Client;
  let parties: FinancingParties;
  let funding: LedgerAccountView;

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

  it('closes three missed days oldest first, with balances and trial balances to the cent, and keeps closed days closed', async () => {
    const today = accountingDateOf(new Date(), SETTINGS);
    const [day1, day2, day3] = [addDays(today, -3), addDays(today, -2), addDays(today, -1)];
    const [cash, wallet] = [
      await openAccount(db.prisma, { code: 'cut-off:cash', name: 'Cash', type: 'ASSET', purpose: 'ESCROW_BANK', currency: 'CNY' }),
      await openAccount(db.prisma, { code: 'cut-off:wallet', name: 'Wallet', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY', debitsMustNotExceedCredits: true }),
    ];
    const move = (key: string, amount: string, effectiveAt: Date, from = cash.id, to = wallet.id, inOpenDay = false) =>
      postTransaction(db.prisma, { idempotencyKey: key, code: 'TEST', effectiveAt, inOpenDay, entries: [{ accountId: from, direction: 'DEBIT', amount, currency: 'CNY' }, { accountId: to, direction: 'CREDIT', amount, currency: 'CNY' }] });
    funding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    const first = await move('cut-off:1', '100.00', new Date(cutOffInstant(day1, SETTINGS).getTime() - HOUR));
    // A party's own account, for its day-end balances through the API.
    await move('cut-off:funder', '10.00', new Date(cutOffInstant(day1, SETTINGS).getTime() - 2 * HOUR), cash.id, funding.id);
    // Exactly at day 1's cut-off: day 2's.
    await move('cut-off:2', '20.05', cutOffInstant(day1, SETTINGS));
    await move('cut-off:3', '7.10', new Date(cutOffInstant(day3, SETTINGS).getTime() - 1));
    // As a workflow's step posts: in the open day should its own day have closed by then.
    const step = () => move('cut-off:3b', '0.01', new Date(cutOffInstant(day3, SETTINGS).getTime() - 2 * HOUR), wallet.id, cash.id, true);
    const stepPosted = await step();

    const { runUntil, taskQueue } = await createTestWorker(db.prisma);
    const workflowId = `ledger-cut-off-test-${Date.now()}`;
    const run = await runUntil(client.workflow.execute(ledgerCutOffWorkflow, { taskQueue, workflowId, args: [{ settings: SETTINGS }] }));
    await recordWorkflowHistory(client, workflowId, 'ledger-cut-off-three-missed-days');
    expect(run.closed.map((day) => [day.businessDate, day.replayed])).toEqual([
      [day1, false],
      [day2, false],
      [day3, false],
    ]);
    expect(run.closed.map((day) => day.trialBalances)).toEqual([
      [{ currency: 'CNY', book: 'MONEY', totalDebit: '110', totalCredit: '110', dayDebits: '110', dayCredits: '110', transactionCount: 2 }],
      [{ currency: 'CNY', book: 'MONEY', totalDebit: '130.05', totalCredit: '130.05', dayDebits: '20.05', dayCredits: '20.05', transactionCount: 1 }],
      [{ currency: 'CNY', book: 'MONEY', totalDebit: '137.14', totalCredit: '137.14', dayDebits: '7.11', dayCredits: '7.11', transactionCount: 2 }],
    ]);

    const days = await db.query<{ date: string; status: string; opens: Date | null; cut: Date; closed: Date | null }>(
      `SELECT "business_date"::text AS "date", "status"::text AS "status", "opens_at" AS "opens", "cut_off_at" AS "cut", "closed_at" AS "closed" FROM "accounting_day" ORDER BY "business_date"`,
    );
    expect(days.rows.map((row) => [row.date, row.status, row.opens?.toISOString() ?? null, row.cut.toISOString()])).toEqual([
      [day1, 'CLOSED', null, cutOffInstant(day1, SETTINGS).toISOString()],
      [day2, 'CLOSED', cutOffInstant(day1, SETTINGS).toISOString(), cutOffInstant(day2, SETTINGS).toISOString()],
      [day3, 'CLOSED', cutOffInstant(day2, SETTINGS).toISOString(), cutOffInstant(day3, SETTINGS).toISOString()],
      // Today has not reached its cut-off by the workflow's clock: open.
      [today, 'OPEN', cutOffInstant(day3, SETTINGS).toISOString(), cutOffInstant(today, SETTINGS).toISOString()],
    ]);
    // Oldest first.
    const closedAt = days.rows.slice(0, 3).map((row) => row.closed!.getTime());
    expect([...closedAt].sort((a, b) => a - b)).toEqual(closedAt);

    const balances = await db.query<{ date: string; account: string; posted: string; available: string }>(
      `SELECT "business_date"::text AS "date", "account_id"::text AS "account", "posted"::text AS "posted", "available"::text AS "available"
       FROM "accounting_day_balance" WHERE "account_id" = ANY($1::uuid[]) ORDER BY "business_date", "account_id" = $2::uuid`,
      [[cash.id, wallet.id], wallet.id],
    );
    expect(balances.rows.map((row) => [row.date, row.account === wallet.id ? 'wallet' : 'cash', row.posted, row.available])).toEqual([
      [day1, 'cash', '110.0000', '110.0000'],
      [day1, 'wallet', '100.0000', '100.0000'],
      [day2, 'cash', '130.0500', '130.0500'],
      [day2, 'wallet', '120.0500', '120.0500'],
      [day3, 'cash', '137.1400', '137.1400'],
      [day3, 'wallet', '127.1400', '127.1400'],
    ]);

    // Running the cut-off again closes nothing and changes nothing; closing a closed day answers what was stored.
    const snapshot = async () =>
      (await db.query(`SELECT d."business_date"::text, d."closed_at", (SELECT count(*) FROM "accounting_day_balance" b WHERE b."business_date" = d."business_date") AS "balances", t."total_debit"::text
                       FROM "accounting_day" d LEFT JOIN "accounting_day_trial_balance" t USING ("business_date") ORDER BY 1`)).rows;
    const before = await snapshot();
    const restarted = await createTestWorker(db.prisma, { taskQueue });
    const again = await restarted.runUntil(client.workflow.execute(ledgerCutOffWorkflow, { taskQueue, workflowId: `ledger-cut-off-test-again-${Date.now()}`, args: [{ settings: SETTINGS }] }));
    expect(again.closed).toEqual([]);
    const replay = await closeAccountingDay(db.prisma, { businessDate: day2, settings: SETTINGS, at: new Date(), closedBy: 'test' });
    expect(replay).toMatchObject({ businessDate: day2, replayed: true, closedAt: days.rows[1]!.closed });
    expect(replay.trialBalances.map((trial) => trial.totalDebit.toFixed(2))).toEqual(['130.05']);
    expect(await snapshot()).toEqual(before);
    // Today cannot be closed before its cut-off, nor a day out of order.
    await expect(closeAccountingDay(db.prisma, { businessDate: today, settings: SETTINGS, at: new Date(), closedBy: 'test' })).rejects.toThrow(/cannot be closed at/);
    const tomorrow = addDays(today, 1);
    await expect(closeAccountingDay(db.prisma, { businessDate: tomorrow, settings: SETTINGS, at: cutOffInstant(tomorrow, SETTINGS), closedBy: 'test' })).rejects.toThrow();

    // A posting back-dated into a closed day is refused by the database, naming the day.
    const refused = await rejectionOf(move('cut-off:late', '1.00', new Date(cutOffInstant(day2, SETTINGS).getTime() - HOUR)));
    expect(refused).toBeInstanceOf(WrongStateError);
    expect(refused).toMatchObject({ code: 'ACCOUNTING_DAY_CLOSED', currentState: 'CLOSED' });
    expect(refused.message).toContain(`accounting day ${day2} is closed`);
    // Even by SQL that bypasses the stores.
    await expect(
      db.query(`INSERT INTO "ledger_transaction" ("idempotency_key", "request_hash", "code", "effective_at") VALUES ('cut-off:raw', repeat('0', 64), 'TEST', $1::timestamptz)`, [new Date(cutOffInstant(day1, SETTINGS).getTime() - HOUR)]),
    ).rejects.toMatchObject({ code: 'LG015' });
    // A batch is held to the rule row by row, although the database checks it once per
    // statement: one posting in a closed day among open ones refuses the whole batch.
    const batchLeg = (key: string, effectiveAt: Date) => ({
      idempotencyKey: key,
      code: 'TEST',
      effectiveAt,
      entries: [{ accountId: cash.id, direction: 'DEBIT' as const, amount: '0.01', currency: 'CNY' }, { accountId: wallet.id, direction: 'CREDIT' as const, amount: '0.01', currency: 'CNY' }],
    });
    const batchRefused = await rejectionOf(postBatch(db.prisma, [batchLeg('cut-off:batch:open', new Date()), batchLeg('cut-off:batch:late', new Date(cutOffInstant(day2, SETTINGS).getTime() - HOUR))]));
    expect(batchRefused).toMatchObject({ code: 'ACCOUNTING_DAY_CLOSED', currentState: 'CLOSED' });
    expect(batchRefused.message).toContain(`accounting day ${day2} is closed`);
    expect((await db.query(`SELECT count(*)::int AS "n" FROM "ledger_transaction" WHERE "idempotency_key" LIKE 'cut-off:batch:%'`)).rows[0]).toEqual({ n: 0 });
    // The same step retried after its day closed is a replay of what it posted, not a conflict...
    expect(await step()).toMatchObject({ transactionId: stepPosted.transactionId, replayed: true, effectiveAt: stepPosted.effectiveAt });
    // ...and a step first run after its day closed is booked at the first open instant.
    const lateStep = await move('cut-off:late-step', '0.02', new Date(cutOffInstant(day3, SETTINGS).getTime() - HOUR), cash.id, wallet.id, true);
    expect(lateStep.effectiveAt.toISOString()).toBe(cutOffInstant(day3, SETTINGS).toISOString());
    // A closed day is corrected by a reversal dated in an open day.
    const reversal = await reverseTransaction(db.prisma, { transactionId: first.transactionId, idempotencyKey: 'cut-off:1:reversal', effectiveAt: new Date() });
    expect(reversal.replayed).toBe(false);
    // An adjustment dated in a closed day is refused when proposed.
    const maker = { userId: parties.admin.userId, partyId: parties.admin.partyId, partyRoles: ['PLATFORM' as const], userRoles: ['MAKER' as const] };
    const adjustment = await rejectionOf(
      proposeAdjustment(db.prisma, maker, {
        reason: 'late correction',
        effectiveAt: new Date(cutOffInstant(day3, SETTINGS).getTime() - HOUR),
        entries: [
          { accountId: cash.id, direction: 'DEBIT', amount: '1.00', currency: 'CNY' },
          { accountId: wallet.id, direction: 'CREDIT', amount: '1.00', currency: 'CNY' },
        ],
      }),
    );
    expect(adjustment).toMatchObject({ code: 'ACCOUNTING_DAY_CLOSED' });
    expect(adjustment.message).toContain(day3);

    // The bank reports a credit received on day 2, after day 2 closed: booked at the first open
    // instant (day 3's cut-off), the credit keeping the bank's receipt time.
    const receivedAt = new Date(cutOffInstant(day2, SETTINGS).getTime() - 3 * HOUR);
    const credit = await recordInboundCredit(db.prisma, {
      bankReference: 'CUT-OFF-LATE-1',
      virtualAccountNumber: funding.virtualAccountNumber!,
      amount: '500.00',
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'top-up',
      receivedAt,
    });
    expect(credit.replayed).toBe(false);
    const row = await db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: 'CUT-OFF-LATE-1' } });
    expect(row.receivedAt.toISOString()).toBe(receivedAt.toISOString());
    const booked = await db.prisma.ledgerTransaction.findMany({ where: { idempotencyKey: { startsWith: 'inbound:CUT-OFF-LATE-1:' } }, orderBy: { idempotencyKey: 'asc' } });
    expect(booked.map((transaction) => [transaction.idempotencyKey, transaction.effectiveAt.toISOString()])).toEqual([
      ['inbound:CUT-OFF-LATE-1:match', cutOffInstant(day3, SETTINGS).toISOString()],
      ['inbound:CUT-OFF-LATE-1:receipt', cutOffInstant(day3, SETTINGS).toISOString()],
    ]);
    expect(accountingDateOf(booked[0]!.effectiveAt, SETTINGS)).toBe(today);
    // Day 2's stored figures did not move.
    expect((await db.prisma.accountingDayTrialBalance.findFirstOrThrow({ where: { businessDate: dateColumn(day2) } })).totalDebit.toFixed(2)).toBe('130.05');
  });

  it('answers operators with the days and their trial balances, and a party with its own account’s day-end balances only', async () => {
    const today = accountingDateOf(new Date(), SETTINGS);
    const day2 = addDays(today, -2);
    const api = await startTestApi(db.prisma);
    try {
      const days = await api.request<{ accountingDays: { edges: Array<{ node: { date: string; status: string; cutOffAt: string } }> }; accountingDay: { status: string; trialBalances: unknown[] } }>(
        parties.admin.token,
        `query ($date: Date!) {
          accountingDays(first: 2) { edges { node { date status cutOffAt } } }
          accountingDay(date: $date) { status trialBalances { currency book totalDebit { amount } totalCredit { amount } dayDebits { amount } transactionCount balanced } }
        }`,
        { date: day2 },
      );
      expect(days.errors).toBeUndefined();
      expect(days.data?.accountingDays.edges.map(({ node }) => [node.date, node.status, node.cutOffAt])).toEqual([
        [today, 'OPEN', cutOffInstant(today, SETTINGS).toISOString()],
        [addDays(today, -1), 'CLOSED', cutOffInstant(addDays(today, -1), SETTINGS).toISOString()],
      ]);
      expect(days.data?.accountingDay).toEqual({
        status: 'CLOSED',
        trialBalances: [{ currency: 'CNY', book: 'MONEY', totalDebit: { amount: '130.05' }, totalCredit: { amount: '130.05' }, dayDebits: { amount: '20.05' }, transactionCount: 1, balanced: true }],
      });

      const query = `query ($id: ID!) { account(id: $id) { dayEndBalances(first: 5) { edges { node { date posted { amount currency } available { amount } } } } } }`;
      const own = await api.request<{ account: { dayEndBalances: { edges: Array<{ node: { date: string; posted: { amount: string } } }> } } | null }>(parties.funder.token, query, { id: globalId('LedgerAccount', funding.id) });
      expect(own.errors).toBeUndefined();
      expect(own.data?.account?.dayEndBalances.edges.map(({ node }) => [node.date, node.posted.amount])).toEqual([
        [addDays(today, -1), '10.00'],
        [day2, '10.00'],
        [addDays(today, -3), '10.00'],
      ]);
      const other = await api.request<{ account: unknown }>(parties.core.token, query, { id: globalId('LedgerAccount', funding.id) });
      expect(other.errors).toBeUndefined();
      expect(other.data?.account).toBeNull();
      // A manual adjustment into a closed day is answered with the typed error, not masked.
      const maker = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['MAKER'] });
      const cash = (await findAccountByCode(db.prisma, 'cut-off:cash'))!;
      const proposal = await api.request<{ proposeLedgerAdjustment: { __typename: string; code?: string; currentState?: string; message?: string } }>(
        maker.token,
        `mutation ($input: ProposeLedgerAdjustmentInput!) { proposeLedgerAdjustment(input: $input) { __typename ... on WrongStateError { code currentState message } } }`,
        {
          input: {
            reason: 'late correction',
            effectiveAt: new Date(cutOffInstant(day2, SETTINGS).getTime() - HOUR).toISOString(),
            entries: [
              { accountId: globalId('LedgerAccount', funding.id), direction: 'DEBIT', amount: '1.00', currency: 'CNY' },
              { accountId: globalId('LedgerAccount', cash.id), direction: 'CREDIT', amount: '1.00', currency: 'CNY' },
            ],
          },
        },
      );
      expect(proposal.data?.proposeLedgerAdjustment).toMatchObject({ __typename: 'WrongStateError', code: 'ACCOUNTING_DAY_CLOSED', currentState: 'CLOSED' });
      expect(proposal.data?.proposeLedgerAdjustment.message).toContain(day2);
      const refused = await api.request(parties.funder.token, '{ accountingDays(first: 1) { edges { node { date } } } }');
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await api.close();
    }
  });

  it('waits a settling minute after the cut-off on the workflow clock before it closes the day just ended', { timeout: 120_000 }, async () => {
    const fresh = await createTestDatabase();
    const env = await startTimeSkipping();
    try {
      const { runUntil, taskQueue } = await createTestWorker(fresh.prisma, { connection: env.nativeConnection, namespace: env.namespace });
      // A cut-off at the start of the current minute (UTC): it has just passed, by both clocks.
      const now = await env.currentTimeMs();
      const cutOff = new Date(now - (now % 60_000));
      const minutes = (cutOff.getUTCHours() * 60 + cutOff.getUTCMinutes()) || 1440;
      const settings = { zone: 'UTC', time: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}` };
      const day = accountingDateOf(new Date(cutOff.getTime() - 1), settings);
      expect(cutOffInstant(day, settings).toISOString()).toBe(cutOff.toISOString());
      const [from, to] = [
        await openAccount(fresh.prisma, { code: 'timer:from', name: 'From', type: 'ASSET', purpose: 'ESCROW_BANK', currency: 'CNY' }),
        await openAccount(fresh.prisma, { code: 'timer:to', name: 'To', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' }),
      ];
      const move = (key: string, amount: string, effectiveAt: Date) =>
        postTransaction(fresh.prisma, { idempotencyKey: key, code: 'TEST', effectiveAt, entries: [{ accountId: from.id, direction: 'DEBIT', amount, currency: 'CNY' }, { accountId: to.id, direction: 'CREDIT', amount, currency: 'CNY' }] });
      await move('timer:before', '0.99', new Date(cutOff.getTime() - 1));
      await move('timer:at', '5.00', cutOff);

      const workflowId = `ledger-cut-off-timer-${now}`;
      const result = await runUntil(async () => {
        const handle = await env.client.workflow.start(ledgerCutOffWorkflow, { taskQueue, workflowId, args: [{ settings }] });
        // Asleep on its timer (time skips only while a result is awaited): nothing is closed yet.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect((await fresh.query('SELECT count(*)::int AS "count" FROM "accounting_day"')).rows[0]).toEqual({ count: 0 });
        return handle.result();
      });
      expect(result.closed.map((closed) => [closed.businessDate, closed.cutOffAt.toISOString(), closed.trialBalances.map((trial) => [trial.totalDebit, trial.dayDebits])])).toEqual([
        [day, cutOff.toISOString(), [['0.99', '0.99']]],
      ]);
      // It slept to the settling minute after the cut-off, on one durable timer.
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const timers = history.events?.filter((event) => event.timerStartedEventAttributes) ?? [];
      expect(timers).toHaveLength(1);
      const ms = (value: { seconds?: { toString(): string } | null; nanos?: number | null } | null | undefined) => Number(value?.seconds?.toString() ?? 0) * 1000 + (value?.nanos ?? 0) / 1e6;
      const firesAt = ms(timers[0]!.eventTime) + ms(timers[0]!.timerStartedEventAttributes!.startToFireTimeout);
      expect(Math.abs(firesAt - (cutOff.getTime() + CUT_OFF_SETTLE_MS))).toBeLessThan(1_000);
      await recordWorkflowHistory(env.client, workflowId, 'ledger-cut-off-settling-minute');
    } finally {
      await env.teardown();
      await fresh.drop();
    }
  });

  it('writes one cut-off schedule at start-up, however many times a worker starts', async () => {
    try {
      const first = await ensureCutOffSchedule(client, { settings: SETTINGS, taskQueue: 'scf-cut-off-test' }, testLogger);
      const second = await ensureCutOffSchedule(client, { settings: { zone: 'Asia/Shanghai', time: '22:30' }, taskQueue: 'scf-cut-off-test' }, testLogger);
      expect([first.created, second.created]).toEqual([true, false]);
      const description = await client.schedule.getHandle(CUT_OFF_SCHEDULE_ID).describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'ledgerCutOffWorkflow', taskQueue: 'scf-cut-off-test' });
      expect(description.action.type === 'startWorkflow' && description.action.args).toEqual([{ settings: { zone: 'Asia/Shanghai', time: '22:30' } }]);
      expect(description.spec.timezone).toBe('Asia/Shanghai');
      expect(description.spec.calendars?.map((calendar) => [calendar.hour, calendar.minute])).toEqual([[[{ start: 22, end: 22, step: 1 }], [{ start: 30, end: 30, step: 1 }]]]);
      const ids: string[] = [];
      for await (const schedule of client.schedule.list()) if (schedule.scheduleId === CUT_OFF_SCHEDULE_ID) ids.push(schedule.scheduleId);
      expect(ids.length).toBeLessThanOrEqual(1);
    } finally {
      await client.schedule
        .getHandle(CUT_OFF_SCHEDULE_ID)
        .delete()
        .catch(() => undefined);
    }
  });
});
