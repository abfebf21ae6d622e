import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPrismaClient } from '../prisma/client';
import { invoiceFingerprint, registryCheck } from '../prisma/stores/receivable-store';
import { createActor } from '../test/support/parties';
import { actorOf, registerDirectly } from '../test/support/receivables';
import type { BenchResult } from './ledger';
import { percentile, round2, timedFor } from './measure';

// The registry check (登记查重) over a registry of a million active invoices, at 32 concurrent
// clients through the store the API calls, beside a primary-key lookup of a registry row through
// the same Prisma client in the same run. The rows are inserted in bulk beforehand, not timed.

export const REGISTRY_CLIENTS = 32;
export const REGISTRY_ROWS = 1_000_000;
const INSERT_CHUNK = 100_000;
const WARM_UP_MS = 2000;
const ROUND_MS = 4000;
const ROUNDS = 3;
/** Every this many rows, one id is kept for the primary-key lookups. */
const ID_SAMPLE_EVERY = 100;

const OBLIGOR_CREDIT_CODE = '91440101MA5CYB2X3H';
const INVOICE_CODE = '4403201130';
const invoiceNumberOf = (index: number) => `B${String(index).padStart(9, '0')}`;

export async function runRegistryBenchmarks(databaseUrl: string, log: (line: string) => void): Promise<BenchResult[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  const prisma = createPrismaClient({ databaseUrl, poolMax: REGISTRY_CLIENTS });
  try {
    // The rows need a receivable to belong to; one registered through the store will do.
    const supplier = await createActor(prisma, { partyRoles: ['SUPPLIER'] });
    const core = await createActor(prisma, { partyRoles: ['CORE_ENTERPRISE'] });
    const receivable = await registerDirectly(prisma, supplier, core.creditCode);
    const viewer = await actorOf(prisma, await createActor(prisma, { partyRoles: ['SUPPLIER'] }));
    log(`inserting ${REGISTRY_ROWS.toLocaleString('en')} registry entries in bulk`);
    const sampledIds: string[] = [];
    for (let start = 0; start < REGISTRY_ROWS; start += INSERT_CHUNK) {
      const ids: string[] = [];
      const fingerprints: string[] = [];
      for (let index = start; index < Math.min(REGISTRY_ROWS, start + INSERT_CHUNK); index += 1) {
        const id = randomUUID();
        ids.push(id);
        if (index % ID_SAMPLE_EVERY === 0) sampledIds.push(id);
        fingerprints.push(invoiceFingerprint(OBLIGOR_CREDIT_CODE, INVOICE_CODE, invoiceNumberOf(index)));
      }
      await pool.query(
        `INSERT INTO registry_entry (id, fingerprint, receivable_id, registration_number)
         SELECT id, fingerprint, $3::uuid, $4 FROM unnest($1::uuid[], $2::text[]) AS row(id, fingerprint)`,
        [ids, fingerprints, receivable.id, receivable.registrationNumber],
      );
    }
    // As autovacuum would in time: statistics for the planner and a visibility map.
    await pool.query('VACUUM ANALYZE registry_entry');

    const check = () => {
      const index = Math.floor(Math.random() * REGISTRY_ROWS);
      return registryCheck(prisma, viewer, OBLIGOR_CREDIT_CODE, INVOICE_CODE, invoiceNumberOf(index)).then((answer) => {
        if (!answer.encumbered) throw new Error(`the registry check missed invoice ${invoiceNumberOf(index)}`);
      });
    };
    const byPrimaryKey = () => prisma.registryEntry.findUnique({ where: { id: sampledIds[Math.floor(Math.random() * sampledIds.length)]! } });
    const contenders: Record<string, () => Promise<unknown>> = { check, byPrimaryKey };
    log(`warming up (${WARM_UP_MS} ms each)`);
    for (const operation of Object.values(contenders)) await timedFor(WARM_UP_MS, REGISTRY_CLIENTS, operation);
    const samples: Record<string, number[]> = { check: [], byPrimaryKey: [] };
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const [name, operation] of Object.entries(contenders)) samples[name]!.push(...(await timedFor(ROUND_MS, REGISTRY_CLIENTS, operation)));
      log(`registry, round ${round}/${ROUNDS}: ${Object.entries(samples).map(([name, values]) => `${name} p99 ${round2(percentile(values, 0.99))} ms (${values.length})`).join(', ')}`);
    }
    const p99 = (name: string) => percentile(samples[name]!, 0.99);
    const p50 = (name: string) => percentile(samples[name]!, 0.5);
    return [
      {
        name: 'registry.check.p99',
        value: round2(p99('check')),
        unit: 'ms',
        baseline: round2(p99('byPrimaryKey')),
        ratio: round2(p99('check') / p99('byPrimaryKey')),
        note: `${REGISTRY_ROWS.toLocaleString('en')} active entries, ${REGISTRY_CLIENTS} clients, the store over Prisma; p50 ${round2(p50('check'))} ms (baseline p50 ${round2(p50('byPrimaryKey'))} ms); baseline: a registry row by primary key (target ratio <= 2)`,
      },
    ];
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}
