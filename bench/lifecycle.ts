import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import { DEVELOPMENT_PEPPER } from '../api/config';
import { API_NODE_FLAGS } from '../api/node-flags';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { createPrismaClient } from '../prisma/client';
import { migrate } from '../prisma/migrate';
import { seedDevelopmentData, type SeededToken } from '../prisma/seed';
import { ensurePlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { freePort } from '../scripts/lib/free-port';
import { temporalExecutable } from '../scripts/lib/temporal-tools';
import { stopWhenInterrupted } from './interrupt';
import { globalId, rowId } from '../test/support/global-ids';
import { runSystemCheckWorkflow } from '../workflows/client/system-check-client';
import { workflowIds } from '../workflows/contracts/workflow-ids';
import { idleActivities } from './lifecycle-baseline-activities';
import { idleLifecycleWorkflow, idleStepSignal, idleStepUpdate, type IdleShape } from './lifecycle-baseline-workflows';
import type { ServiceUsage } from './lifecycle-service-process';
import type { BenchResult } from './ledger';
import { percentile, round2 } from './measure';

// lifecycle.throughput (docs/performance.md): complete financings per second, each driven over
// HTTP through the GraphQL API by the parties that act on it in the README's walk-through
// (supplier, core enterprise, funder maker and checker), with the bank simulator answering
// (the bench plays the payers: the funder's top-up and the core enterprise's repayment arrive
// at the simulated bank, and the worker's poller books them). The service runs as deployed: the
// API and the worker are two processes (api/main.ts and workflows/worker/main.ts) on a Temporal
// dev server and the bench's PostgreSQL. The baseline, in the same run on the same Temporal
// server: workflows of the same shape (the activities, Updates and Signals counted from the
// real workflows' histories in this run) that do nothing.

const DEFAULT_FINANCINGS = 200;
const IN_FLIGHT = 10;
const WARM_UP_FINANCINGS = 5;
/** How often a party asks whether its financing has moved on; the latencies are this coarse. */
const STATUS_POLL_MS = 200;
/** The worker's poll of the bank's inbound credits (the deployed default is 2,000 ms). */
const BANK_POLL_INTERVAL_MS = 500;
/** The worker's memory is sampled after each this many completed financings. */
const RSS_SAMPLE_EVERY = 50;
/**
 * The baseline's pairs at most: its rate is steady long before a long memory run's count
 * (BENCH_LIFECYCLE_FINANCINGS=10000), which would otherwise double that run's hours.
 */
const BASELINE_PAIRS_MAX = 500;
const FINANCING_STEP_TIMEOUT_MS = 120_000;
const TASK_QUEUE = 'scf-bench';
const BASELINE_TASK_QUEUE = 'scf-bench-baseline';
const DATABASE = 'scf_bench_lifecycle';
const FACE_AMOUNT = '100000.00';
const FINANCED_AMOUNT = '80000.00';

const FIELDS = '__typename ... on Error { code message }';

interface Party {
  token: string;
}

interface Parties {
  supplier: Party;
  core: Party;
  funderMaker: Party;
  funderChecker: Party;
  obligorCreditCode: string;
  programId: string;
}

interface FinancingTimes {
  financingId: string;
  receivableId: string;
  appliedAt: number;
  disbursedAt: number;
  repaidAt: number;
  settledAt: number;
}

interface ServiceProcess {
  child: ChildProcess;
  usage(): Promise<ServiceUsage>;
}

function financingsToRun(): number {
  const raw = process.env.BENCH_LIFECYCLE_FINANCINGS;
  if (raw === undefined || raw === '') return DEFAULT_FINANCINGS;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < IN_FLIGHT) throw new Error(`BENCH_LIFECYCLE_FINANCINGS must be a whole number of at least ${IN_FLIGHT}, got ${raw}`);
  return count;
}

async function lifecycleDatabase(url: string): Promise<string> {
  // A database of its own: the other suites' parties and programs would share the seeded names.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  const parsed = new URL(url);
  parsed.pathname = `/${DATABASE}`;
  return parsed.toString();
}

function startServiceProcess(role: 'api' | 'worker', env: Record<string, string>): ServiceProcess {
  const profile = process.env.BENCH_LIFECYCLE_CPU_PROF;
  const child = fork(new URL('./lifecycle-service-process.ts', import.meta.url).pathname, [role], {
    execArgv: [...(role === 'api' ? API_NODE_FLAGS : []), '--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${role}.cpuprofile`] : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending: Array<(usage: ServiceUsage) => void> = [];
  child.on('message', (message) => {
    const waiting = pending;
    pending = [];
    for (const resolve of waiting) resolve(message as ServiceUsage);
  });
  return {
    child,
    usage: () =>
      new Promise<ServiceUsage>((resolve, reject) => {
        if (!child.connected) return reject(new Error(`the ${role} process is gone`));
        pending.push(resolve);
        child.send('usage');
      }),
  };
}

async function stopServiceProcess(service: ServiceProcess): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // Told first, so that the channel's closing reads as the benchmark stopping it, not as the benchmark gone.
  if (child.connected) await new Promise<void>((sent) => child.send('stop', () => (child.connected && child.disconnect(), sent())));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function graphql(apiUrl: string) {
  return async <T>(party: Party, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(apiUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${party.token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
    if (!response.ok || body.errors || !body.data) throw new Error(`the benchmark's request failed (${response.status}): ${JSON.stringify(body.errors)}`);
    return Object.values(body.data)[0] as T;
  };
}

function expectType(result: { __typename?: string; code?: string; message?: string }, typename: string, step: string): void {
  if (result.__typename !== typename) throw new Error(`${step} answered ${JSON.stringify(result)}`);
}

function isoDate(daysFromToday: number): string {
  return new Date(Date.now() + daysFromToday * 86_400_000).toISOString().slice(0, 10);
}

/** Runs `count` tasks with at most `inFlight` at once; `done` hears each one's completion in order. */
async function bounded<T>(count: number, inFlight: number, task: (index: number) => Promise<T>, done: (result: T, completed: number) => Promise<void> | void = () => undefined): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  let completed = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        const result = await task(index);
        results.push(result);
        completed += 1;
        await done(result, completed);
      }
    }),
  );
  return results;
}

/** Counts a workflow's activities, Updates and Signals, each activity under the message that came before it. */
async function shapeOf(client: Client, workflowId: string): Promise<{ shape: IdleShape; order: Array<'update' | 'signal'> }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const shape: IdleShape = { atStart: 0, perUpdate: [], perSignal: [] };
  const order: Array<'update' | 'signal'> = [];
  let add = (count: number) => {
    shape.atStart += count;
  };
  for (const event of history.events ?? []) {
    if (event.workflowExecutionUpdateAcceptedEventAttributes) {
      const index = shape.perUpdate.push(0) - 1;
      order.push('update');
      add = (count) => {
        shape.perUpdate[index]! += count;
      };
    } else if (event.workflowExecutionSignaledEventAttributes) {
      const index = shape.perSignal.push(0) - 1;
      order.push('signal');
      add = (count) => {
        shape.perSignal[index]! += count;
      };
    } else if (event.activityTaskScheduledEventAttributes) {
      add(1);
    } else if (event.workflowExecutionContinuedAsNewEventAttributes) {
      throw new Error(`${workflowId} continued as new: the baseline's shape would miss its later runs`);
    }
  }
  return { shape, order };
}

const total = (shape: IdleShape) => shape.atStart + shape.perUpdate.reduce((a, b) => a + b, 0) + shape.perSignal.reduce((a, b) => a + b, 0);

export async function runLifecycleBenchmark(benchDatabaseUrl: string, log: (line: string) => void): Promise<BenchResult[]> {
  const financings = financingsToRun();
  const databaseUrl = await lifecycleDatabase(benchDatabaseUrl);
  await migrate(databaseUrl, { bankSimulator: true });
  const prisma = createPrismaClient({ databaseUrl, poolMax: 2 });
  // The baseline's worker runs in this process: its start and stop are not news. Once per process,
  // before the dev server's environment makes the default runtime.
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // Already installed by an earlier suite of this run.
  }
  const stateDir = await mkdtemp(join(tmpdir(), 'scf-bench-temporal-'));
  const temporalPort = await freePort();
  const apiPort = await freePort();
  log(`starting the Temporal dev server on 127.0.0.1:${temporalPort} (state in ${stateDir})`);
  const temporalServer = await TestWorkflowEnvironment.createLocal({
    server: { executable: temporalExecutable('cli'), ip: '127.0.0.1', port: temporalPort, ui: false, dbFilename: join(stateDir, 'temporal.db'), log: { format: 'json', level: 'error' } },
  });
  const services: ServiceProcess[] = [];
  const stopServers = stopWhenInterrupted(async () => {
    for (const service of services) await stopServiceProcess(service);
    await temporalServer.teardown();
    await rm(stateDir, { recursive: true, force: true });
  });
  const bank = new BankSimulator({ pool: databaseUrl });
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  const client = new Client({ connection });
  try {
    await ensurePlatformAccounts(prisma);
    const tokens = await seedDevelopmentData(prisma, DEVELOPMENT_PEPPER);
    const token = (party: string, role: 'MAKER' | 'CHECKER'): Party => {
      const found = tokens.find((entry: SeededToken) => entry.party === party && entry.roles.includes(role) && (role === 'MAKER' || !entry.roles.includes('MAKER')));
      if (!found) throw new Error(`the seed has no ${party} ${role}`);
      return { token: found.token };
    };
    const core = await prisma.party.findFirstOrThrow({ where: { roles: { has: 'CORE_ENTERPRISE' } } });
    const program = await prisma.program.findFirstOrThrow();
    const parties: Parties = {
      supplier: token('supplier', 'MAKER'),
      core: token('core', 'MAKER'),
      funderMaker: token('funder', 'MAKER'),
      funderChecker: token('funder', 'CHECKER'),
      obligorCreditCode: core.creditCode,
      programId: globalId('Program', program.id),
    };

    const env = {
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      API_KEY_PEPPER: DEVELOPMENT_PEPPER,
      LOG_LEVEL: 'warn',
      BANK_ADAPTER: 'simulator',
      BANK_POLL_INTERVAL_MS: String(BANK_POLL_INTERVAL_MS),
      // The parties are four keys sending as fast as they are answered: far above the per-key limit by design.
      RATE_LIMIT_PER_KEY: '1000000',
    };
    services.push(startServiceProcess('api', env), startServiceProcess('worker', env));
    const [api, worker] = services as [ServiceProcess, ServiceProcess];
    const apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
    const call = graphql(apiUrl);
    // Ready when the API answers and the worker has run a workflow (it bundles the workflow code first).
    for (let attempt = 0; ; attempt += 1) {
      try {
        await call(parties.supplier, 'query { viewer { user { id } } }');
        break;
      } catch (error) {
        if (attempt === 600) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await runSystemCheckWorkflow(client, TASK_QUEUE, `bench-${Date.now()}`, 120_000);
    log(`API at ${apiUrl} and the worker ready`);

    const topUps = await call<Array<{ purpose: string; virtualAccountNumber: string }>>(parties.funderMaker, 'query { topUpInstructions { purpose virtualAccountNumber } }');
    const funding = topUps.find((entry) => entry.purpose === 'FUNDER_FUNDING');
    if (!funding) throw new Error(`no FUNDER_FUNDING top-up instruction: ${JSON.stringify(topUps)}`);
    // Enough for every financing, paid once before the clock starts.
    await bank.receiveInboundCredit({ virtualAccountNumber: funding.virtualAccountNumber, amount: `${(financings + WARM_UP_FINANCINGS) * 100_000}.00`, currency: 'CNY', payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: 'top-up' });

    const waitForStatus = async (financingId: string, wanted: string): Promise<number> => {
      const deadline = performance.now() + FINANCING_STEP_TIMEOUT_MS;
      for (;;) {
        const financing = await call<{ status: string }>(parties.supplier, 'query ($id: ID!) { financing(id: $id) { status } }', { id: financingId });
        if (financing.status === wanted) return performance.now();
        if (performance.now() > deadline) throw new Error(`financing ${financingId} stayed ${financing.status}, waiting for ${wanted}`);
        await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
      }
    };

    const runId = Date.now().toString(36);
    const oneFinancing = async (index: number): Promise<FinancingTimes> => {
      const key = `${runId}-${index}`;
      const registered = await call<{ __typename: string; id: string }>(
        parties.supplier,
        `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { ${FIELDS} ... on Receivable { id } } }`,
        {
          input: {
            obligorCreditCode: parties.obligorCreditCode,
            contractNumber: `HT-BENCH-${key}`,
            currency: 'CNY',
            faceAmount: FACE_AMOUNT,
            dueDate: isoDate(90),
            invoices: [{ invoiceCode: '4403201130', invoiceNumber: `B${key}`.slice(0, 20), amount: FACE_AMOUNT, issueDate: isoDate(-10) }],
            idempotencyKey: `register-${key}`,
          },
        },
      );
      expectType(registered, 'Receivable', 'registerReceivable');
      expectType(await call(parties.core, `mutation ($id: ID!) { confirmReceivable(id: $id, confirmedAmount: "${FACE_AMOUNT}") { ${FIELDS} } }`, { id: registered.id }), 'Receivable', 'confirmReceivable');
      const appliedAt = performance.now();
      const applied = await call<{ __typename: string; id: string; collectionAccount: { virtualAccountNumber: string } }>(
        parties.supplier,
        `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} ... on Financing { id collectionAccount { virtualAccountNumber } } } }`,
        { input: { receivableId: registered.id, programId: parties.programId, amount: FINANCED_AMOUNT, idempotencyKey: `apply-${key}` } },
      );
      expectType(applied, 'Financing', 'applyForFinancing');
      const id = { id: applied.id };
      expectType(await call(parties.core, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, id), 'Financing', 'acknowledgeAssignment');
      expectType(await call(parties.funderMaker, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, id), 'Financing', 'approveFinancing');
      expectType(await call(parties.funderChecker, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, id), 'Financing', 'confirmApproval');
      const disbursedAt = await waitForStatus(applied.id, 'DISBURSED');
      const repaidAt = performance.now();
      await bank.receiveInboundCredit({
        virtualAccountNumber: applied.collectionAccount.virtualAccountNumber,
        amount: FINANCED_AMOUNT,
        currency: 'CNY',
        payerName: '广州云海智能制造集团股份有限公司',
        payerAccountNumber: '6222020200112233',
        remittanceInformation: `repayment ${key}`,
      });
      const settledAt = await waitForStatus(applied.id, 'SETTLED');
      return { financingId: rowId(applied.id), receivableId: rowId(registered.id), appliedAt, disbursedAt, repaidAt, settledAt };
    };

    log(`warming up with ${WARM_UP_FINANCINGS} financings`);
    const warmUp = await bounded(WARM_UP_FINANCINGS, WARM_UP_FINANCINGS, (index) => oneFinancing(-1 - index));

    const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
    const loadBefore = load();
    const rssSamples: RssSample[] = [];
    let peakApiRss = 0;
    let peakWorkerRss = 0;
    const sampleRss = async () => {
      const [apiUsage, workerUsage] = await Promise.all([api.usage(), worker.usage()]);
      peakApiRss = Math.max(peakApiRss, apiUsage.rssBytes);
      peakWorkerRss = Math.max(peakWorkerRss, workerUsage.rssBytes);
      return { apiUsage, workerUsage };
    };
    const sampler = setInterval(() => void sampleRss().catch(() => undefined), 500);
    const cpuBefore = await Promise.all([api.usage(), worker.usage()]);
    log(`${financings} financings, ${IN_FLIGHT} in flight (load average ${loadBefore})`);
    const started = performance.now();
    const times = await bounded(financings, IN_FLIGHT, oneFinancing, async (_, completed) => {
      if (completed % RSS_SAMPLE_EVERY !== 0 && completed !== financings) return;
      const { apiUsage, workerUsage } = await sampleRss();
      const sample = {
        completed,
        workerRssMb: round2(workerUsage.rssBytes / 2 ** 20),
        workerHeapMb: round2(workerUsage.heapUsedBytes / 2 ** 20),
        apiRssMb: round2(apiUsage.rssBytes / 2 ** 20),
      };
      rssSamples.push(sample);
      log(`${completed}/${financings} settled; worker RSS ${sample.workerRssMb} MiB (heap ${sample.workerHeapMb} MiB), API RSS ${sample.apiRssMb} MiB`);
    });
    const elapsedS = (performance.now() - started) / 1000;
    const cpuAfter = await Promise.all([api.usage(), worker.usage()]);
    clearInterval(sampler);
    const loadAfter = load();
    const cpuSeconds = (index: 0 | 1) => (cpuAfter[index].userMicros + cpuAfter[index].systemMicros - cpuBefore[index].userMicros - cpuBefore[index].systemMicros) / 1e6;
    const apiCpuS = cpuSeconds(0);
    const workerCpuS = cpuSeconds(1);
    const throughput = financings / elapsedS;
    const toDisbursement = times.map((entry) => entry.disbursedAt - entry.appliedAt);
    const toSettlement = times.map((entry) => entry.settledAt - entry.repaidAt);
    log(`service: ${round2(throughput)} financings/s in ${round2(elapsedS)} s; API ${round2(apiCpuS)} CPU-s, worker ${round2(workerCpuS)} CPU-s (load average ${loadAfter})`);

    // The shape of one financing, from the histories of its two workflows.
    const sample = warmUp[0]!;
    const receivableShape = await shapeOf(client, workflowIds.receivable(sample.receivableId));
    const financingShape = await shapeOf(client, workflowIds.financing(sample.financingId));
    const activities = total(receivableShape.shape) + total(financingShape.shape);
    const updates = receivableShape.shape.perUpdate.length + financingShape.shape.perUpdate.length;
    const signals = receivableShape.shape.perSignal.length + financingShape.shape.perSignal.length;
    log(`one financing's workflows: ${activities} activities, ${updates} Updates, ${signals} Signals (receivable ${JSON.stringify(receivableShape.shape)}, financing ${JSON.stringify(financingShape.shape)})`);

    const baselineConnection = await NativeConnection.connect({ address: `127.0.0.1:${temporalPort}` });
    const baselineWorker = await Worker.create({
      connection: baselineConnection,
      taskQueue: BASELINE_TASK_QUEUE,
      workflowsPath: new URL('./lifecycle-baseline-workflows.ts', import.meta.url).pathname,
      activities: idleActivities,
      reuseV8Context: true,
    });
    const baselineRun = baselineWorker.run();
    let baselineThroughput: number;
    try {
      const idlePair = async (index: number) => {
        for (const [name, { shape, order }] of [['receivable', receivableShape], ['financing', financingShape]] as const) {
          const handle = await client.workflow.start(idleLifecycleWorkflow, { taskQueue: BASELINE_TASK_QUEUE, workflowId: `idle-${name}-${runId}-${index}`, args: [shape] });
          for (const message of order) {
            if (message === 'update') await handle.executeUpdate(idleStepUpdate);
            else await handle.signal(idleStepSignal);
          }
          await handle.result();
        }
      };
      await bounded(WARM_UP_FINANCINGS, WARM_UP_FINANCINGS, (index) => idlePair(-1 - index));
      const baselinePairs = Math.min(financings, BASELINE_PAIRS_MAX);
      log(`baseline: ${baselinePairs} idle workflow pairs of the same shape, ${IN_FLIGHT} in flight (load average ${load()})`);
      const baselineStarted = performance.now();
      await bounded(baselinePairs, IN_FLIGHT, idlePair);
      baselineThroughput = baselinePairs / ((performance.now() - baselineStarted) / 1000);
    } finally {
      baselineWorker.shutdown();
      await baselineRun;
      await baselineConnection.close();
    }
    const loadEnd = load();
    log(`baseline: ${round2(baselineThroughput)} pairs/s (load average ${loadEnd})`);
    const historiesDir = process.env.BENCH_LIFECYCLE_HISTORIES;
    if (historiesDir) {
      // A few financings from the middle of the timed run and the same pairs of the baseline,
      // so that a step's waiting can be read beside the baseline's (docs/performance.md).
      const picked = times.slice(Math.floor(times.length / 2), Math.floor(times.length / 2) + HISTORIES_DUMPED_MAX);
      const pairs = picked.map((_, offset) => Math.floor(financings / 2) + offset);
      const written = await dumpHistories(client, historiesDir, [
        ...picked.flatMap((entry, index) => [
          { name: `financing-${index}-receivable`, workflowId: workflowIds.receivable(entry.receivableId) },
          { name: `financing-${index}-financing`, workflowId: workflowIds.financing(entry.financingId) },
        ]),
        ...pairs.flatMap((pair, index) => [
          { name: `baseline-${index}-receivable`, workflowId: `idle-receivable-${runId}-${pair}` },
          { name: `baseline-${index}-financing`, workflowId: `idle-financing-${runId}-${pair}` },
        ]),
      ]);
      log(`wrote ${written} workflow histories to ${historiesDir}`);
    }

    const [apiEnd, workerEnd] = await Promise.all([api.usage(), worker.usage()]);
    const mb = (bytes: number) => round2(bytes / 2 ** 20);
    // The second half of the run: the worker's start-up (code compiled, caches and pools filled)
    // is behind it, so a slope there is growth that would not stop.
    const steady = rssSamples.slice(Math.floor(rssSamples.length / 2));
    const slope = rssSlope(steady, 'workerRssMb');
    const heapSlope = rssSlope(steady, 'workerHeapMb');
    const shown = rssSamples.filter((entry, index) => index === 0 || index === rssSamples.length - 1 || entry.completed % rssNoteEvery(financings) === 0);
    const perFinancing = (apiCpuS + workerCpuS) / financings;
    const ms = (value: number) => round2(value);
    return [
      {
        name: 'lifecycle.throughput',
        value: round2(throughput),
        unit: 'financings/s',
        baseline: round2(baselineThroughput),
        ratio: round2(throughput / baselineThroughput),
        note:
          `${financings} financings over HTTP, ${IN_FLIGHT} in flight; baseline: idle workflow pairs of ${activities} activities, ${updates} Updates, ${signals} Signals (target ratio >= 0.7); ` +
          `application to disbursement p50 ${ms(percentile(toDisbursement, 0.5))} ms p99 ${ms(percentile(toDisbursement, 0.99))} ms; repayment to settlement p50 ${ms(percentile(toSettlement, 0.5))} ms p99 ${ms(percentile(toSettlement, 0.99))} ms; ` +
          `load average ${loadBefore} before, ${loadAfter} after, ${loadEnd} after the baseline`,
      },
      {
        name: 'lifecycle.cpu_per_financing',
        value: round2(perFinancing),
        unit: 'CPU-s',
        baseline: 1,
        ratio: round2(perFinancing / 1),
        note: `API ${round2(apiCpuS)} CPU-s + worker ${round2(workerCpuS)} CPU-s over ${financings} financings (process.cpuUsage, both processes' threads); baseline: the target (at most 1.0)`,
      },
      {
        name: 'lifecycle.disbursement.p99',
        value: ms(percentile(toDisbursement, 0.99)),
        unit: 'ms',
        baseline: ms(percentile(toDisbursement, 0.5)),
        ratio: round2(percentile(toDisbursement, 0.99) / percentile(toDisbursement, 0.5)),
        note: `from applyForFinancing to the financing read as DISBURSED (status polled every ${STATUS_POLL_MS} ms); baseline: p50`,
      },
      {
        name: 'lifecycle.settlement.p99',
        value: ms(percentile(toSettlement, 0.99)),
        unit: 'ms',
        baseline: ms(percentile(toSettlement, 0.5)),
        ratio: round2(percentile(toSettlement, 0.99) / percentile(toSettlement, 0.5)),
        note: `from the repayment reaching the bank to the financing read as SETTLED (bank polled every ${BANK_POLL_INTERVAL_MS} ms, status every ${STATUS_POLL_MS} ms); baseline: p50`,
      },
      {
        name: 'lifecycle.api.peak_rss',
        value: mb(peakApiRss),
        unit: 'MiB',
        baseline: round2(apiEnd.maxRssKb / 1024),
        ratio: round2(peakApiRss / (apiEnd.maxRssKb * 1024)),
        note: 'the API process, sampled every 500 ms during the financings; baseline: its highest RSS since it started (process.resourceUsage().maxRSS)',
      },
      {
        name: 'lifecycle.worker.peak_rss',
        value: mb(peakWorkerRss),
        unit: 'MiB',
        baseline: round2(workerEnd.maxRssKb / 1024),
        ratio: round2(peakWorkerRss / (workerEnd.maxRssKb * 1024)),
        note: 'the worker process, sampled as above; baseline: its highest RSS since it started (bundling the workflow code at start-up included)',
      },
      {
        name: 'lifecycle.worker.rss_slope',
        value: slope,
        unit: 'MiB/1000 financings',
        baseline: steady[0]?.workerRssMb ?? 0,
        ratio: round2(slope / Math.max(1, steady[0]?.workerRssMb ?? 1)),
        note:
          `least-squares slope of the worker's RSS, sampled after each ${RSS_SAMPLE_EVERY} of ${financings} completed financings, over the run's second half (the main thread's V8 heap in use, without the workflow threads': ${heapSlope} MiB/1000); ` +
          `RSS (main thread's heap) after ${shown.map((entry) => `${entry.completed}: ${entry.workerRssMb} (${entry.workerHeapMb})`).join(', ')} MiB; baseline: RSS at the second half's first sample`,
      },
    ];
  } finally {
    await stopServers();
    await connection.close();
    await bank.close();
    await prisma.$disconnect();
  }
}

/** How many financings (and baseline pairs) BENCH_LIFECYCLE_HISTORIES writes the histories of. */
const HISTORIES_DUMPED_MAX = 3;

/**
 * Writes each workflow's history as one line per event (milliseconds since its first event, the
 * event's type, and the activity, Update or timer it concerns) for reading waits by hand.
 */
async function dumpHistories(client: Client, dir: string, workflows: ReadonlyArray<{ name: string; workflowId: string }>): Promise<number> {
  await mkdir(dir, { recursive: true });
  for (const { name, workflowId } of workflows) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const msOf = (event: (typeof events)[number]) => Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
    const first = events[0] ? msOf(events[0]) : 0;
    const lines = events.map((event) => {
      const type = proto.temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
      const what =
        event.activityTaskScheduledEventAttributes?.activityType?.name ??
        event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
        (event.timerStartedEventAttributes ? `${String(event.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0)} s` : undefined) ??
        event.workflowExecutionSignaledEventAttributes?.signalName ??
        '';
      return `${new Date(msOf(event)).toISOString().slice(11, 23)}  ${String(msOf(event) - first).padStart(7)} ms  #${String(event.eventId)}  ${type.replace('EVENT_TYPE_', '')}  ${what}`;
    });
    await writeFile(join(dir, `${name}.txt`), `${workflowId} (first event at ${new Date(first).toISOString()})\n${lines.join('\n')}\n`);
  }
  return workflows.length;
}

interface RssSample {
  completed: number;
  workerRssMb: number;
  workerHeapMb: number;
  apiRssMb: number;
}

/** Every how many financings the memory note lists a sample: about ten of them, whatever the run's size. */
function rssNoteEvery(financings: number): number {
  return Math.max(RSS_SAMPLE_EVERY, Math.ceil(financings / 10 / RSS_SAMPLE_EVERY) * RSS_SAMPLE_EVERY);
}

/** Least-squares slope of one of the worker's memory figures against completed financings, in MiB per 1,000. */
function rssSlope(samples: readonly RssSample[], figure: 'workerRssMb' | 'workerHeapMb'): number {
  if (samples.length < 2) return 0;
  const meanX = samples.reduce((sum, sample) => sum + sample.completed, 0) / samples.length;
  const meanY = samples.reduce((sum, sample) => sum + sample[figure], 0) / samples.length;
  const covariance = samples.reduce((sum, sample) => sum + (sample.completed - meanX) * (sample[figure] - meanY), 0);
  const variance = samples.reduce((sum, sample) => sum + (sample.completed - meanX) ** 2, 0);
  return round2((covariance / variance) * 1000);
}
