import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopWhenInterrupted } from '../bench/interrupt';

// `npm run bench` interrupted stops what it started, the last started first, and ends with the
// signal's status (bench/interrupt.ts); a stop asked for twice runs once.

async function interrupted(signal: 'SIGINT' | 'SIGTERM', ...flags: string[]): Promise<{ status: number | null; stopped: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'scf-interrupt-'));
  try {
    const file = join(dir, 'stopped.txt');
    const run = spawn(process.execPath, ['--import', 'tsx', new URL('./support/interruptible-run.ts', import.meta.url).pathname, file, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = '';
    for await (const chunk of run.stdout) {
      printed += String(chunk);
      if (printed.includes('ready')) break;
    }
    const exited = once(run, 'exit');
    run.kill(signal);
    const [status] = (await exited) as [number | null];
    const stopped = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { status, stopped };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('an interrupted benchmark run', () => {
  it('stops what it started, the last first, and ends with the status of SIGINT', async () => {
    expect(await interrupted('SIGINT')).toEqual({ status: 130, stopped: ['started second', 'started first'] });
  });

  it('does not stop again what its own finally already stopped, and ends with the status of SIGTERM', async () => {
    expect(await interrupted('SIGTERM', '--second-already-stopped')).toEqual({ status: 143, stopped: ['started second', 'started first'] });
  });

  it('runs a stop asked for twice at once only once', async () => {
    let runs = 0;
    const stop = stopWhenInterrupted(async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    await Promise.all([stop(), stop()]);
    await stop();
    expect(runs).toBe(1);
  });
});
