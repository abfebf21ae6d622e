import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

// Holds the dependency rules of docs/ARCHITECTURE.md: the pure core and the workflow
// sandbox do no I/O, and the API never reaches into worker-only code.

const ROOT = resolve(new URL('..', import.meta.url).pathname);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Value imports only: `import type` is erased and cannot do I/O. */
function valueImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'";]*?from\s+['"]([^'"]+)['"]/gm)) specifiers.push(match[2] as string);
  for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specifiers.push(match[1] as string);
  return specifiers.map((specifier) => (specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)) : specifier));
}

const SANDBOX_ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'decimal.js'];

/**
 * The layers, bottom-up (docs/ARCHITECTURE.md): a folder imports its own layer and the ones
 * below it, never one above. Process entry points (`main.ts`, `*-cli.ts`) compose everything
 * and sit above all; so do scripts, tests and benchmarks.
 */
const LAYERS: Array<{ folder: string; rank: number }> = [
  { folder: 'domain/', rank: 0 },
  { folder: 'prisma/', rank: 1 },
  { folder: 'bank/', rank: 1 },
  { folder: 'workflows/', rank: 2 },
  { folder: 'use-cases/', rank: 3 },
  { folder: 'schema/', rank: 4 },
  { folder: 'api/', rank: 5 },
];

function isEntryPoint(file: string): boolean {
  return file.endsWith('/main.ts') || file.endsWith('-cli.ts');
}

function rankOf(path: string): number | undefined {
  return LAYERS.find(({ folder }) => path.startsWith(folder))?.rank;
}

/** Store functions that write: a resolver reaches them only through a use case. */
const STORE_WRITE = /^(create|register|apply|decide|post|reserve|void|propose|approve|reject|record|insert|update|delete|issue|revoke|amend|enroll|set|open|allocate|accrue|claim|disburse|retry|book|expire|move)/;

/** The names a file imports by value from each module. */
function namedValueImports(file: string): Array<{ target: string; names: string[] }> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Array<{ target: string; names: string[] }> = [];
  for (const match of text.matchAll(/^\s*import\s+\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/gm)) {
    const specifier = match[2] as string;
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)) : specifier;
    const names = (match[1] as string).split(',').map((name) => name.trim()).filter((name) => name.length > 0 && !name.startsWith('type '));
    found.push({ target, names: names.map((name) => name.split(/\s+as\s+/)[0] as string) });
  }
  return found;
}

describe('architecture', () => {
  it('keeps domain pure: only decimal.js and itself', () => {
    for (const file of sourceFiles('domain')) {
      for (const target of valueImports(file)) {
        const allowed = target === 'decimal.js' || target.startsWith('domain/');
        expect(allowed, `${file} imports ${target}`).toBe(true);
      }
    }
  });

  it('keeps workflow definitions deterministic: no I/O, no Node built-ins, no activities', () => {
    for (const file of sourceFiles('workflows/definitions')) {
      for (const target of valueImports(file)) {
        const allowed = SANDBOX_ALLOWED_PACKAGES.includes(target) || target.startsWith('domain/') || target.startsWith('workflows/contracts/') || target.startsWith('workflows/definitions/');
        expect(allowed, `${file} imports ${target}`).toBe(true);
      }
    }
  });

  it('imports only downwards: domain ← prisma, bank ← workflows ← use-cases ← schema ← api', () => {
    for (const { folder, rank } of LAYERS) {
      for (const file of sourceFiles(folder.slice(0, -1))) {
        if (isEntryPoint(file)) continue;
        for (const target of valueImports(file)) {
          const targetRank = rankOf(target);
          expect(targetRank === undefined || targetRank <= rank, `${file} (layer ${rank}) imports ${target} (layer ${targetRank})`).toBe(true);
        }
      }
    }
  });

  it('keeps the API and the schema away from activities, workflow definitions and the worker', () => {
    for (const file of [...sourceFiles('api'), ...sourceFiles('schema'), ...sourceFiles('use-cases')]) {
      if (file.endsWith('/main.ts')) continue;
      for (const target of valueImports(file)) {
        const forbidden = ['workflows/activities', 'workflows/definitions', 'workflows/worker'].some((prefix) => target.startsWith(prefix));
        expect(forbidden, `${file} imports ${target}`).toBe(false);
      }
    }
  });

  it('keeps resolvers thin: they write only through a use case, and ask Temporal only how a workflow is doing', () => {
    for (const file of sourceFiles('schema')) {
      for (const { target, names } of namedValueImports(file)) {
        if (target.startsWith('prisma/stores/')) {
          const writes = names.filter((name) => STORE_WRITE.test(name));
          expect(writes, `${file} imports the store writes ${writes.join(', ')} from ${target}`).toEqual([]);
        }
        if (target.startsWith('workflows/client/')) {
          const messages = names.filter((name) => !name.startsWith('describe'));
          expect(messages, `${file} imports ${messages.join(', ')} from ${target}`).toEqual([]);
        }
      }
    }
  });
});
