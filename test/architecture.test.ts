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

  it('loads the bank simulator only through the bank adapter factory', () => {
    // The rule (docs/ARCHITECTURE.md, "The bank"): code outside the tests does not import
    // bank/simulator. bank/create-bank-adapter.ts alone reaches it, with a dynamic import when
    // BANK_ADAPTER=simulator; schema/types/development-bank.ts, the one other user, is itself
    // imported only dynamically, by schema/index.ts, for an API whose bank is the simulator. So
    // a production process configured for another bank never loads the simulator's code.
    const CHECKED_DIRS = ['api', 'bank', 'domain', 'prisma', 'schema', 'workflows', 'scripts'];
    const PRODUCTION_ENTRY_POINTS = ['api/main.ts', 'workflows/worker/main.ts', 'prisma/migrate-cli.ts'];
    const FACTORY = 'bank/create-bank-adapter.ts';
    const DEVELOPMENT_SCHEMA = 'schema/types/development-bank.ts';
    const isSimulator = (file: string) => file.startsWith('bank/simulator/');

    /** A relative specifier as the file it loads (`../schema` is schema/index.ts); packages stay as they are. */
    const resolveImport = (from: string, specifier: string): string => {
      if (!specifier.startsWith('.')) return specifier;
      const target = relative(ROOT, resolve(ROOT, dirname(from), specifier));
      for (const candidate of [target, `${target}.ts`, join(target, 'index.ts')]) {
        if (statSync(join(ROOT, candidate), { throwIfNoEntry: false })?.isFile()) return candidate;
      }
      return target;
    };
    /** Imports that load a module when the file is loaded (`import type` is erased), and dynamic ones. */
    const importsOf = (file: string): { target: string; dynamic: boolean }[] => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const found: { target: string; dynamic: boolean }[] = [];
      for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+['"]([^'"]+)['"]/gm)) found.push({ target: resolveImport(file, match[1] as string), dynamic: false });
      for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ target: resolveImport(file, match[1] as string), dynamic: false });
      for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ target: resolveImport(file, match[1] as string), dynamic: true });
      return found;
    };

    const files = CHECKED_DIRS.flatMap((dir) => sourceFiles(dir));
    for (const file of files) {
      for (const { target, dynamic } of importsOf(file)) {
        if (isSimulator(target) && !isSimulator(file)) {
          const allowed = dynamic ? file === FACTORY : file === DEVELOPMENT_SCHEMA;
          expect(allowed, `${file} imports ${target}${dynamic ? ' dynamically' : ''}: only ${FACTORY} may load the simulator`).toBe(true);
        }
        if (target === DEVELOPMENT_SCHEMA) expect(dynamic && file === 'schema/index.ts', `${file} imports ${target}: only schema/index.ts may, dynamically`).toBe(true);
      }
    }

    // What a production process loads by importing alone, from each entry point.
    const loaded = new Set<string>();
    const pending = [...PRODUCTION_ENTRY_POINTS];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (loaded.has(file)) continue;
      loaded.add(file);
      for (const { target, dynamic } of importsOf(file)) if (!dynamic && target.endsWith('.ts')) pending.push(target);
    }
    expect(loaded.has(FACTORY), 'the worker builds its bank with the factory').toBe(true);
    expect(loaded.has('schema/index.ts'), 'the API loads the schema').toBe(true);
    for (const file of loaded) expect(isSimulator(file) || file === DEVELOPMENT_SCHEMA, `a production process loads ${file}`).toBe(false);
    // The factory's dynamic import is the one door, and the check above sees it.
    expect(importsOf(FACTORY)).toContainEqual({ target: 'bank/simulator/bank-simulator.ts', dynamic: true });
  });
});
