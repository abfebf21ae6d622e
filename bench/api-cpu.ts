// The API pages' CPU per request, one request at a time (docs/performance.md, "API pages"): at
// 32 clients the page benchmark queues on the CPU, so its ratio follows the ratio of CPU time
// per request, which this measures without the queueing noise. The API and its HTTP client run
// in one process, as in the benchmark. It also counts each query's SQL statements and, with
// `--answers <file>`, writes every answer (as each caller of the page world sees it) so that two
// builds can be compared byte for byte against the same kept database (`--keep <folder>`).
//
//   npx tsx bench/api-cpu.ts [--keep /tmp/scf-api-cpu] [--answers answers.json] [--requests 200] [--only financings] [--sql] [--queries more-queries.json]
import { BENCH_NODE_ENV } from './production-mode';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/client';
import { migrate } from '../prisma/migrate';
import { startLocalPostgres } from '../scripts/lib/local-postgres';
import { freePort } from '../scripts/lib/free-port';
import { createPageWorld, type PageWorld } from '../test/support/page-world';
import { API_QUERIES } from './api';
import { ANSWERED } from './api-answered-queries';
import { round2 } from './measure';
import { startReadOnlyApi } from './start-read-only-api';

const { values: options } = parseArgs({ options: { keep: { type: 'string' }, answers: { type: 'string' }, requests: { type: 'string', default: '200' }, only: { type: 'string' }, sql: { type: 'boolean' }, queries: { type: 'string' } } });
const REQUESTS = Number(options.requests);
const DATABASE = 'scf_api_cpu';
const PAGE_SIZE = 50;

const CALLERS = ['supplier', 'core', 'funder', 'operator'] as const;

/** CPU seconds of the PostgreSQL server and its backends so far (Linux /proc), which share the machine's cores with the API. */
async function postgresCpuMs(dataDir: string): Promise<number> {
  const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  // utime and stime, and for the postmaster also cutime and cstime: the backends that ended in between, which it reaped.
  const ticks = (stat: string, fields: number) => stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 11 + fields).reduce((sum, field) => sum + Number(field), 0);
  let total = ticks(await readFile(`/proc/${postmaster}/stat`, 'utf8'), 4);
  const children = (await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8')).trim().split(' ').filter(Boolean);
  for (const child of children) total += ticks(await readFile(`/proc/${child}/stat`, 'utf8').catch(() => ') x 0 0 0 0 0 0 0 0 0 0 0 0 0'), 2);
  return (total * 1000) / 100;
}

const keep = options.keep;
const baseDir = keep ?? (await mkdtemp(join(tmpdir(), 'scf-api-cpu-')));
await mkdir(baseDir, { recursive: true });
const postgres = await startLocalPostgres({ baseDir, port: await freePort(), durable: false });
let statements = 0;
try {
  await postgres.ensureDatabase(DATABASE);
  const url = postgres.urlFor(DATABASE);
  const worldFile = join(baseDir, 'page-world.json');
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 20 }), log: [{ emit: 'event', level: 'query' }] });
  let shown: string[] | null = null;
  prisma.$on('query', (event) => {
    statements += 1;
    shown?.push(event.query);
  });
  let world: PageWorld;
  if (existsSync(worldFile)) world = JSON.parse(await readFile(worldFile, 'utf8')) as PageWorld;
  else {
    await migrate(url);
    world = await createPageWorld(prisma, { size: PAGE_SIZE });
    await writeFile(worldFile, JSON.stringify(world));
  }
  const api = await startReadOnlyApi(prisma);
  process.stdout.write(`NODE_ENV=${BENCH_NODE_ENV}\n`);
  try {
    const ask = async (token: string, query: string) => {
      const response = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
      return response.text();
    };
    if (options.answers) {
      const answers: Record<string, string> = {};
      for (const caller of CALLERS) for (const [name, query] of Object.entries({ ...ANSWERED, ...API_QUERIES })) answers[`${name} as ${caller}`] = await ask(world[caller].token, query);
      await writeFile(options.answers, `${JSON.stringify(answers, null, 1)}\n`);
      process.stdout.write(`wrote ${Object.keys(answers).length} answers to ${options.answers}\n`);
    }
    // Other queries to measure beside the benchmark's, e.g. parts of a page (`{"name": "query { ... }"}`).
    const measured: Record<string, string> = { ...API_QUERIES, ...(options.queries ? (JSON.parse(await readFile(options.queries, 'utf8')) as Record<string, string>) : {}) };
    for (const [name, query] of Object.entries(measured)) {
      if (options.only && !options.only.split(',').includes(name)) continue;
      if (options.sql) shown = [];
      const first = await ask(world.supplier.token, query);
      if (shown) process.stdout.write(`${name}'s statements:\n${shown.map((sql) => `  ${sql}\n`).join('')}`);
      shown = null;
      if (first.includes('"errors"')) throw new Error(`${name} failed: ${first.slice(0, 500)}`);
      for (let warm = 0; warm < 50; warm += 1) await ask(world.supplier.token, query);
      statements = 0;
      const postgresStarted = await postgresCpuMs(postgres.dataDir);
      const started = process.cpuUsage();
      const wall = performance.now();
      for (let request = 0; request < REQUESTS; request += 1) await ask(world.supplier.token, query);
      const used = process.cpuUsage(started);
      const postgresUsed = (await postgresCpuMs(postgres.dataDir)) - postgresStarted;
      process.stdout.write(
        `${name}: ${round2((used.user + used.system) / 1000 / REQUESTS)} ms CPU per request (${round2((performance.now() - wall) / REQUESTS)} ms wall; PostgreSQL ${round2(postgresUsed / REQUESTS)} ms CPU), ${statements / REQUESTS} statements, ${first.length} bytes\n`,
      );
    }
  } finally {
    await api.close();
    await prisma.$disconnect();
  }
} finally {
  await postgres.stop();
  if (!keep) await rm(baseDir, { recursive: true, force: true });
}
