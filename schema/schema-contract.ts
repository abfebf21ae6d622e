import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTENDED_LIST_PATH, parseIntendedBreakingChanges, type BreakingChangeReport, type IntendedBreakingChange, type SchemaBase } from './check-breaking-changes';

// Where the breaking-change check's bases come from (docs/api.md, "Changing the schema"):
//
// - the contract, schema/contract/schema.graphql: the API as last recorded on purpose. It is in
//   every checkout, shallow or not, and on main it is what the check compares with, so however
//   many commits land on main at once, all of them are compared with the same recorded API.
// - main's schema at the merge-base of HEAD and main, read from git: on a branch, what the branch
//   changes, whatever it does to the contract file itself.
//
// Without git, or without main's history (a shallow clone), the second base is left out with a
// one-line notice; the contract is still there to compare with.

export const CONTRACT_PATH = 'schema/contract/schema.graphql';
const PRINTED_PATH = 'schema/schema.graphql';
/** The branches that are "main", freshest first: a developer's local main may lag behind origin's. */
const MAIN_REFS = ['origin/main', 'main'];

export interface SchemaContract {
  bases: SchemaBase[];
  /** main's schema at the merge-base, when git could say what that is. */
  main?: SchemaBase;
  intended: IntendedBreakingChange[];
  /** Whether pre-release entries may excuse removals: the package's version is still 0.x (semver's "anything may change"). */
  prereleaseAllowed: boolean;
  /** One line for each base that could not be found, saying what the check does without it. */
  notices: string[];
}

export interface SchemaContractOptions {
  /** The project's folder (where package.json is). */
  root: string;
  /** A branch or commit to take as main instead of origin/main and main. */
  mainRef?: string;
}

/** The bases, the intended list and the pre-release rule, read from the checkout and its git history. */
export function loadSchemaContract(options: SchemaContractOptions): SchemaContract {
  const contractFile = join(options.root, CONTRACT_PATH);
  if (!existsSync(contractFile)) throw new Error(`${CONTRACT_PATH} is missing: restore it from main (git checkout origin/main -- schema/contract)`);
  const contract: SchemaBase = { name: `the contract (${CONTRACT_PATH})`, sdl: readFileSync(contractFile, 'utf8') };
  const listFile = join(options.root, INTENDED_LIST_PATH);
  const intended = existsSync(listFile) ? parseIntendedBreakingChanges(readFileSync(listFile, 'utf8')) : [];
  const version = (JSON.parse(readFileSync(join(options.root, 'package.json'), 'utf8')) as { version?: string }).version ?? '';
  const main = mainSchema(options);
  return {
    bases: 'base' in main ? [contract, main.base] : [contract],
    ...('base' in main ? { main: main.base } : {}),
    intended,
    prereleaseAllowed: /^0\./.test(version),
    notices: 'notice' in main ? [main.notice] : [],
  };
}

/**
 * Makes the current schema the contract and empties the intended list, whose entries the new
 * contract now contains. Only for a schema main already has: with a breaking change against main
 * still in the change, recording would hide it from main's own check, which compares with the
 * contract alone.
 */
export function recordSchemaContract(root: string, current: string, contract: SchemaContract, report: BreakingChangeReport): void {
  if (!report.passed) throw new Error('the contract is not recorded while the check fails');
  if (!contract.main) throw new Error("the contract is recorded only where main's schema can be read from git, to show the recording adds no breaking change");
  const mainName = contract.main.name;
  const breaking = report.breaking.filter((change) => change.bases.includes(mainName));
  if (breaking.length > 0) {
    throw new Error(`the contract is recorded in a change that breaks nothing against main; this one has ${breaking.length} breaking change(s): land them first, then record`);
  }
  writeFileSync(join(root, CONTRACT_PATH), current);
  writeFileSync(join(root, INTENDED_LIST_PATH), emptyIntendedList());
}

/** The intended list as it is right after the contract is recorded. */
export function emptyIntendedList(): string {
  const comment = 'Breaking changes from schema/contract/schema.graphql to the schema the API serves that are intended. See docs/api.md, "Changing the schema". Recording the contract empties this list.';
  return `${JSON.stringify({ $comment: comment, changes: [] }, null, 2)}\n`;
}

type MainSchema = { base: SchemaBase } | { notice: string };

function mainSchema(options: SchemaContractOptions): MainSchema {
  const without = (why: string): MainSchema => ({ notice: `No main schema to compare with: ${why}; compared with the contract only.` });
  const inside = git(options.root, ['rev-parse', '--is-inside-work-tree']);
  if (!inside.ok) return without(inside.missing ? 'git is not installed' : 'this folder is not a git checkout');

  const refs = (options.mainRef ? [options.mainRef] : MAIN_REFS).filter((ref) => git(options.root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).ok);
  if (refs.length === 0) return without(`this clone has no ${options.mainRef ?? MAIN_REFS.join(' or ')}`);

  // With both origin/main and main present, the newer merge-base is the one that says what this
  // checkout itself changes.
  let newest: { ref: string; commit: string } | undefined;
  for (const ref of refs) {
    const mergeBase = git(options.root, ['merge-base', 'HEAD', ref]);
    if (!mergeBase.ok) continue;
    const commit = mergeBase.stdout.trim();
    if (!newest || git(options.root, ['merge-base', '--is-ancestor', newest.commit, commit]).ok) newest = { ref, commit };
  }
  if (!newest) {
    const shallow = git(options.root, ['rev-parse', '--is-shallow-repository']);
    const hint = shallow.ok && shallow.stdout.trim() === 'true' ? ' (a shallow clone: `git fetch --unshallow` brings the history)' : '';
    return without(`HEAD and ${refs.join(' / ')} share no commit in this clone${hint}`);
  }

  const short = newest.commit.slice(0, 7);
  const head = git(options.root, ['rev-parse', 'HEAD']);
  const where = head.ok && head.stdout.trim() === newest.commit ? 'HEAD, on main' : `the merge-base of HEAD and ${newest.ref}`;
  const printed = git(options.root, ['show', `${newest.commit}:./${PRINTED_PATH}`]);
  if (!printed.ok) return without(`${newest.ref} at ${short} has no ${PRINTED_PATH}`);
  return { base: { name: `main's schema at ${short} (${where})`, sdl: printed.stdout } };
}

type GitResult = { ok: true; stdout: string } | { ok: false; missing: boolean };

/** Runs git quietly; a failure is an answer (no such ref, no common commit), never an exception. */
function git(cwd: string, args: string[]): GitResult {
  try {
    return { ok: true, stdout: execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: GIT_OUTPUT_BYTES_MAX }) };
  } catch (error) {
    return { ok: false, missing: (error as NodeJS.ErrnoException).code === 'ENOENT' };
  }
}

/** The largest printed schema git may hand back; today's is about 40 KB. */
const GIT_OUTPUT_BYTES_MAX = 16 * 1024 * 1024;
