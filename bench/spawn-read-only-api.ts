import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { API_NODE_FLAGS } from '../api/node-flags';
import { stopWhenInterrupted } from './interrupt';
import { BENCH_NODE_ENV } from './production-mode';

export interface SpawnedApi {
  process: ChildProcess;
  url: string;
  /** SIGTERM, then the process's exit. */
  stop(): Promise<void>;
}

/** Node flags given as one string (space-separated, '' for none), or the API's deployed ones when not given. */
export function apiNodeFlagsOr(given: string | undefined): readonly string[] {
  return given === undefined ? API_NODE_FLAGS : given.split(' ').filter(Boolean);
}

/**
 * The read-only API of a checkout (bench/serve-read-only-api.ts) as a process of its own, with the
 * Node flags the API is deployed with (api/node-flags.ts) unless others are given, in production
 * mode: the API as it runs, its clients elsewhere.
 */
export function spawnReadOnlyApi(checkout: string, databaseUrl: string, nodeFlags: readonly string[] = API_NODE_FLAGS): Promise<SpawnedApi> {
  const server = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', new URL('./serve-read-only-api.ts', import.meta.url).pathname, resolve(checkout), databaseUrl], {
    cwd: checkout,
    // Its standard input is this process's to hold: when it closes, the server stops (serve-read-only-api.ts).
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: BENCH_NODE_ENV },
  });
  const stop = stopWhenInterrupted(() => new Promise<void>((done) => (server.exitCode === null && server.signalCode === null ? (server.once('exit', () => done()), server.kill('SIGTERM')) : done())));
  return new Promise((done, fail) => {
    let printed = '';
    server.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const url = /URL (\S+)/.exec(printed)?.[1];
      if (url) done({ process: server, url, stop });
    });
    server.once('exit', (code) => fail(new Error(`the API of ${checkout} ended (${code}) before it listened`)));
  });
}
