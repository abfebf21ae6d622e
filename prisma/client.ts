import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client/client';

export interface PrismaOptions {
  databaseUrl: string;
  poolMax?: number;
}

// The connection string each client was made with: LISTEN needs a connection of its own, outside
// the pool (api/event-hub.ts), to the same database.
const DATABASE_URLS = new WeakMap<PrismaClient, string>();

export function createPrismaClient({ databaseUrl, poolMax = 10 }: PrismaOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolMax });
  const client = new PrismaClient({ adapter });
  DATABASE_URLS.set(client, databaseUrl);
  return client;
}

/** The database a client made by createPrismaClient connects to; null for any other client. */
export function databaseUrlOf(client: PrismaClient): string | null {
  return DATABASE_URLS.get(client) ?? null;
}

export { PrismaClient };
export * from './generated/client/client';
