// The read-only API of one checkout (its own modules, imported by path) as a process of its own,
// for bench/api.ts and bench/api-cpu-compare.ts: `<checkout> <database url>`; prints `URL <graphql
// url>` once it listens, and stops on SIGTERM or when its standard input ends: the process that
// started it holds the other end, so a benchmark killed before it could stop the server takes the
// server with it. Its modules are the checkout's, so two builds can run side by side.
import type * as ClientModule from '../prisma/client';
import type * as StartModule from './start-read-only-api';

const [checkout, databaseUrl] = process.argv.slice(2);
if (!checkout || !databaseUrl) throw new Error('usage: serve-read-only-api.ts <checkout> <database url>');
await import(`${checkout}/bench/production-mode.ts`);

const { createPrismaClient } = (await import(`${checkout}/prisma/client.ts`)) as typeof ClientModule;
const { startReadOnlyApi } = (await import(`${checkout}/bench/start-read-only-api.ts`)) as typeof StartModule;
const prisma = createPrismaClient({ databaseUrl, poolMax: 20 });
const api = await startReadOnlyApi(prisma);
process.stdout.write(`URL ${api.url}\n`);
const stop = () => {
  void api
    .close()
    .then(() => prisma.$disconnect())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.stdin.once('end', stop).resume();
