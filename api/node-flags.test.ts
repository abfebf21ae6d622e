import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_NODE_FLAGS } from './node-flags';

// Every way of running the API gives Node the same flags (node-flags.ts says why);
// test/docker-compose.test.ts holds docker-compose.yml's API command to them.
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe("the API process's Node flags", () => {
  it('are those of node-flags.ts in npm start and the image', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    const dockerCommand = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(start).toContain(`node ${API_NODE_FLAGS.join(' ')} --import tsx scripts/dev.ts`);
    expect(dockerCommand && JSON.parse(dockerCommand)).toEqual(['tsx', ...API_NODE_FLAGS, 'api/main.ts']);
  });
});
