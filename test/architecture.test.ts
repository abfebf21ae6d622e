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

  it('keeps the API and the schema away from activities, workflow definitions and the worker', () => {
    for (const file of [...sourceFiles('api'), ...sourceFiles('schema')]) {
      for (const target of valueImports(file)) {
        const forbidden = ['workflows/activities', 'workflows/definitions', 'workflows/worker'].some((prefix) => target.startsWith(prefix));
        expect(forbidden, `${file} imports ${target}`).toBe(false);
      }
    }
  });
});
