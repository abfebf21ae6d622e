// Two builds of the API compared on the same machine state (docs/performance.md, "API pages"):
// on a shared machine the CPU of one request moves by 30% or more between runs minutes apart, more
// than most changes. So both builds run at once, each as its own server process over the same
// kept page book (`bench/api-cpu.ts --keep <folder>` builds it), and the client alternates
// batches of requests between them, reading each server's own CPU time from /proc; the figure
// is the mean of the per-round ratios B/A, each pair of batches taken seconds apart. First it
// compares every answer of both builds, as each caller of the book sees it, byte for byte.
//
//
// Each server runs with the API's deployed Node flags (api/node-flags.ts) unless `--a-flags` or
// `--b-flags` name others ('' for none), so one build can be compared with itself under two
// settings. `--clients` sends each batch from that many concurrent clients instead of one
// request at a time: what the garbage collector costs depends on how many requests are in flight.
//
//   npx tsx bench/api-cpu-compare.ts --a /path/to/main --b . --keep /tmp/scf-api-cpu [--rounds 12] [--batch 50] [--only financings] [--clients 32] [--a-flags ''] [--b-flags=--max-semi-space-size=64]
import './production-mode';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalPostgres } from '../scripts/lib/local-postgres';
import { freePort } from '../scripts/lib/free-port';
import type { PageWorld } from '../test/support/page-world';
import { API_QUERIES } from './api';
import { percentile } from './measure';
import { ANSWERED } from './api-answered-queries';
import { apiNodeFlagsOr, spawnReadOnlyApi, type SpawnedApi } from './spawn-read-only-api';

const { values: options } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string' }, keep: { type: 'string' }, rounds: { type: 'string', default: '12' }, batch: { type: 'string', default: '50' }, only: { type: 'string' }, clients: { type: 'string', default: '1' }, 'a-flags': { type: 'string' }, 'b-flags': { type: 'string' } } });
if (!options.a || !options.b || !options.keep) throw new Error('usage: api-cpu-compare.ts --a <checkout> --b <checkout> --keep <folder of bench/api-cpu.ts --keep>');
const ROUNDS = Number(options.rounds);
const BATCH = Number(options.batch);
const CLIENTS = Number(options.clients);
// The viewer costs a sixth of a page: more of them per batch, so that /proc's 10 ms ticks stay small beside the batch.
const VIEWER_BATCH_FACTOR = 4;
const WARM_UP_REQUESTS = 60;
const CALLERS = ['supplier', 'core', 'funder', 'operator'] as const;

/** A memory figure of a process from /proc/<pid>/status, in MiB. */
async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kib) / 1024);
}

/** User and system CPU of a process so far, from /proc (ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const postgres = await startLocalPostgres({ baseDir: options.keep, port: await freePort(), durable: false });
const servers: SpawnedApi[] = [];
try {
  const databaseUrl = postgres.urlFor('scf_api_cpu');
  const world = JSON.parse(await readFile(join(options.keep, 'page-world.json'), 'utf8')) as PageWorld;
  const builds = { A: await spawnReadOnlyApi(options.a, databaseUrl, apiNodeFlagsOr(options['a-flags'])), B: await spawnReadOnlyApi(options.b, databaseUrl, apiNodeFlagsOr(options['b-flags'])) };
  servers.push(builds.A, builds.B);
  const ask = async (url: string, token: string, query: string) =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) })).text();

  let differing = 0;
  const compared = { ...API_QUERIES, ...Object.fromEntries(Object.entries(ANSWERED).map(([name, query]) => [`${name} (every field)`, query])) };
  for (const caller of CALLERS) {
    for (const [name, query] of Object.entries(compared)) {
      const [a, b] = [await ask(builds.A.url, world[caller].token, query), await ask(builds.B.url, world[caller].token, query)];
      if (a !== b) {
        differing += 1;
        process.stdout.write(`DIFFERENT: ${name} as ${caller}\n  A: ${a.slice(0, 300)}\n  B: ${b.slice(0, 300)}\n`);
      }
    }
  }
  process.stdout.write(`answers: ${CALLERS.length * Object.keys(compared).length - differing} the same, ${differing} different\n`);

  const names = Object.keys(API_QUERIES).filter((name) => !options.only || options.only.split(',').includes(name)) as Array<keyof typeof API_QUERIES>;
  for (const name of names) for (const build of Object.values(builds)) for (let request = 0; request < WARM_UP_REQUESTS; request += 1) await ask(build.url, world.supplier.token, API_QUERIES[name]);
  const perRequest: Record<string, { A: number[]; B: number[] }> = {};
  const latencies: Record<string, { A: number[]; B: number[] }> = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which build goes first, so that neither always follows the other.
    const order = round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const);
    for (const name of names) {
      const requests = name === 'viewer' ? BATCH * VIEWER_BATCH_FACTOR : BATCH;
      for (const build of order) {
        const { process: server, url } = builds[build];
        const before = await cpuMs(server.pid!);
        let left = requests;
        await Promise.all(Array.from({ length: Math.min(CLIENTS, requests) }, async () => {
          while (left > 0) {
            left -= 1;
            const started = performance.now();
            await ask(url, world.supplier.token, API_QUERIES[name]);
            (latencies[name] ??= { A: [], B: [] })[build].push(performance.now() - started);
          }
        }));
        (perRequest[name] ??= { A: [], B: [] })[build].push(((await cpuMs(server.pid!)) - before) / requests);
      }
    }
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  for (const name of names) {
    const { A, B } = perRequest[name]!;
    const ratios = A.map((a, round) => B[round]! / a);
    const ratio = mean(ratios);
    const standardError = Math.sqrt(ratios.reduce((sum, value) => sum + (value - ratio) ** 2, 0) / (ratios.length - 1) / ratios.length);
    const p99 = (build: 'A' | 'B') => percentile(latencies[name]![build], 0.99).toFixed(1);
    process.stdout.write(`${name}: A ${mean(A).toFixed(2)} ms, B ${mean(B).toFixed(2)} ms of the server's CPU per request; B/A ${ratio.toFixed(3)} ± ${standardError.toFixed(3)} (mean of ${ROUNDS} rounds' ratios, standard error); p99 A ${p99('A')} ms, B ${p99('B')} ms at ${CLIENTS} client(s)\n`);
  }
  for (const [build, { process: server }] of Object.entries(builds)) process.stdout.write(`${build}: RSS ${await statusMiB(server.pid!, 'VmRSS')} MiB, peak ${await statusMiB(server.pid!, 'VmHWM')} MiB\n`);
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await postgres.stop();
}
