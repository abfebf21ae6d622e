// Prepares what counting the ledger's instructions per posting needs (docs/ledger.md,
// "Performance"): a migrated cluster with the bench's 64 accounts, stopped, and SQL files that
// post through the store's own statements, for single-user PostgreSQL under callgrind.
//
//   npx tsx bench/ledger-instructions.ts <folder>
//
// writes <folder>/data (the cluster), and <folder>/single-50.sql, single-250.sql (single
// postings, PREPAREd once as the store's pool does), batch-1.sql and batch-3.sql (batches of
// 1,000 2-entry transfers, the store's postBatch statement). Count each file on a fresh copy of
// the cluster, e.g.
//
//   cp -a <folder>/data /tmp/run && chown -R postgres /tmp/run
//   su postgres -c "valgrind --tool=callgrind --callgrind-out-file=/tmp/batch-3.out \
//       <postgres> --single -D /tmp/run -c fsync=off scf_bench < <folder>/batch-3.sql > /dev/null"
//
// and divide the difference between two sizes: (batch-3 − batch-1) / 2,000 per transfer,
// (single-250 − single-50) / 200 per single posting. The difference removes start-up, the
// first statements' planning and the shutdown.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { migrate } from '../prisma/migrate';
import { openAccount, type LedgerAccountView } from '../prisma/stores/ledger/accounts';
import type { LedgerDb } from '../prisma/stores/ledger/ledger-db';
import { postBatch, postTransaction, type PostTransactionInput } from '../prisma/stores/ledger/postings';
import { freePort } from '../scripts/lib/free-port';
import { startLocalPostgres } from '../scripts/lib/local-postgres';
import { ACCOUNTS, BATCH_SIZE } from './ledger';

// node-postgres' own conversion of a parameter to the text it sends.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as { prepareValue: (value: unknown) => string | Buffer | null };

const DATABASE = 'scf_bench';
const folder = resolve(process.argv[2] ?? '');
if (!process.argv[2]) throw new Error('usage: npx tsx bench/ledger-instructions.ts <folder>');

await mkdir(folder, { recursive: true });
// PostgreSQL's own user must reach the cluster when we are root.
await chmod(folder, 0o755);
const postgres = await startLocalPostgres({ baseDir: folder, port: await freePort(), durable: true });
const accounts: LedgerAccountView[] = [];
try {
  await postgres.ensureDatabase(DATABASE);
  const url = postgres.urlFor(DATABASE);
  await migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    for (let index = 0; index < ACCOUNTS; index += 1) {
      accounts.push(await openAccount(pool, { code: `bench:${index}`, name: `Bench ${index}`, type: 'LIABILITY', purpose: 'COLLECTION', currency: 'CNY' }));
    }
  } finally {
    await pool.end();
  }
} finally {
  await postgres.stop();
}

// The store's statements, caught on their way to the database.
interface Caught {
  name: string;
  text: string;
  values: unknown[];
}
function catching(row: Record<string, unknown>): { db: LedgerDb; caught: Caught[] } {
  const caught: Caught[] = [];
  const db = {
    totalCount: 0,
    query: (query: Caught) => {
      caught.push(query);
      return Promise.resolve({ rows: [row] });
    },
  } as unknown as LedgerDb;
  return { db, caught };
}

let sequence = 0;
let random = 1;
// A fixed pseudo-random walk over the accounts, so that every run posts the same transfers.
const next = () => (random = (random * 48271) % 2147483647);
const transfer = (): PostTransactionInput => {
  const from = next() % ACCOUNTS;
  const to = (from + 1 + (next() % (ACCOUNTS - 1))) % ACCOUNTS;
  sequence += 1;
  return {
    idempotencyKey: `bench:${sequence}`,
    code: 'BENCH',
    entries: [
      { accountId: accounts[from]!.id, direction: 'DEBIT', amount: '1.00', currency: 'CNY' },
      { accountId: accounts[to]!.id, direction: 'CREDIT', amount: '1.00', currency: 'CNY' },
    ],
  };
};

// A parameter as node-postgres sends it, written as an SQL literal.
const literal = (value: unknown): string => {
  const text = prepareValue(value);
  return text === null ? 'NULL' : `'${text.toString().replaceAll("'", "''")}'`;
};
// Single-user PostgreSQL reads a statement per line; the rows are counted, not printed.
const prepare = (query: Caught) => `PREPARE ${query.name} AS SELECT count(*) FROM (${query.text.replace(/\s+/g, ' ')}) s\n`;
const execute = (query: Caught) => `EXECUTE ${query.name}(${query.values.map(literal).join(', ')})\n`;

async function singles(count: number): Promise<string> {
  const { db, caught } = catching({});
  for (let index = 0; index < count; index += 1) await postTransaction(db, transfer());
  return prepare(caught[0]!) + caught.map(execute).join('');
}

async function batches(count: number): Promise<string> {
  const { db, caught } = catching({});
  for (let index = 0; index < count; index += 1) await postBatch(db, Array.from({ length: BATCH_SIZE }, transfer));
  return prepare(caught[0]!) + caught.map(execute).join('');
}

// Each file starts from the same cluster, so each starts its keys afresh.
const files: Record<string, () => Promise<string>> = {
  'single-50.sql': () => singles(50),
  'single-250.sql': () => singles(250),
  'batch-1.sql': () => batches(1),
  'batch-3.sql': () => batches(3),
};
for (const [name, make] of Object.entries(files)) {
  sequence = 0;
  random = 1;
  await writeFile(join(folder, name), await make());
}
process.stdout.write(`cluster in ${join(folder, 'data')}; SQL files in ${folder}\n`);
