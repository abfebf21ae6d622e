// `npm run bench`: starts a throwaway PostgreSQL with durable commits (fsync on, as in
// production), migrates it, runs the project's benchmarks, prints a table and writes
// bench/results/latest.json ({"<name>": {"value", "unit", "baseline", "ratio"}}).
// `npm run bench -- recon` (or `ledger`, `api`, `registry`, `lifecycle`, `events`, `voucher`) runs one suite; the results file then holds its figures only.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
// Before anything that loads graphql-js (./production-mode.ts says why).
import { BENCH_NODE_ENV } from './production-mode';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../prisma/migrate';
import { startLocalPostgres } from '../scripts/lib/local-postgres';
import { runLedgerBenchmarks, type BenchResult } from './ledger';
import { runReconciliationBenchmark } from './reconciliation';
import { runApiBenchmarks } from './api';
import { runRegistryBenchmarks } from './registry';
import { runLifecycleBenchmark } from './lifecycle';
import { runEventBenchmarks } from './events';
import { runVoucherBenchmark } from './voucher';
import { freePort } from '../scripts/lib/free-port';
import { stopCleanlyWhenInterrupted, stopWhenInterrupted } from './interrupt';

const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;
const DATABASE = 'scf_bench';

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);

const SUITES: Record<string, (url: string, log: (line: string) => void) => Promise<BenchResult[]>> = {
  ledger: runLedgerBenchmarks,
  recon: runReconciliationBenchmark,
  api: runApiBenchmarks,
  registry: runRegistryBenchmarks,
  lifecycle: runLifecycleBenchmark,
  events: runEventBenchmarks,
  voucher: runVoucherBenchmark,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in SUITES));
if (unknown.length > 0) throw new Error(`unknown benchmark suite ${unknown.join(', ')}: choose from ${Object.keys(SUITES).join(', ')}`);

function table(results: BenchResult[]): string {
  const rows = [
    ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'notes'],
    ...results.map((result) => [result.name, String(result.value), result.unit, String(result.baseline), result.ratio.toFixed(2), result.note]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 || column === 2 || column === 5 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

stopCleanlyWhenInterrupted(say);
const started = performance.now();
const baseDir = await mkdtemp(join(tmpdir(), 'scf-bench-pg-'));
const postgres = await startLocalPostgres({ baseDir, port: await freePort(), durable: true });
const stopPostgres = stopWhenInterrupted(async () => {
  await postgres.stop();
  await rm(baseDir, { recursive: true, force: true });
});
try {
  await postgres.ensureDatabase(DATABASE);
  const url = postgres.urlFor(DATABASE);
  await migrate(url);
  say(`PostgreSQL with durable commits in ${baseDir}; ${cpus().length} CPUs; NODE_ENV=${BENCH_NODE_ENV}`);
  const results: BenchResult[] = [];
  for (const [name, suite] of Object.entries(SUITES)) {
    if (chosen.length === 0 || chosen.includes(name)) results.push(...(await suite(url, say)));
  }
  process.stdout.write(`\n${table(results)}\n\n`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = Object.fromEntries(results.map((result) => [result.name, { value: result.value, unit: result.unit, baseline: result.baseline, ratio: result.ratio }]));
  await writeFile(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  say(`wrote ${join(RESULTS_DIR, 'latest.json')} in ${Math.round((performance.now() - started) / 1000)} s`);
} finally {
  await stopPostgres();
}
