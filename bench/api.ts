import { createPrismaClient } from '../prisma/client';
import { createPageWorld } from '../test/support/page-world';
import type { BenchResult } from './ledger';
import { percentile, round2, timedFor } from './measure';
import { apiNodeFlagsOr, spawnReadOnlyApi, type SpawnedApi } from './spawn-read-only-api';

// The API's page latency (docs/performance.md): a page of 50 receivables and of 50 financings
// with their nested fields, at 32 concurrent clients over real HTTP against the real API server
// (startApiServer: the request gate, authentication, rate limit, Yoga and Pothos) in a process of
// its own with the API's deployed Node flags (api/node-flags.ts), beside
// `{ viewer { user { id } } }` (the same path with the least work) in the same run. The book is built
// through the stores beforehand, not timed (test/support/page-world.ts).

export const API_CLIENTS = 32;
const PAGE_SIZE = 50;
const WARM_UP_MS = 2000;
const ROUND_MS = 4000;
const ROUNDS = 3;
/** Clients asking for the viewer while the pages are asked for. */
const VIEWERS_BESIDE_PAGES = 4;

const MONEY = 'amount currency';
const COUNTERPARTY = 'partyId legalName creditCode';
const RECEIVABLES_PAGE = `query { receivables(first: ${PAGE_SIZE}) { totalCount edges { node {
  id registrationNumber status contractNumber dueDate faceAmount { ${MONEY} } confirmedAmount { ${MONEY} }
  supplier { ${COUNTERPARTY} } obligor { ${COUNTERPARTY} }
  invoices { lineNumber invoiceCode invoiceNumber amount { ${MONEY} } issueDate }
  latestFinancing { id financingNumber status principal { ${MONEY} } outstanding { total { ${MONEY} } } } } } } }`;
const FINANCINGS_PAGE = `query { financings(first: ${PAGE_SIZE}) { totalCount edges { node {
  id financingNumber status principal { ${MONEY} } interest { ${MONEY} } fees { ${MONEY} } netDisbursement { ${MONEY} }
  repaymentAtMaturity { ${MONEY} } effectiveAnnualRate valueDate dueDate disbursed { ${MONEY} }
  outstanding { total { ${MONEY} } } repaid { total { ${MONEY} } }
  supplier { ${COUNTERPARTY} } funder { ${COUNTERPARTY} } obligor { ${COUNTERPARTY} }
  receivable { id registrationNumber invoices { invoiceNumber amount { ${MONEY} } } }
  ledgerTransactions(first: 5) { totalCount edges { node { id code entries { direction amount { ${MONEY} } } } } } } } } }`;
// Viewer has no id of its own: its user's id is the least a caller can ask of it (one primary-key read).
const VIEWER = 'query { viewer { user { id } } }';
/** The three queries the benchmark times (bench/api-cpu.ts measures their CPU one at a time). */
export const API_QUERIES = { viewer: VIEWER, receivables: RECEIVABLES_PAGE, financings: FINANCINGS_PAGE };

export async function runApiBenchmarks(databaseUrl: string, log: (line: string) => void): Promise<BenchResult[]> {
  const prisma = createPrismaClient({ databaseUrl, poolMax: 20 });
  let api: SpawnedApi | undefined;
  try {
    log(`building a book of ${PAGE_SIZE} disbursed financings through the stores`);
    const world = await createPageWorld(prisma, { size: PAGE_SIZE });
    // BENCH_API_NODE_FLAGS ('' for none) measures the pages with other Node flags than the API's deployed ones.
    api = await spawnReadOnlyApi(new URL('..', import.meta.url).pathname, databaseUrl, apiNodeFlagsOr(process.env.BENCH_API_NODE_FLAGS));
    const { url } = api;
    const request = (query: string) => async () => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${world.supplier.token}` }, body: JSON.stringify({ query }) });
      const body = (await response.json()) as { data?: Record<string, { edges?: unknown[] }>; errors?: unknown };
      if (!response.ok || body.errors) throw new Error(`the benchmark's query failed (${response.status}): ${JSON.stringify(body.errors)}`);
    };
    const contenders: Record<string, () => Promise<void>> = Object.fromEntries(Object.entries(API_QUERIES).map(([name, query]) => [name, request(query)]));
    log(`warming up (${WARM_UP_MS} ms each)`);
    for (const operation of Object.values(contenders)) await timedFor(WARM_UP_MS, API_CLIENTS, operation);
    // Rounds alternate, so that a noisy neighbour on the machine hits all three alike.
    const samples: Record<string, number[]> = { viewer: [], receivables: [], financings: [] };
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const [name, operation] of Object.entries(contenders)) samples[name]!.push(...(await timedFor(ROUND_MS, API_CLIENTS, operation)));
      log(`pages, round ${round}/${ROUNDS}: ${Object.entries(samples).map(([name, values]) => `${name} p99 ${round2(percentile(values, 0.99))} ms (${values.length})`).join(', ')}`);
    }
    // The viewer again, a few clients of it asking while the 32 clients ask for financings pages:
    // what a light request waits while the API is busy with pages.
    const [besidePages] = await Promise.all([timedFor(ROUND_MS, VIEWERS_BESIDE_PAGES, contenders.viewer!), timedFor(ROUND_MS, API_CLIENTS, contenders.financings!)]);
    log(`the viewer beside financings pages: p99 ${round2(percentile(besidePages, 0.99))} ms, p50 ${round2(percentile(besidePages, 0.5))} ms (${besidePages.length})`);
    const p99 = (name: string) => percentile(samples[name]!, 0.99);
    const p50 = (name: string) => percentile(samples[name]!, 0.5);
    const page = (name: 'receivables' | 'financings', what: string): BenchResult => ({
      name: `api.${name}_page.p99`,
      value: round2(p99(name)),
      unit: 'ms',
      baseline: round2(p99('viewer')),
      ratio: round2(p99(name) / p99('viewer')),
      note: `page of ${PAGE_SIZE} (${what}), ${API_CLIENTS} clients over HTTP; p50 ${round2(p50(name))} ms (baseline p50 ${round2(p50('viewer'))} ms); baseline: { viewer { user { id } } } (target ratio <= 3)`,
    });
    const beside: BenchResult = {
      name: 'api.viewer_beside_pages.p99',
      value: round2(percentile(besidePages, 0.99)),
      unit: 'ms',
      baseline: round2(p99('viewer')),
      ratio: round2(percentile(besidePages, 0.99) / p99('viewer')),
      note: `{ viewer { user { id } } } from ${VIEWERS_BESIDE_PAGES} clients while ${API_CLIENTS} others ask for financings pages; p50 ${round2(percentile(besidePages, 0.5))} ms; baseline: the viewer's p99 alone at ${API_CLIENTS} clients (no target: the lower the better)`,
    };
    return [page('receivables', 'invoices, counterparties, figures, latest financing'), page('financings', 'receivable and its invoices, counterparties, figures, 5 ledger transactions'), beside];
  } finally {
    await api?.stop();
    await prisma.$disconnect();
  }
}
