import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBreakingChanges } from './check-breaking-changes';
import { emptyIntendedList, loadSchemaContract, recordSchemaContract } from './schema-contract';

// Each test makes a small git repository of the project's shape (package.json, the printed schema,
// the contract and the intended list) and asks what the check compares with in it.

const V1 = 'type Query {\n  party: Party\n}\n\ntype Party {\n  id: ID!\n  legalName: String!\n}\n';
const V2 = V1.replace('  legalName: String!\n', '  legalName: String!\n  creditCode: String\n');
const WITHOUT_LEGAL_NAME = V1.replace('  legalName: String!\n', '');

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' };
  return execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function folder(): string {
  const created = mkdtempSync(join(tmpdir(), 'schema-contract-'));
  folders.push(created);
  return created;
}

function writeProject(root: string, files: { schema?: string; contract?: string; version?: string }): void {
  mkdirSync(join(root, 'schema/contract'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'scf', version: files.version ?? '0.1.0' }));
  if (files.schema !== undefined) writeFileSync(join(root, 'schema/schema.graphql'), files.schema);
  if (files.contract !== undefined) writeFileSync(join(root, 'schema/contract/schema.graphql'), files.contract);
  writeFileSync(join(root, 'schema/contract/intended-breaking-changes.json'), emptyIntendedList());
}

function commit(root: string, message: string, files: { schema?: string; contract?: string }): string {
  writeProject(root, files);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
  return git(root, 'rev-parse', 'HEAD');
}

/** main: V1, then V2; a feature branch off the first commit. */
function repository(): { root: string; first: string; second: string } {
  const root = folder();
  git(root, 'init', '-q');
  const first = commit(root, 'first', { schema: V1, contract: V1 });
  const second = commit(root, 'second', { schema: V2, contract: V1 });
  git(root, 'checkout', '-q', '-b', 'feature', first);
  return { root, first, second };
}

describe('loadSchemaContract', () => {
  it("on a branch, compares with the contract and with main's schema at the merge-base", () => {
    const { root, first } = repository();
    commit(root, 'feature', { schema: WITHOUT_LEGAL_NAME, contract: V1 });
    const contract = loadSchemaContract({ root });
    expect(contract.notices).toEqual([]);
    expect(contract.bases.map((base) => base.name)).toEqual(['the contract (schema/contract/schema.graphql)', `main's schema at ${first.slice(0, 7)} (the merge-base of HEAD and main)`]);
    expect(contract.main?.sdl).toBe(V1);
    expect(contract.prereleaseAllowed).toBe(true);
  });

  it('on main itself, takes main at HEAD, and the contract is what catches a landed change', async () => {
    const { root } = repository();
    git(root, 'checkout', '-q', 'main');
    const landed = commit(root, 'landed without a branch', { schema: WITHOUT_LEGAL_NAME, contract: V1 });
    const contract = loadSchemaContract({ root });
    expect(contract.main?.name).toBe(`main's schema at ${landed.slice(0, 7)} (HEAD, on main)`);
    const report = await checkBreakingChanges({ current: WITHOUT_LEGAL_NAME, ...contract });
    expect(report.failures.map((change) => [change.coordinate, change.bases])).toEqual([['Party.legalName', ['the contract (schema/contract/schema.graphql)']]]);
  });

  it('takes the newer merge-base when origin/main is ahead of the local main', () => {
    const { root, second } = repository();
    git(root, 'update-ref', 'refs/remotes/origin/main', second);
    git(root, 'branch', '-q', '-f', 'main', 'feature');
    git(root, 'checkout', '-q', '-b', 'later', second);
    git(root, 'commit', '-q', '--allow-empty', '-m', 'later');
    expect(loadSchemaContract({ root }).main?.sdl).toBe(V2);
    expect(loadSchemaContract({ root, mainRef: 'main' }).main?.sdl).toBe(V1);
  });

  it('says in one line that a shallow clone has no merge-base, and keeps the contract', () => {
    const { root } = repository();
    commit(root, 'feature', { schema: V2, contract: V1 });
    const clone = join(folder(), 'clone');
    git(folder(), 'clone', '-q', '--depth', '1', '--no-single-branch', '--branch', 'feature', `file://${root}`, clone);
    const contract = loadSchemaContract({ root: clone });
    expect(contract.notices).toEqual(['No main schema to compare with: HEAD and origin/main share no commit in this clone (a shallow clone: `git fetch --unshallow` brings the history); compared with the contract only.']);
    expect(contract.bases.map((base) => base.name)).toEqual(['the contract (schema/contract/schema.graphql)']);
  });

  it('says so when the folder is no git checkout, or has no main', () => {
    const plain = folder();
    writeProject(plain, { schema: V1, contract: V1 });
    expect(loadSchemaContract({ root: plain }).notices).toEqual(['No main schema to compare with: this folder is not a git checkout; compared with the contract only.']);

    const { root } = repository();
    git(root, 'branch', '-q', '-m', 'main', 'trunk');
    expect(loadSchemaContract({ root }).notices).toEqual(['No main schema to compare with: this clone has no origin/main or main; compared with the contract only.']);
    expect(loadSchemaContract({ root, mainRef: 'release' }).notices).toEqual(['No main schema to compare with: this clone has no release; compared with the contract only.']);
  });

  it('refuses to run without the contract, and closes the pre-release hatch at 1.0.0', () => {
    const plain = folder();
    writeProject(plain, { schema: V1 });
    expect(() => loadSchemaContract({ root: plain })).toThrow('schema/contract/schema.graphql is missing');
    writeProject(plain, { schema: V1, contract: V1, version: '1.0.0' });
    expect(loadSchemaContract({ root: plain }).prereleaseAllowed).toBe(false);
  });

  it("fails a branch that removes a field and rewrites the contract to match: main's schema still shows it", async () => {
    const { root } = repository();
    commit(root, 'hide it', { schema: WITHOUT_LEGAL_NAME, contract: WITHOUT_LEGAL_NAME });
    const contract = loadSchemaContract({ root });
    const report = await checkBreakingChanges({ current: WITHOUT_LEGAL_NAME, ...contract });
    expect(report.passed).toBe(false);
    expect(report.failures.map((change) => [change.coordinate, change.bases])).toEqual([['Party.legalName', [contract.main?.name]]]);
  });
});

describe('recordSchemaContract', () => {
  it('records a schema that breaks nothing against main, and empties the intended list', async () => {
    const { root } = repository();
    writeFileSync(join(root, 'schema/contract/intended-breaking-changes.json'), JSON.stringify({ changes: [{ coordinate: 'Party.x', message: 'gone', reason: 'stale by now' }] }));
    const contract = loadSchemaContract({ root });
    const report = await checkBreakingChanges({ current: V2, ...contract });
    recordSchemaContract(root, V2, contract, report);
    expect(readFileSync(join(root, 'schema/contract/schema.graphql'), 'utf8')).toBe(V2);
    expect(readFileSync(join(root, 'schema/contract/intended-breaking-changes.json'), 'utf8')).toBe(emptyIntendedList());
  });

  it('refuses while the change breaks something against main, or where main cannot be read', async () => {
    const { root } = repository();
    const intended = [{ coordinate: 'Party.legalName', message: "Field 'legalName' was removed from object type 'Party'", reason: 'Pre-release reshaping.', prerelease: true }];
    const contract = { ...loadSchemaContract({ root }), intended };
    const report = await checkBreakingChanges({ current: WITHOUT_LEGAL_NAME, ...contract });
    expect(report.passed).toBe(true);
    expect(() => recordSchemaContract(root, WITHOUT_LEGAL_NAME, contract, report)).toThrow('this one has 1 breaking change(s): land them first, then record');

    const plain = folder();
    cpSync(join(root, 'schema'), join(plain, 'schema'), { recursive: true });
    cpSync(join(root, 'package.json'), join(plain, 'package.json'));
    const withoutGit = loadSchemaContract({ root: plain });
    const passing = await checkBreakingChanges({ current: V2, ...withoutGit });
    expect(() => recordSchemaContract(plain, V2, withoutGit, passing)).toThrow("main's schema can be read from git");
    expect(readFileSync(join(plain, 'schema/contract/schema.graphql'), 'utf8')).toBe(V1);
  });
});
