import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { basename, dirname } from 'node:path';

// Enough of a failing program's output to show why it failed, not its whole log.
const TAIL_LINES_MAX = 20;

export interface ProgramEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program never ran: one sentence saying why. */
  startError?: string;
}

export interface LaunchedProgram {
  child: ChildProcess;
  /** Settles once the program has ended or could not start; it never rejects. */
  ended: Promise<ProgramEnd>;
  /** The last lines the program wrote (stdout and stderr), oldest first. */
  tail(): string[];
}

function startErrorSentence(file: string, error: NodeJS.ErrnoException): string {
  const where = `${basename(file)} in ${dirname(file)}`;
  switch (error.code) {
    case 'EACCES':
      return `${where} could not be run (permission denied; its file system may be mounted noexec, or a folder on the way is closed to the user it runs as)`;
    case 'ENOENT':
      return `${where} could not be run (it or its working folder does not exist)`;
    default:
      return `${where} could not be run (${error.code ?? error.message})`;
  }
}

/**
 * Spawns a program with an `error` listener in place from the start: a program that cannot be
 * started (not executable, not reachable, missing) otherwise raises an `error` event that
 * nothing handles, and Node ends the whole process with a stack trace instead of a sentence.
 */
export function launchProgram(file: string, args: string[], options: SpawnOptions & { onLine?: (line: string) => void }): LaunchedProgram {
  const { onLine, ...spawnOptions } = options;
  const lines: string[] = [];
  const child = spawn(file, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = new Promise<ProgramEnd>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, startError: startErrorSentence(file, error) }));
    // `close` rather than `exit`: the last lines of output arrive between the two.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    const take = (line: string) => {
      lines.push(line);
      if (lines.length > TAIL_LINES_MAX) lines.shift();
      onLine?.(line);
    };
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      parts.forEach(take);
    });
    stream?.on('end', () => {
      if (partial) take(partial);
      partial = '';
    });
  }
  return { child, ended, tail: () => [...lines] };
}
