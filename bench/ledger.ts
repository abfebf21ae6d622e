import pg from 'pg';
import { createPrismaClient } from '../prisma/client';
import { openAccount, type LedgerAccountView } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import type { LedgerDb } from '../prisma/stores/ledger/ledger-db';
import { postBatch, postTransaction, type PostTransactionInput } from '../prisma/stores/ledger/postings';
import { percentile, round2, timedFor } from './measure';

// The ledger's benchmarks (docs/ledger.md, "Performance"):
//   ledger.single  transfers/s of single two-entry postings from 16 concurrent clients,
//                  beside hand-written SQL doing the same work in the same run;
//   ledger.batch   transfers/s posting batches of 1,000;
//   ledger.p99     p99 latency of one posting with one client.
// The ledger side goes through the real store (prisma/stores/ledger/): validation,
// request hashing, the posting function, its triggers and the deferred balance check. The
// baselines are plain node-postgres on tables of the same shape without any of that.

export const CLIENTS = 16;
export const ACCOUNTS = 64;
export const BATCH_SIZE = 1000;
const WARM_UP_MS = 1500;
const ROUND_MS = 4000;
const ROUNDS = 3;
const BATCH_MS = 8000;
const LATENCY_SAMPLES = 1500;

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  /** What the baseline is, and the target where the issue sets one. */
  note: string;
}

/** The baseline's tables: the ledger's columns and indexes, none of its triggers or checks. */
const BASELINE_SCHEMA = `
CREATE TABLE bench_account (
  id uuid PRIMARY KEY,
  debits_posted numeric(24,4) NOT NULL DEFAULT 0,
  credits_posted numeric(24,4) NOT NULL DEFAULT 0
);
CREATE TABLE bench_transaction (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key varchar(200) NOT NULL UNIQUE,
  code varchar(64) NOT NULL,
  effective_at timestamptz(6) NOT NULL DEFAULT now(),
  created_at timestamptz(6) NOT NULL DEFAULT now()
);
CREATE TABLE bench_entry (
  id bigserial PRIMARY KEY,
  transaction_id uuid NOT NULL,
  account_id uuid NOT NULL,
  direction ledger_direction NOT NULL,
  amount numeric(24,4) NOT NULL,
  currency char(3) NOT NULL,
  effective_at timestamptz(6) NOT NULL
);
CREATE INDEX ON bench_entry (transaction_id);
CREATE INDEX ON bench_entry (account_id, effective_at, id) INCLUDE (direction, amount);
`;

/** Runs `clients` loops of `operation` for `ms`; returns the operations completed. */
async function runFor(ms: number, clients: number, operation: () => Promise<unknown>): Promise<number> {
  return (await timedFor(ms, clients, operation)).length;
}

async function latencies(samples: number, operation: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const values: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const start = performance.now();
    await operation();
    values.push(performance.now() - start);
  }
  return { p50: percentile(values, 0.5), p99: percentile(values, 0.99) };
}

export async function runLedgerBenchmarks(databaseUrl: string, log: (line: string) => void): Promise<BenchResult[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CLIENTS + 2 });
  // An idle connection dropped when the server stops must not crash the process and hide
  // the error that stopped it.
  pool.on('error', () => undefined);
  const prisma = createPrismaClient({ databaseUrl, poolMax: CLIENTS });
  try {
    log(`opening ${ACCOUNTS} accounts and the baseline tables`);
    const accounts: LedgerAccountView[] = [];
    for (let index = 0; index < ACCOUNTS; index += 1) {
      accounts.push(await openAccount(pool, { code: `bench:${index}`, name: `Bench ${index}`, type: 'LIABILITY', purpose: 'COLLECTION', currency: 'CNY' }));
    }
    await pool.query(BASELINE_SCHEMA);
    await pool.query('INSERT INTO bench_account (id) SELECT unnest($1::uuid[])', [accounts.map((account) => account.id)]);

    let sequence = 0;
    const pair = (): [LedgerAccountView, LedgerAccountView] => {
      const from = Math.floor(Math.random() * ACCOUNTS);
      const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
      return [accounts[from]!, accounts[to]!];
    };
    const transfer = (): PostTransactionInput => {
      const [from, to] = pair();
      sequence += 1;
      return {
        idempotencyKey: `bench:${sequence}`,
        code: 'BENCH',
        entries: [
          { accountId: from.id, direction: 'DEBIT', amount: '1.00', currency: 'CNY' },
          { accountId: to.id, direction: 'CREDIT', amount: '1.00', currency: 'CNY' },
        ],
      };
    };
    const ledger = (db: LedgerDb) => () => postTransaction(db, transfer());

    // Hand-written SQL doing the same work: insert the transaction and its two entries and
    // update the two balances, in one database transaction, with prepared statements. The
    // balances are updated in id order, as any correct hand-written version must (two
    // concurrent transfers A→B and B→A deadlock otherwise).
    const handWritten = async () => {
      const [from, to] = pair();
      const key = `baseline:${(sequence += 1)}`;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inserted = await client.query<{ id: string; effective_at: Date }>({
          name: 'baseline_transaction',
          text: `INSERT INTO bench_transaction (idempotency_key, code) VALUES ($1, 'BENCH') RETURNING id, effective_at`,
          values: [key],
        });
        const { id, effective_at: effectiveAt } = inserted.rows[0]!;
        await client.query({
          name: 'baseline_entries',
          text: `INSERT INTO bench_entry (transaction_id, account_id, direction, amount, currency, effective_at)
                 VALUES ($1, $2, 'DEBIT', $4, 'CNY', $5), ($1, $3, 'CREDIT', $4, 'CNY', $5)`,
          values: [id, from.id, to.id, '1.00', effectiveAt],
        });
        const debit = () => client.query({ name: 'baseline_debit', text: 'UPDATE bench_account SET debits_posted = debits_posted + $2 WHERE id = $1', values: [from.id, '1.00'] });
        const credit = () => client.query({ name: 'baseline_credit', text: 'UPDATE bench_account SET credits_posted = credits_posted + $2 WHERE id = $1', values: [to.id, '1.00'] });
        if (from.id < to.id) {
          await debit();
          await credit();
        } else {
          await credit();
          await debit();
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    };

    // The same work squeezed into one statement (data-modifying CTEs, one round trip): not
    // how one writes it by hand, but the most PostgreSQL can do; reported for comparison.
    const oneStatement = () => {
      const [from, to] = pair();
      const key = `one:${(sequence += 1)}`;
      return pool.query({
        name: 'baseline_one_statement',
        text: `WITH t AS (INSERT INTO bench_transaction (idempotency_key, code) VALUES ($1, 'BENCH') RETURNING id, effective_at),
               e AS (INSERT INTO bench_entry (transaction_id, account_id, direction, amount, currency, effective_at)
                     SELECT t.id, v.account_id, v.direction::ledger_direction, $4, 'CNY', t.effective_at FROM t, (VALUES ($2::uuid, 'DEBIT'), ($3::uuid, 'CREDIT')) AS v(account_id, direction)),
               u AS (UPDATE bench_account SET debits_posted = debits_posted + CASE WHEN id = $2::uuid THEN $4::numeric ELSE 0 END,
                                              credits_posted = credits_posted + CASE WHEN id = $3::uuid THEN $4::numeric ELSE 0 END
                     WHERE id IN ($2::uuid, $3::uuid))
               SELECT id FROM t`,
        values: [key, from.id, to.id, '1.00'],
      });
    };

    const contenders: Record<string, () => Promise<unknown>> = {
      handWritten,
      oneStatement,
      ledgerPool: ledger(pool),
      ledgerPrisma: ledger(prisma),
    };
    log(`warming up (${WARM_UP_MS} ms each)`);
    for (const operation of Object.values(contenders)) await runFor(WARM_UP_MS, CLIENTS, operation);

    // Rounds alternate between the contenders, so that a noisy neighbour or a checkpoint
    // hits them alike rather than one of them.
    const completed: Record<string, number> = Object.fromEntries(Object.keys(contenders).map((name) => [name, 0]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const [name, operation] of Object.entries(contenders)) {
        completed[name]! += await runFor(ROUND_MS, CLIENTS, operation);
      }
      log(`single postings, round ${round}/${ROUNDS}: ${Object.entries(completed).map(([name, count]) => `${name} ${Math.round(count / ((round * ROUND_MS) / 1000))}/s`).join(', ')}`);
    }
    const perSecond = (name: string) => completed[name]! / ((ROUNDS * ROUND_MS) / 1000);
    const single = perSecond('ledgerPool');

    log(`batches of ${BATCH_SIZE} (${BATCH_MS} ms)`);
    const batch = () => postBatch(pool, Array.from({ length: BATCH_SIZE }, transfer));
    await batch();
    const batches = await runFor(BATCH_MS, 2, batch);
    const batchTransfers = (batches * BATCH_SIZE) / (BATCH_MS / 1000);

    log(`latency with one client (${LATENCY_SAMPLES} postings each)`);
    const handWrittenLatency = await latencies(LATENCY_SAMPLES, handWritten);
    const ledgerLatency = await latencies(LATENCY_SAMPLES, ledger(pool));

    const problems = await verifyLedgerInvariants(pool);
    if (problems.length) throw new Error(`the ledger is inconsistent after the benchmark: ${JSON.stringify(problems.slice(0, 5))}`);

    return [
      {
        name: 'ledger.single',
        value: Math.round(single),
        unit: 'transfers/s',
        baseline: Math.round(perSecond('handWritten')),
        ratio: round2(single / perSecond('handWritten')),
        note: `store over a pg pool, ${CLIENTS} clients; baseline: hand-written SQL transaction (target ratio >= 0.8)`,
      },
      {
        name: 'ledger.single.prisma',
        value: Math.round(perSecond('ledgerPrisma')),
        unit: 'transfers/s',
        baseline: Math.round(perSecond('handWritten')),
        ratio: round2(perSecond('ledgerPrisma') / perSecond('handWritten')),
        note: `store over Prisma, ${CLIENTS} clients; baseline: hand-written SQL transaction`,
      },
      {
        name: 'ledger.single.one_statement',
        value: Math.round(single),
        unit: 'transfers/s',
        baseline: Math.round(perSecond('oneStatement')),
        ratio: round2(single / perSecond('oneStatement')),
        note: 'store over a pg pool; baseline: the same work in one SQL statement (no checks at all)',
      },
      {
        name: 'ledger.batch',
        value: Math.round(batchTransfers),
        unit: 'transfers/s',
        baseline: Math.round(single),
        ratio: round2(batchTransfers / single),
        note: `batches of ${BATCH_SIZE}, 2 clients; baseline: ledger.single (target ratio >= 10)`,
      },
      {
        name: 'ledger.p99',
        value: round2(ledgerLatency.p99),
        unit: 'ms',
        baseline: round2(handWrittenLatency.p99),
        ratio: round2(ledgerLatency.p99 / handWrittenLatency.p99),
        note: `1 client; p50 ${round2(ledgerLatency.p50)} ms (baseline p50 ${round2(handWrittenLatency.p50)} ms); baseline: hand-written SQL transaction`,
      },
    ];
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}
