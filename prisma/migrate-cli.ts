import { loadBankSettingsOrExit } from '../api/config';
import { maskUrl } from '../api/logger';
import { migrate } from './migrate';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('DATABASE_URL is required but not set\n');
  process.exit(1);
}
// The simulator's tables exist only in a database whose processes play the bank with it.
const bank = loadBankSettingsOrExit();
try {
  const result = await migrate(databaseUrl, { bankSimulator: bank.BANK_ADAPTER === 'simulator', log: (line) => process.stdout.write(`${line}\n`) });
  const simulator = result.bankSimulator ? `; bank simulator: ${result.bankSimulator.applied.length} applied, ${result.bankSimulator.alreadyApplied.length} already applied` : '';
  process.stdout.write(`${maskUrl(databaseUrl)}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied${simulator}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
