import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_PEPPER } from '../../api/config';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { createPrismaClient } from '../../prisma/client';
import { migrate } from '../../prisma/migrate';
import { seedDevelopmentData } from '../../prisma/seed';
import { PAYLOAD_CONVERTER_PATH } from '../../workflows/contracts/payload-converter-path';
import { WORKFLOWS_PATH } from '../../workflows/worker/create-worker';
import { freePort } from '../../scripts/lib/free-port';
import { startLocalPostgres, type LocalPostgres } from '../../scripts/lib/local-postgres';
import { chaosGraphql, RETRYABLE_CODES } from './chaos-graphql';
import { killProcess, startApiProcess, startTemporalServer, startWorkerProcess } from './chaos-processes';
import { driveFinancing, type ChaosCast } from './financing-lifecycle';
import { checkMoney } from './money-checks';
import { chaosSeed, seededRandom } from './seeded-random';
import { chaosCast, topUpSeededFunder } from './chaos-cast';

// 50 financings at once through the real API and worker processes, while the worker is killed
// (SIGKILL) five times at random moments and started again, the Temporal server is restarted,
// and PostgreSQL is restarted. Every financing must settle with one payout executed at the
// bank, the books must balance and the escrow account in the ledger must equal the bank's.
// While a dependency is down the API must answer within a bound with a typed error.

const FINANCINGS = 50;
/** Keyed registrations in the burst during which the API is killed, and how many copies of each are sent at once. */
const BURST = 20;
const COPIES = 3;
const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Receivable { id } ... on Error { code message } } }`;
/** How long a request may take while a dependency is down: the API answers, it does not hang. */
const DEPENDENCY_DOWN_ANSWER_MS_MAX = 12_000;

const seed = chaosSeed();
const random = seededRandom(seed);
const say = (line: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${line}\n`);

describe('the service under worker kills and dependency restarts', () => {
  let baseDir: string;
  let postgres: LocalPostgres;
  let postgresPort: number;
  let temporal: ChildProcess;
  let temporalPort: number;
  let api: ChildProcess;
  let worker: ChildProcess;
  let databaseUrl: string;
  let env: Record<string, string>;
  let pool: pg.Pool;
  let bank: BankSimulator;
  let prisma: ReturnType<typeof createPrismaClient>;
  let cast: ChaosCast;
  let apiPort: number;
  let apiLog: string;
  const graphql = chaosGraphql(() => `http://127.0.0.1:${apiPort}/graphql`);
  const startedAt = performance.now();
  const at = () => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;

  beforeAll(async () => {
    say(`seed ${seed} (replay with CHAOS_SEED=${seed})`);
    baseDir = await mkdtemp(join(tmpdir(), 'scf-chaos-'));
    postgresPort = await freePort();
    postgres = await startLocalPostgres({ baseDir: join(baseDir, 'postgres'), port: postgresPort, durable: true });
    await postgres.ensureDatabase('scf');
    databaseUrl = postgres.urlFor('scf');
    await migrate(databaseUrl, { bankSimulator: true });
    temporalPort = await freePort();
    temporal = await startTemporalServer(temporalPort, join(baseDir, 'temporal.db'));
    prisma = createPrismaClient({ databaseUrl, poolMax: 4 });
    const tokens = await seedDevelopmentData(prisma, DEVELOPMENT_PEPPER);
    cast = await chaosCast(prisma, tokens);
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, payloadConverterPath: PAYLOAD_CONVERTER_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (message: string) => say(message), log() {} } });
    await writeFile(join(baseDir, 'workflow-bundle.js'), bundle.code);
    apiPort = await freePort();
    env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, TASK_QUEUE: 'scf', WORKFLOW_BUNDLE: join(baseDir, 'workflow-bundle.js'), API_PORT: String(apiPort), API_KEY_PEPPER: DEVELOPMENT_PEPPER, RATE_LIMIT_PER_KEY: '1000000' };
    // The API's log outlives the run's folder: an unexpected error a client met is traced there.
    apiLog = join(tmpdir(), `scf-chaos-${seed}-api.log`);
    say(`API log: ${apiLog}`);
    api = await startApiProcess(env, apiLog);
    worker = await startWorkerProcess(env);
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // A connection PostgreSQL drops while it restarts is an error on an idle client: the pool replaces it.
    pool.on('error', () => undefined);
    bank = new BankSimulator({ pool: databaseUrl });
    await topUpSeededFunder(prisma, bank, '5000000.00');
  }, 300_000);

  afterAll(async () => {
    for (const child of [api, worker, temporal]) if (child) await killProcess(child);
    await pool?.end();
    await bank?.close();
    await prisma?.$disconnect();
    await postgres?.stop();
    if (baseDir) await rm(baseDir, { recursive: true, force: true });
  });

  /** One request while a dependency is down: how long it took and what it answered. */
  async function probe(what: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<{ ms: number; answer: string }> {
    try {
      const { ms, body, status } = await graphql.once(token, query, variables, DEPENDENCY_DOWN_ANSWER_MS_MAX + 5_000);
      const value = body.data ? Object.values(body.data)[0] : undefined;
      const answer = `HTTP ${status} ${value?.code ?? value?.__typename ?? body.errors?.[0]?.extensions?.code ?? 'no code'}`;
      say(`while ${what} is down the API answered ${answer} in ${Math.round(ms)} ms`);
      return { ms, answer };
    } catch (error) {
      say(`while ${what} is down the API did not answer: ${(error as Error).message}`);
      return { ms: Number.POSITIVE_INFINITY, answer: (error as Error).message };
    }
  }

  it('settles every financing with one payout and whole books', { timeout: 900_000 }, async () => {
    const runKey = String(seed);
    const done: string[] = [];
    const financings = Promise.allSettled(
      Array.from({ length: FINANCINGS }, (_, index) =>
        driveFinancing({ graphql, db: pool, bank: () => bank, cast, runKey, index, onStep: (step) => step === 'settled' && done.push(String(index)) }).catch((error: Error) => {
          say(`financing ${index} failed: ${error.message}`);
          throw error;
        }),
      ),
    );
    const events: string[] = [];
    const note = (line: string) => {
      events.push(`${at()}: ${line}`);
      say(line);
    };
    const probes: Array<{ ms: number; answer: string }> = [];
    // Five worker kills, with Temporal and PostgreSQL restarted between them.
    const plan = ['worker', 'worker', 'temporal', 'worker', 'worker', 'postgres', 'worker'] as const;
    for (const target of plan) {
      const waitMs = Math.round(random.between(2_000, 9_000));
      await new Promise((resume) => setTimeout(resume, waitMs));
      if (target === 'worker') {
        await killProcess(worker);
        note(`killed the worker (SIGKILL) ${waitMs} ms after the previous event; ${done.length} of ${FINANCINGS} settled so far`);
        worker = await startWorkerProcess(env);
        note('worker started again');
      } else if (target === 'temporal') {
        await killProcess(temporal, { signal: 'SIGTERM' });
        note(`stopped the Temporal server ${waitMs} ms after the previous event; ${done.length} settled so far`);
        probes.push(await probe('Temporal', cast.supplierMaker, `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Error { code } } }`, { input: probeRegistration(cast, runKey) }));
        temporal = await startTemporalServer(temporalPort, join(baseDir, 'temporal.db'));
        note('Temporal server started again');
      } else {
        await postgres.stop();
        note(`stopped PostgreSQL ${waitMs} ms after the previous event; ${done.length} settled so far`);
        probes.push(await probe('PostgreSQL', cast.supplierMaker, '{ viewer { id } }'));
        postgres = await startLocalPostgres({ baseDir: join(baseDir, 'postgres'), port: postgresPort, durable: true });
        note('PostgreSQL started again');
      }
    }
    const outcomes = await financings;
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome).reason));
    note(`all drivers returned; ${failures.length} failed${failures.length ? `: ${failures.slice(0, 3).join('; ')}` : ''}`);
    const ids = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const findings = await checkMoney(prisma, pool, ids);
    say(`findings: ${JSON.stringify(findings)}`);
    say(`retries the clients met: ${JSON.stringify(Object.fromEntries(graphql.retries))}`);
    say(`duration ${at()}`);

    expect(failures).toEqual([]);
    expect(findings).toMatchObject({ financings: FINANCINGS, settled: FINANCINGS, payoutsNotOnce: [], trialBalanceMoney: true, trialBalanceMemo: true, invariantViolations: 0 });
    expect(findings.escrowInLedger).toBe(findings.escrowAtBank);
    for (const { ms, answer } of probes) {
      expect(ms).toBeLessThan(DEPENDENCY_DOWN_ANSWER_MS_MAX);
      expect([...RETRYABLE_CODES].some((code) => answer.includes(code))).toBe(true);
    }
  });

  it('gives one effect per idempotency key when the API is killed during a burst, each request sent several times at once, and the burst is replayed', { timeout: 300_000 }, async () => {
    const runKey = String(seed);
    const inputs = Array.from({ length: BURST }, (_, index) => burstRegistration(cast, runKey, index));
    // Duplicate delivery: every registration sent COPIES times at once, with the same key.
    const sendAll = (send: (input: ReturnType<typeof burstRegistration>) => Promise<string | null>) => Promise.all(inputs.map((input) => Promise.all(Array.from({ length: COPIES }, () => send(input)))));
    const firstBurst = sendAll(async (input) => {
      try {
        const { body } = await graphql.once(cast.supplierMaker, REGISTER, { input });
        const value = body.data?.registerReceivable as { __typename?: string; id?: string } | undefined;
        return value?.__typename === 'Receivable' ? value.id! : null;
      } catch {
        return null;
      }
    });
    const waitMs = Math.round(random.between(200, 1_500));
    await new Promise((resume) => setTimeout(resume, waitMs));
    await killProcess(api);
    say(`killed the API (SIGKILL) ${waitMs} ms into a burst of ${BURST} registrations sent ${COPIES} times each`);
    const before = await firstBurst;
    say(`${before.flat().filter((id) => id !== null).length} of ${BURST * COPIES} requests were answered before the kill`);
    api = await startApiProcess(env, apiLog);
    say('API started again; replaying the burst');
    const after = await sendAll(async (input) => {
      const value = await graphql.field(cast.supplierMaker, REGISTER, { input });
      if (value.__typename !== 'Receivable') throw new Error(`registerReceivable: ${JSON.stringify(value)}`);
      return value.id as string;
    });
    for (const [index, ids] of after.entries()) {
      // One receivable per key: every copy, before the kill and after it, names the same one.
      const answered = [...ids, ...before[index]!.filter((id) => id !== null)];
      expect(new Set(answered).size).toBe(1);
    }
    const stored = await pool.query<{ receivables: string; entries: string }>(
      `SELECT count(DISTINCT r.id)::text AS receivables, count(e.*)::text AS entries FROM receivable r LEFT JOIN registry_entry e ON e.receivable_id = r.id WHERE r.idempotency_key LIKE $1`,
      [`chaos-burst-${runKey}-%`],
    );
    say(`burst findings: ${JSON.stringify(stored.rows[0])}`);
    expect(stored.rows[0]).toEqual({ receivables: String(BURST), entries: String(BURST * 2) });
  });
});

function probeRegistration(cast: ChaosCast, runKey: string) {
  return {
    obligorCreditCode: cast.obligorCreditCode,
    contractNumber: `HT-PROBE-${runKey}`,
    currency: 'CNY',
    faceAmount: '1000.00',
    dueDate: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10),
    invoices: [{ invoiceCode: '4403201131', invoiceNumber: runKey.slice(-8).padStart(8, '0'), amount: '1000.00', issueDate: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10) }],
    idempotencyKey: `chaos-probe-${runKey}`,
  };
}

function burstRegistration(cast: ChaosCast, runKey: string, index: number) {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const invoice = (part: number) => `${runKey.slice(-5).padStart(5, '0')}${String(index).padStart(2, '0')}${part}`;
  return {
    obligorCreditCode: cast.obligorCreditCode,
    contractNumber: `HT-BURST-${runKey}-${index}`,
    currency: 'CNY',
    faceAmount: '2000.00',
    dueDate: day(60),
    // An invoice code of their own: the financings' invoices never collide with these.
    invoices: [
      { invoiceCode: '4403201132', invoiceNumber: invoice(1), amount: '1000.00', issueDate: day(-5) },
      { invoiceCode: '4403201132', invoiceNumber: invoice(2), amount: '1000.00', issueDate: day(-4) },
    ],
    idempotencyKey: `chaos-burst-${runKey}-${index}`,
  };
}
