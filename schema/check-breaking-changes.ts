import { type Change, ChangeType, CriticalityLevel, diff } from '@graphql-inspector/core';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
  type ConstDirectiveNode,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { z } from 'zod';

// Compares the schema the API serves now with the schemas it must stay compatible with (its
// bases: the recorded contract, and main's schema where git can say what that is) and decides
// which of GraphQL Inspector's findings stop a change. The rules, and why, are in docs/api.md
// ("Changing the schema"); reading the bases from disk and git is schema-contract.ts's work.

/** A schema the current one is compared with, by the name a report gives it. */
export interface SchemaBase {
  name: string;
  sdl: string;
}

/** What the report suggests as an entry's reason: the list refuses it until someone writes one. */
export const REASON_PLACEHOLDER = '<why, and what clients do instead>';

const intendedChangeSchema = z
  .object({
    coordinate: z.string().min(1),
    message: z.string().min(1),
    reason: z
      .string()
      .trim()
      .min(1, 'every intended breaking change needs a reason')
      .refine((reason) => reason !== REASON_PLACEHOLDER, 'replace the placeholder with the reason'),
    prerelease: z.boolean().optional(),
  })
  .strict();

const intendedListSchema = z
  .object({
    $comment: z.string().optional(),
    changes: z.array(intendedChangeSchema),
  })
  .strict();

/** One entry of schema/contract/intended-breaking-changes.json: a breaking change someone decided to make. */
export type IntendedBreakingChange = z.infer<typeof intendedChangeSchema>;

export interface BreakingChangeCheckInput {
  /** The SDL the API serves now. */
  current: string;
  bases: SchemaBase[];
  intended: IntendedBreakingChange[];
  /** Whether an entry's `prerelease: true` may excuse a removal without deprecation (the API is still 0.x). */
  prereleaseAllowed: boolean;
}

/** One change GraphQL Inspector found against one base or more, with what (if anything) is wrong with it. */
export interface FoundChange {
  coordinate: string;
  message: string;
  type: string;
  level: CriticalityLevel;
  /** Why a client could notice, in Inspector's words or ours. */
  why: string;
  /** The bases against which the change shows. */
  bases: string[];
  /** The entry that marks it as intended, if one does. */
  intended?: IntendedBreakingChange;
  /** Why it fails the check; empty when it does not. */
  problems: string[];
}

export interface BreakingChangeReport {
  bases: string[];
  breaking: FoundChange[];
  dangerous: FoundChange[];
  nonBreakingCount: number;
  /** Entries that match no change against any base: the list's rot, reported so someone removes them. */
  stale: IntendedBreakingChange[];
  /** The breaking changes that fail the check: `breaking` with problems. */
  failures: FoundChange[];
  passed: boolean;
}

export const INTENDED_LIST_PATH = 'schema/contract/intended-breaking-changes.json';

/** Reads the intended list's JSON, or says in one sentence what is wrong with it. */
export function parseIntendedBreakingChanges(text: string): IntendedBreakingChange[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${INTENDED_LIST_PATH} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = intendedListSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new Error(`${INTENDED_LIST_PATH}${where}: ${issue?.message ?? 'malformed'}`);
  }
  const seen = new Set<string>();
  for (const entry of parsed.data.changes) {
    const key = changeKey(entry.coordinate, entry.message);
    if (seen.has(key)) throw new Error(`${INTENDED_LIST_PATH} lists "${entry.message}" twice`);
    seen.add(key);
  }
  return parsed.data.changes;
}

/**
 * Inspector gives no reason for some breaking changes; these say what a client sees. Kept to the
 * kinds that have none, so that Inspector's own wording wins wherever it exists.
 */
const WHY_FALLBACK: Partial<Record<string, string>> = {
  [ChangeType.TypeRemoved]: 'Operations and fragments that name the type no longer validate.',
  [ChangeType.FieldTypeChanged]: 'Clients that select the field receive a value of another type than they were written for.',
  [ChangeType.FieldArgumentTypeChanged]: 'Clients that pass the argument send a value of a type the field no longer accepts.',
  [ChangeType.InputFieldTypeChanged]: 'Clients that send the input field send a value of a type it no longer accepts.',
  [ChangeType.TypeKindChanged]: 'Selections and fragments written for the old kind of type no longer validate.',
};

/** Whether a removal obeys the deprecation rule, asked of the base the thing is removed from. */
type RemovalRule = (base: GraphQLSchema, change: Change) => string | undefined;

const REMOVAL_RULES: Partial<Record<string, RemovalRule>> = {
  [ChangeType.FieldRemoved]: (base, change) => {
    const meta = change.meta as { typeName: string; removedFieldName: string };
    const type = base.getType(meta.typeName);
    const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[meta.removedFieldName] : undefined;
    return hasDeprecationReason(field?.astNode?.directives) ? undefined : `field ${meta.typeName}.${meta.removedFieldName}`;
  },
  [ChangeType.InputFieldRemoved]: (base, change) => {
    const meta = change.meta as { inputName: string; removedFieldName: string };
    const type = base.getType(meta.inputName);
    const field = isInputObjectType(type) ? type.getFields()[meta.removedFieldName] : undefined;
    return hasDeprecationReason(field?.astNode?.directives) ? undefined : `input field ${meta.inputName}.${meta.removedFieldName}`;
  },
  [ChangeType.FieldArgumentRemoved]: (base, change) => {
    const meta = change.meta as { typeName: string; fieldName: string; removedFieldArgumentName: string };
    const type = base.getType(meta.typeName);
    const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[meta.fieldName] : undefined;
    const argument = field?.args.find((candidate) => candidate.name === meta.removedFieldArgumentName);
    return hasDeprecationReason(argument?.astNode?.directives) ? undefined : `argument ${meta.typeName}.${meta.fieldName}(${meta.removedFieldArgumentName})`;
  },
  [ChangeType.EnumValueRemoved]: (base, change) => {
    const meta = change.meta as { enumName: string; removedEnumValueName: string };
    const type = base.getType(meta.enumName);
    const value = isEnumType(type) ? type.getValue(meta.removedEnumValueName) : undefined;
    return hasDeprecationReason(value?.astNode?.directives) ? undefined : `enum value ${meta.enumName}.${meta.removedEnumValueName}`;
  },
  // A type cannot carry @deprecated itself. It was deprecated when every way to it was: no
  // field or argument without a deprecation reaches it from the root types.
  [ChangeType.TypeRemoved]: (base, change) => {
    const meta = change.meta as { removedTypeName: string };
    return typesReachableWithoutDeprecation(base).has(meta.removedTypeName) ? `type ${meta.removedTypeName} (a field or argument that is not deprecated still leads to it)` : undefined;
  },
};

/**
 * The check. Every breaking change against any base needs an entry in the intended list; a
 * removal also needs the removed thing deprecated, with a reason, in that base (or, while the API
 * is 0.x, an entry that says it is a pre-release change). Dangerous changes are reported only.
 */
export async function checkBreakingChanges(input: BreakingChangeCheckInput): Promise<BreakingChangeReport> {
  const current = buildSchema(input.current);
  const found = new Map<string, FoundChange & { undeprecated?: { what: string; in: string[] } }>();
  for (const base of input.bases) {
    const baseSchema = buildSchema(base.sdl);
    for (const change of await diff(baseSchema, current)) {
      const coordinate = change.path ?? 'schema';
      const key = changeKey(coordinate, change.message);
      const entry = found.get(key) ?? {
        coordinate,
        message: change.message,
        type: change.type as string,
        level: change.criticality.level,
        why: change.criticality.reason ?? WHY_FALLBACK[change.type as string] ?? '',
        bases: [],
        intended: input.intended.find((candidate) => changeKey(candidate.coordinate, candidate.message) === key),
        problems: [],
      };
      entry.bases.push(base.name);
      const undeprecated = REMOVAL_RULES[change.type as string]?.(baseSchema, change);
      if (undeprecated !== undefined) {
        entry.undeprecated ??= { what: undeprecated, in: [] };
        entry.undeprecated.in.push(base.name);
      }
      found.set(key, entry);
    }
  }

  const changes = [...found.values()].map(({ undeprecated, ...change }) => {
    if (change.level !== CriticalityLevel.Breaking) return change;
    if (!change.intended) change.problems.push(`not marked as intended in ${INTENDED_LIST_PATH}`);
    if (undeprecated && !(change.intended?.prerelease && input.prereleaseAllowed)) change.problems.push(removalProblem(undeprecated.what, undeprecated.in, change.intended, input.prereleaseAllowed));
    return change;
  });
  const breaking = changes.filter((change) => change.level === CriticalityLevel.Breaking);
  const stale = input.intended.filter((entry) => !found.has(changeKey(entry.coordinate, entry.message)));
  const failures = breaking.filter((change) => change.problems.length > 0);
  return {
    bases: input.bases.map((base) => base.name),
    breaking,
    dangerous: changes.filter((change) => change.level === CriticalityLevel.Dangerous),
    nonBreakingCount: changes.filter((change) => change.level === CriticalityLevel.NonBreaking).length,
    stale,
    failures,
    passed: failures.length === 0,
  };
}

function removalProblem(what: string, bases: string[], intended: IntendedBreakingChange | undefined, prereleaseAllowed: boolean): string {
  const hatch = intended?.prerelease
    ? '; its entry says pre-release, but the API is no longer 0.x'
    : prereleaseAllowed
      ? '; or, while no client uses the API yet, mark its entry "prerelease": true'
      : '';
  const where = bases.length === 1 ? `${bases[0]} does` : `${bases.join(' and ')} do`;
  return `removes the ${what}, which ${where} not mark @deprecated with a reason: deprecate it first and remove it later${hatch}`;
}

function changeKey(coordinate: string, message: string): string {
  return `${coordinate}\u0000${message}`;
}

/** `@deprecated(reason: "...")` with a reason that says something; a bare `@deprecated` tells a client nothing. */
function hasDeprecationReason(directives: readonly ConstDirectiveNode[] | undefined): boolean {
  const deprecated = directives?.find((directive) => directive.name.value === 'deprecated');
  const reason = deprecated?.arguments?.find((argument) => argument.name.value === 'reason')?.value;
  return reason?.kind === Kind.STRING && reason.value.trim().length > 0;
}

/**
 * The types an operation can reach from the root types without selecting a deprecated field or
 * passing a deprecated argument or input field: what a client may still use without a warning.
 * Fragments can name a union's members, an interface's implementations and an object's
 * interfaces, so those are reached too.
 */
function typesReachableWithoutDeprecation(schema: GraphQLSchema): Set<string> {
  const reached = new Set<string>();
  const pending: GraphQLNamedType[] = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((type) => type != null);
  const visit = (type: GraphQLNamedType): void => {
    if (!reached.has(type.name)) pending.push(type);
  };
  for (let type = pending.pop(); type; type = pending.pop()) {
    if (reached.has(type.name)) continue;
    reached.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (hasDeprecation(field.astNode?.directives)) continue;
        visit(getNamedType(field.type));
        for (const argument of field.args) if (!hasDeprecation(argument.astNode?.directives)) visit(getNamedType(argument.type));
      }
      for (const implemented of type.getInterfaces()) visit(implemented);
    }
    if (isInterfaceType(type) || isUnionType(type)) for (const possible of schema.getPossibleTypes(type)) visit(possible);
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!hasDeprecation(field.astNode?.directives)) visit(getNamedType(field.type));
    }
  }
  return reached;
}

function hasDeprecation(directives: readonly ConstDirectiveNode[] | undefined): boolean {
  return directives?.some((directive) => directive.name.value === 'deprecated') ?? false;
}

/** The report as a person reads it: each change with its coordinate, the bases it shows against and why it matters. */
export function formatBreakingChangeReport(report: BreakingChangeReport): string {
  const lines: string[] = [];
  const describe = (change: FoundChange): void => {
    lines.push(`  ${change.coordinate}: ${change.message}`);
    if (change.why) lines.push(`    why it matters: ${change.why}`);
    lines.push(`    against: ${change.bases.join(', ')}`);
    if (change.intended) lines.push(`    intended: ${change.intended.reason}${change.intended.prerelease ? ' (pre-release)' : ''}`);
    for (const problem of change.problems) lines.push(`    FAILS: ${problem}`);
  };
  lines.push(`Compared with ${report.bases.length > 0 ? report.bases.join('; ') : 'nothing'}.`);
  if (report.failures.length > 0) {
    lines.push('', `Breaking changes that fail the check (${report.failures.length}):`);
    report.failures.forEach(describe);
  }
  const intended = report.breaking.filter((change) => change.problems.length === 0);
  if (intended.length > 0) {
    lines.push('', `Breaking changes marked as intended (${intended.length}):`);
    intended.forEach(describe);
  }
  if (report.dangerous.length > 0) {
    lines.push('', `Dangerous changes, reported only (${report.dangerous.length}):`);
    report.dangerous.forEach(describe);
  }
  if (report.stale.length > 0) {
    lines.push('', `Stale entries in ${INTENDED_LIST_PATH}: listed, but no base shows the change any more. Remove them (${report.stale.length}):`);
    for (const entry of report.stale) lines.push(`  ${entry.coordinate}: ${entry.message}`);
  }
  const unlisted = report.failures.filter((change) => !change.intended);
  if (unlisted.length > 0) {
    const entries = unlisted.map((change) => ({ coordinate: change.coordinate, message: change.message, reason: REASON_PLACEHOLDER }));
    lines.push('', `If a change is intended, add its entry to "changes" in ${INTENDED_LIST_PATH} with a reason (docs/api.md, "Changing the schema"):`);
    lines.push(...JSON.stringify(entries, null, 2).split('\n').map((line) => `  ${line}`));
  }
  const counts = `${report.breaking.length} breaking (${intended.length} intended), ${report.dangerous.length} dangerous, ${report.nonBreakingCount} safe`;
  lines.push('', report.passed ? `Schema check passed: ${counts}.` : `Schema check failed: ${report.failures.length} breaking change(s) not allowed; ${counts}.`);
  return `${lines.join('\n')}\n`;
}
