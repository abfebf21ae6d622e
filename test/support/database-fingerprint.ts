import type { PrismaClient } from '../../prisma/client';

/**
 * Written in the background by the event relay (api/event-relay.ts), which publishes what other
 * tables' changes committed, whenever it gets to them: a change to them alone is no write of the
 * caller's, and any write that causes events shows in its own table.
 */
const RELAYED_TABLES = ['domain_event', 'domain_event_outbox', 'domain_event_relay'];

/**
 * A digest of every row of every table, one per table: equal fingerprints mean nothing was
 * written, created or deleted in between. For the small databases of the tests only (it reads
 * every row).
 */
export async function databaseFingerprint(prisma: PrismaClient): Promise<Map<string, string>> {
  const tables = await prisma.$queryRaw<Array<{ name: string }>>`
    SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
     ORDER BY table_name`;
  const fingerprinted = tables.filter(({ name }) => !RELAYED_TABLES.includes(name));
  const parts = fingerprinted.map(({ name }) => {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    return `SELECT '${name.replace(/'/g, "''")}' AS name, count(*)::text || ':' || coalesce(md5(string_agg(row_text, '|' ORDER BY row_text)), '') AS digest FROM (SELECT t::text AS row_text FROM ${quoted} t) rows`;
  });
  const rows = await prisma.$queryRawUnsafe<Array<{ name: string; digest: string }>>(parts.join(' UNION ALL '));
  return new Map(rows.map((row) => [row.name, row.digest]));
}

/** The tables whose digest differs between two fingerprints. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}
