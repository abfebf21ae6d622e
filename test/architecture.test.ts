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

  it('renders PDFs only in the worker: nothing the API process loads reaches pdf-lib or the document renderers', () => {
    // Rendering a document takes fonts, memory and CPU time a request must not hold: the worker
    // renders (workflows/activities/documents) and stores the bytes; the API only serves them.
    // Dynamic imports are followed too, so a lazy import cannot carry a renderer in either.
    const isRenderer = (target: string) => target.startsWith('pdf-lib') || target.startsWith('@pdf-lib/') || target.startsWith('workflows/activities/documents/');
    for (const file of [...sourceFiles('api'), ...sourceFiles('schema')]) {
      for (const { target } of importsOf(file)) expect(isRenderer(target), `${file} imports ${target}`).toBe(false);
    }
    const loaded = new Set<string>();
    const pending = ['api/main.ts'];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (loaded.has(file)) continue;
      loaded.add(file);
      for (const { target } of importsOf(file)) {
        expect(isRenderer(target), `the API process loads ${target} (through ${file})`).toBe(false);
        if (target.endsWith('.ts')) pending.push(target);
      }
    }
    expect(loaded.has('api/documents-route.ts'), 'the API serves stored documents').toBe(true);
  });
});
