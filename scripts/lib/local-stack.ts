import { join, relative, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { maskUrl } from '../../api/logger';
import { migrate } from '../../prisma/migrate';
import { LocalPostgresError, startLocalPostgres, type LocalPostgres } from './local-postgres';
import { ROOT, temporalExecutable } from './temporal-tools';

// LOCAL_DATA_DIR moves the whole local state elsewhere: the resilience tests run `npm start`
// on a folder of their own, so that cutting its power never touches a developer's data.
export const DATA_DIR = process.env.LOCAL_DATA_DIR ? resolve(process.env.LOCAL_DATA_DIR) : join(ROOT, '.data');
export const RUN_LOCK_PATH = join(DATA_DIR, 'run.lock');
export const DEV_TOKENS_PATH = join(DATA_DIR, 'dev-tokens.json');

export const LOCAL_POSTGRES_PORT = Number(process.env.LOCAL_POSTGRES_PORT ?? 54329);
export const LOCAL_TEMPORAL_PORT = Number(process.env.LOCAL_TEMPORAL_PORT ?? 7233);
export const LOCAL_TEMPORAL_UI_PORT = Number(process.env.LOCAL_TEMPORAL_UI_PORT ?? 8233);
export const LOCAL_DATABASE = 'scf';

export interface LocalStack {
  databaseUrl: string;
  temporalAddress?: string;
  temporalUiUrl?: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL: DATABASE_URL if set, else the embedded cluster under .data/postgres (or, as root
 * in a folder the `postgres` user cannot enter, under STATE_ROOT: see local-postgres.ts). Then
 * migrations: the product's, and the bank simulator's where it is the bank.
 */
export async function startDatabase(log: (line: string) => void, { bankSimulator }: { bankSimulator: boolean }): Promise<{ databaseUrl: string; dataDir?: string; stop(): Promise<void> }> {
  let postgres: LocalPostgres | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    log(`using PostgreSQL at ${maskUrl(databaseUrl)}`);
  } else {
    log(`starting embedded PostgreSQL on 127.0.0.1:${LOCAL_POSTGRES_PORT}`);
    try {
      postgres = await startLocalPostgres({ baseDir: join(DATA_DIR, 'postgres'), port: LOCAL_POSTGRES_PORT, durable: true });
    } catch (error) {
      throw error instanceof LocalPostgresError ? error.orElse('set DATABASE_URL to a PostgreSQL of your own') : error;
    }
    log(
      postgres.relocated
        ? `PostgreSQL data in ${postgres.dataDir} (it runs as the postgres user, which cannot enter this folder; delete that folder to discard the data)`
        : `PostgreSQL data in ${relative(ROOT, postgres.dataDir)}`,
    );
    try {
      await postgres.ensureDatabase(LOCAL_DATABASE);
    } catch (error) {
      await postgres.stop();
      throw error;
    }
    databaseUrl = postgres.urlFor(LOCAL_DATABASE);
  }
  const stop = () => postgres?.stop() ?? Promise.resolve();
  try {
    const result = await migrate(databaseUrl, { bankSimulator, log });
    const simulator = result.bankSimulator ? `; bank simulator: ${result.bankSimulator.applied.length} applied now, ${result.bankSimulator.alreadyApplied.length} already applied` : '';
    log(`migrations: ${result.applied.length} applied now, ${result.alreadyApplied.length} already applied${simulator}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { databaseUrl, dataDir: postgres?.dataDir, stop };
}

/** Temporal: TEMPORAL_ADDRESS if set, else a dev server keeping its state in .data/temporal.db. */
export async function startTemporal(log: (line: string) => void): Promise<{ address: string; uiUrl?: string; stop(): Promise<void> }> {
  const external = process.env.TEMPORAL_ADDRESS;
  if (external) {
    log(`using Temporal at ${external}`);
    return { address: external, uiUrl: process.env.TEMPORAL_UI_URL, stop: () => Promise.resolve() };
  }
  log(`starting Temporal dev server on 127.0.0.1:${LOCAL_TEMPORAL_PORT} (state in ${relative(ROOT, join(DATA_DIR, 'temporal.db'))})`);
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: temporalExecutable('cli'),
        ip: '127.0.0.1',
        port: LOCAL_TEMPORAL_PORT,
        ui: true,
        uiPort: LOCAL_TEMPORAL_UI_PORT,
        dbFilename: join(DATA_DIR, 'temporal.db'),
        log: { format: 'json', level: 'error' },
      },
    });
  } catch (error) {
    throw new Error(`the Temporal dev server did not start on port ${LOCAL_TEMPORAL_PORT} (is it in use?): ${(error as Error).message}`, { cause: error });
  }
  return {
    address: `127.0.0.1:${LOCAL_TEMPORAL_PORT}`,
    uiUrl: `http://127.0.0.1:${LOCAL_TEMPORAL_UI_PORT}`,
    stop: () => env.teardown(),
  };
}
