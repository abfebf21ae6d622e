import { maskUrl } from '../api/logger';
import { migrate } from './migrate';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('DATABASE_URL is required but not set\n');
  process.exit(1);
}
try {
  const result = await migrate(databaseUrl, { log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`${maskUrl(databaseUrl)}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
