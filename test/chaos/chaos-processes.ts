import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { API_NODE_FLAGS } from '../../api/node-flags';
import { temporalExecutable } from '../../scripts/lib/temporal-tools';

// The processes the resilience tests kill: each a real child process, started the way it is
// deployed (the API's and the worker's own entry points, the Temporal CLI's dev server),
// killed with SIGKILL unless a scenario says otherwise, and started again on the same state.

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const READY_TIMEOUT_MS = 120_000;

/** Starts a process and resolves once a line of its standard output contains `readyWhen`. */
export async function startProcess(args: string[], env: Record<string, string>, readyWhen: string, options: { detached?: boolean; command?: string; logFile?: string } = {}): Promise<ChildProcess> {
  const child = spawn(options.command ?? process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let tail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-2000);
  });
  await new Promise<void>((ready, failed) => {
    const timer = setTimeout(() => failed(new Error(`${args.join(' ')} was not ready within ${READY_TIMEOUT_MS} ms: ${tail}`)), READY_TIMEOUT_MS);
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4000);
      if (seen.includes(readyWhen)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      failed(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready: ${tail}${seen.slice(-1000)}`));
    });
  });
  // Keep draining its output, or a chatty process blocks on a full pipe; with `logFile` it is
  // kept there (appended across restarts), for tracing what a client saw back to its cause.
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  } else child.stdout.resume();
  return child;
}

/** SIGKILL (or `signal`) to the process, or to its whole process group; resolves once it is gone. */
export async function killProcess(child: ChildProcess, { group = false, signal }: { group?: boolean; signal?: NodeJS.Signals } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  if (group) process.kill(-child.pid!, signal ?? 'SIGKILL');
  else child.kill(signal ?? 'SIGKILL');
  await gone;
}

/** The API process (api/main.ts) on `port`. */
export function startApiProcess(env: Record<string, string>, logFile?: string): Promise<ChildProcess> {
  return startProcess([...API_NODE_FLAGS, '--import', 'tsx', resolve(ROOT, 'api/main.ts')], { NODE_ENV: 'development', LOG_LEVEL: 'info', ...env }, 'API listening', { logFile });
}

/** The worker (test/support/worker-process.ts, with the inbound poller and the wake-up delivery) on a prepared bundle. */
export function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  return startProcess(['--import', 'tsx', resolve(ROOT, 'test/support/worker-process.ts')], { LOG_LEVEL: 'silent', BANK_POLL_INTERVAL_MS: '500', ...env }, 'worker ready');
}

/** The Temporal CLI's dev server, keeping its state in `dbFile` so that a restart resumes it. */
export async function startTemporalServer(port: number, dbFile: string): Promise<ChildProcess> {
  const executable = temporalExecutable('cli');
  if (executable.type !== 'existing-path') throw new Error('the Temporal CLI is not installed: run `node scripts/bootstrap.mjs --for-tests`');
  const child = spawn(executable.path, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', dbFile, '--log-level', 'error'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return child;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resume) => setTimeout(resume, 250));
    }
  }
}
