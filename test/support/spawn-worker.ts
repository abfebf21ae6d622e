import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { inject } from 'vitest';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/**
 * Starts test/support/worker-process.ts in a process of its own on the test database and
 * task queue, and resolves once it says it is ready. `env` adds to its environment (see the
 * variables that file reads).
 */
export async function spawnWorker(databaseUrl: string, taskQueue: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'test/support/worker-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue, WORKFLOW_BUNDLE: inject('workflowBundlePath'), LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready, failed) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) ready();
    });
    child.once('exit', (code) => failed(new Error(`the worker exited with ${code} before it was ready`)));
  });
  return child;
}

/** SIGKILL: no shutdown, no goodbye; resolves once the process is gone. */
export async function killWorker(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}
