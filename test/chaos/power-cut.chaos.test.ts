import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_NODE_FLAGS } from '../../api/node-flags';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { createPrismaClient } from '../../prisma/client';
import type { SeededToken } from '../../prisma/seed';
import { freePort } from '../../scripts/lib/free-port';
import { localPostgresUrl } from '../../scripts/lib/local-postgres';
import { LOCAL_DATABASE } from '../../scripts/lib/local-stack';
import { chaosCast, topUpSeededFunder } from './chaos-cast';
import { chaosGraphql } from './chaos-graphql';
import { killProcess, ROOT, startProcess } from './chaos-processes';
import { driveFinancing, type ChaosCast } from './financing-lifecycle';
import { checkMoney } from './money-checks';
import { chaosSeed, seededRandom } from './seeded-random';

// The power cut: `npm start` (scripts/dev.ts, with its embedded PostgreSQL, its Temporal dev
// server, the worker and the API in one process group) killed with SIGKILL as a whole, five
// times at random moments while financings are in flight, and started again each time on the
// same data folder, as a developer's machine losing power would. PostgreSQL keeps its data
// (and the bank simulator's, which lives in its own schema there) and Temporal keeps its
// workflows in the data folder, so every financing must still settle with one payout at the
// bank, whole books, and the escrow account in the ledger equal to the bank's balance of it.

const FINANCINGS = 20;
const POWER_CUTS = 5;
/** The service's own startup check waits 30 s for the worker; under load a start takes longer. */
const START_MS_MAX = 120_000;
const READY_BANNER = 'Supply-chain finance service is up';

const seed = chaosSeed();
const random = seededRandom(seed);
const say = (line: string) => process.stdout.write(`[power-cut ${new Date().toISOString().slice(11, 23)}] ${line}\n`);

describe('npm start after power cuts', () => {
  let dataDir: string;
  let service: ChildProcess | undefined;
  let env: Record<string, string>;
  let pool: pg.Pool;
  let bank: BankSimulator;
  let prisma: ReturnType<typeof createPrismaClient>;
  let cast: ChaosCast;
  let apiPort: number;
  let serviceLog: string;
  let passed = false;
  const startsMs: number[] = [];
  const graphql = chaosGraphql(() => `http://127.0.0.1:${apiPort}/graphql`);
  const startedAt = performance.now();
  const at = () => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;

  /** Starts `npm start` in a process group of its own; resolves once it says it is up (its own end-to-end check passed). */
  async function startService(): Promise<void> {
    const started = performance.now();
    service = await startProcess([...API_NODE_FLAGS, '--import', 'tsx', resolve(ROOT, 'scripts/dev.ts')], env, READY_BANNER, { detached: true, logFile: serviceLog });
    const ms = Math.round(performance.now() - started);
    startsMs.push(ms);
    say(`npm start answered ${ms} ms after it was started`);
    expect(ms).toBeLessThan(START_MS_MAX);
  }

  beforeAll(async () => {
    say(`seed ${seed} (replay with CHAOS_SEED=${seed})`);
    dataDir = await mkdtemp(join(tmpdir(), 'scf-power-cut-'));
    // As root, PostgreSQL runs as its own user: it must be able to enter the folder, or the
    // cluster would be placed outside it and outlive this test's clean-up.
    await chmod(dataDir, 0o755);
    apiPort = await freePort();
    const postgresPort = await freePort();
    env = {
      // The service's own PostgreSQL and Temporal, never ones a caller's environment names.
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      LOCAL_DATA_DIR: dataDir,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      API_PORT: String(apiPort),
      LOCAL_POSTGRES_PORT: String(postgresPort),
      LOCAL_TEMPORAL_PORT: String(await freePort()),
      LOCAL_TEMPORAL_UI_PORT: String(await freePort()),
      BANK_POLL_INTERVAL_MS: '500',
      RATE_LIMIT_PER_KEY: '1000000',
    };
    serviceLog = join(tmpdir(), `scf-power-cut-${seed}.log`);
    say(`data folder ${dataDir}; npm start's log: ${serviceLog}; ports ${JSON.stringify(env)}`);
    await startService();
    const databaseUrl = localPostgresUrl(postgresPort, LOCAL_DATABASE);
    prisma = createPrismaClient({ databaseUrl, poolMax: 4 });
    const tokens = JSON.parse(await readFile(join(dataDir, 'dev-tokens.json'), 'utf8')) as SeededToken[];
    cast = await chaosCast(prisma, tokens);
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // A connection cut with the power is an error on an idle client: the pool replaces it.
    pool.on('error', () => undefined);
    bank = new BankSimulator({ pool: databaseUrl });
    await topUpSeededFunder(prisma, bank, '2000000.00');
  }, 300_000);

  afterAll(async () => {
    await pool?.end();
    await bank?.close();
    await prisma?.$disconnect();
    if (service) await killProcess(service, { group: true });
    // A failed run's folder is kept: `LOCAL_DATA_DIR=<it> npm start` opens the stuck state for inspection.
    if (dataDir && passed) await rm(dataDir, { recursive: true, force: true });
    else if (dataDir) say(`kept the data folder ${dataDir} for inspection`);
  });

  it('settles every financing with one payout and whole books after five power cuts', { timeout: 600_000 }, async () => {
    const runKey = String(seed);
    const settled: number[] = [];
    const financings = Promise.allSettled(
      Array.from({ length: FINANCINGS }, (_, index) =>
        driveFinancing({ graphql, db: pool, bank: () => bank, cast, runKey, index, onStep: (step) => step === 'settled' && settled.push(index) }).catch((error: Error) => {
          say(`financing ${index} failed: ${error.message}`);
          throw error;
        }),
      ),
    );
    let cutsInFlight = 0;
    for (let cut = 1; cut <= POWER_CUTS; cut += 1) {
      // The financings settle within about two minutes: the cuts fall into their lives, from
      // origination to the payouts and the settlements, not after them.
      const waitMs = Math.round(random.between(2_000, 12_000));
      await new Promise((resume) => setTimeout(resume, waitMs));
      await killProcess(service!, { group: true });
      say(`power cut ${cut} at ${at()}, ${waitMs} ms after the service answered: SIGKILL to the whole process group; ${settled.length} of ${FINANCINGS} settled so far`);
      cutsInFlight += settled.length < FINANCINGS ? 1 : 0;
      await startService();
    }
    const outcomes = await financings;
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String(outcome.reason));
    const ids = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const findings = await checkMoney(prisma, pool, ids);
    say(`findings: ${JSON.stringify(findings)}`);
    say(`starts (ms, the first on an empty folder): ${JSON.stringify(startsMs)}`);
    say(`retries the clients met: ${JSON.stringify(Object.fromEntries(graphql.retries))}`);
    say(`${cutsInFlight} of ${POWER_CUTS} cuts fell while financings were unsettled; duration ${at()}`);

    expect(failures).toEqual([]);
    expect(findings).toMatchObject({ financings: FINANCINGS, settled: FINANCINGS, payoutsNotOnce: [], trialBalanceMoney: true, trialBalanceMemo: true, invariantViolations: 0 });
    expect(findings.escrowInLedger).toBe(findings.escrowAtBank);
    passed = true;
  });
});
