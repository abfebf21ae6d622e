import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_NODE_FLAGS } from './node-flags';

// Every way of running the API gives Node the same flags (node-flags.ts says why).
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe("the API process's Node flags", () => {
  it('are those of node-flags.ts in npm start, the image and docker-compose', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    const dockerCommand = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    const composeApiCommand = /\n {2}api:\n(?: {4}.*\n)*? {4}command: (\[.*\])/.exec(read('docker-compose.yml'))?.[1];
    expect(start).toContain(`node ${API_NODE_FLAGS.join(' ')} --import tsx scripts/dev.ts`);
    expect(dockerCommand && JSON.parse(dockerCommand)).toEqual(['tsx', ...API_NODE_FLAGS, 'api/main.ts']);
    expect(composeApiCommand && JSON.parse(composeApiCommand)).toEqual(['tsx', ...API_NODE_FLAGS, 'api/main.ts']);
  });
});
