// `npm run seed`: creates the development cast where missing and issues each seeded user a
// fresh API token. Uses DATABASE_URL if set; else the embedded PostgreSQL of a running
// `npm start`; else starts that embedded PostgreSQL just for this.
import { writeFileSync } from 'node:fs';
import { DEVELOPMENT_PEPPER, loadBankSettingsOrExit } from '../api/config';
import { maskUrl } from '../api/logger';
import { createPrismaClient } from '../prisma/client';
import { migrate } from '../prisma/migrate';
import { formatTokens, seedDevelopmentData } from '../prisma/seed';
import { DEV_TOKENS_PATH, LOCAL_POSTGRES_PORT, RUN_LOCK_PATH, startDatabase } from './lib/local-stack';
import { readRunLock } from './lib/run-lock';

const say = (line: string) => process.stdout.write(`[seed] ${line}\n`);
const pepper = process.env.API_KEY_PEPPER ?? DEVELOPMENT_PEPPER;
// The same database `npm start` uses: with the simulator's tables where it is the bank.
const bankSimulator = loadBankSettingsOrExit().BANK_ADAPTER === 'simulator';

let databaseUrl = process.env.DATABASE_URL;
let stop = () => Promise.resolve();
if (!databaseUrl && readRunLock(RUN_LOCK_PATH)) {
  databaseUrl = `postgresql://scf:scf-local@127.0.0.1:${LOCAL_POSTGRES_PORT}/scf`;
  say('using the embedded PostgreSQL of the running `npm start`');
  await migrate(databaseUrl, { bankSimulator });
} else {
  const database = await startDatabase(say, { bankSimulator });
  databaseUrl = database.databaseUrl;
  stop = () => database.stop();
}

const prisma = createPrismaClient({ databaseUrl });
try {
  const tokens = await seedDevelopmentData(prisma, pepper);
  if (!process.env.DATABASE_URL) writeFileSync(DEV_TOKENS_PATH, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  say(`seeded ${maskUrl(databaseUrl)}`);
  process.stdout.write(`${formatTokens(tokens)}\n`);
} finally {
  await prisma.$disconnect();
  await stop();
}
