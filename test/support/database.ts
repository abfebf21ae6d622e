import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../prisma/client';

export interface TestDatabase {
  name: string;
  url: string;
  prisma: PrismaClient;
  /** A raw connection for tests that bypass the application on purpose. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** How far ahead of the database's clock a test whose workflow clock skips days may post (the time-skipping tests' workflows run for months). */
export const SKIPPING_CLOCK_LEAD_MAX = '800 days';

/**
 * A fresh, fully migrated database for one test file, cloned from the template in
 * milliseconds. `effectiveAtLeadMax` sets how far ahead of the database's clock a posting's
 * effective time may be (ledger.effective_at_lead_max; five minutes unless set, as in
 * production): a test on the time-skipping server, whose activities post at the workflow's
 * clock days ahead of the database's, sets SKIPPING_CLOCK_LEAD_MAX.
 */
export async function createTestDatabase({ migrated = true, effectiveAtLeadMax }: { migrated?: boolean; effectiveAtLeadMax?: string } = {}): Promise<TestDatabase> {
  const name = `scf_test_${randomBytes(6).toString('hex')}`;
  const template = inject('pgTemplateDatabase');
  await admin((client) => client.query(migrated ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`));
  // Before any connection: a database's settings apply to the sessions that start after them.
  if (effectiveAtLeadMax) await admin((client) => client.query(`ALTER DATABASE "${name}" SET ledger.effective_at_lead_max = '${effectiveAtLeadMax.replace(/'/g, "''")}'`));
  const url = inject('pgAdminUrl').replace(/\/postgres$/, `/${name}`);
  const prisma = createPrismaClient({ databaseUrl: url, poolMax: 20 });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client the server closes (the database dropped, the cluster stopping at the end of
  // the run) emits 'error'; without a listener that is an unhandled error in whichever test runs.
  pool.on('error', () => undefined);
  return {
    name,
    url,
    prisma,
    query: (sql, params) => pool.query(sql, params as unknown[]),
    async drop() {
      await prisma.$disconnect();
      await pool.end();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
