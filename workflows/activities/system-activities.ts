import type { PrismaClient } from '../../prisma/client';
import type { DatabaseCheck } from '../contracts/system-check';

export function createSystemActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    async checkDatabase(): Promise<DatabaseCheck> {
      const [version] = await prisma.$queryRaw<{ server_version: string }[]>`SELECT current_setting('server_version') AS server_version`;
      const migrations = await prisma.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`;
      return {
        serverVersion: version?.server_version ?? 'unknown',
        appliedMigrations: migrations.length,
        latestMigration: migrations.at(-1)?.migration_name ?? null,
        checkedAt: new Date(),
      };
    },
  };
}
