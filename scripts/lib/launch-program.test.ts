import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProgram } from './launch-program';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scf-launch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('launchProgram', () => {
  it('turns a program that cannot be run into one sentence instead of an unhandled error event', async () => {
    const notExecutable = join(dir, 'initdb');
    await writeFile(notExecutable, '#!/bin/sh\nexit 0\n');
    await chmod(notExecutable, 0o644);
    // Node ends the process on an `error` event nobody listens to; vitest would report it here.
    const end = await launchProgram(notExecutable, [], {}).ended;
    expect(end.startError).toBe(
      `initdb in ${dir} could not be run (permission denied; its file system may be mounted noexec, or a folder on the way is closed to the user it runs as)`,
    );
    expect(end.code).toBeNull();
  });

  it('names a missing program', async () => {
    const end = await launchProgram(join(dir, 'postgres'), [], {}).ended;
    expect(end.startError).toBe(`postgres in ${dir} could not be run (it or its working folder does not exist)`);
  });

  it('reports the exit code and keeps the last lines of output, the unterminated last one included', async () => {
    const seen: string[] = [];
    const program = launchProgram('/bin/sh', ['-c', 'for i in $(seq 1 30); do echo "line $i" >&2; done; printf "FATAL:  no way" >&2; exit 3'], { onLine: (line) => seen.push(line) });
    const end = await program.ended;
    expect(end).toEqual({ code: 3, signal: null });
    expect(seen).toHaveLength(31);
    expect(program.tail()).toHaveLength(20);
    expect(program.tail().at(-1)).toBe('FATAL:  no way');
    expect(program.tail()[0]).toBe('line 12');
  });
});
