import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client/client';

export interface PrismaOptions {
  databaseUrl: string;
  poolMax?: number;
}

export function createPrismaClient({ databaseUrl, poolMax = 10 }: PrismaOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolMax });
  return new PrismaClient({ adapter });
}

export { PrismaClient };
export * from './generated/client/client';
