import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkBreakingChanges,
  formatBreakingChangeReport,
  parseIntendedBreakingChanges,
  REASON_PLACEHOLDER,
  type IntendedBreakingChange,
  type SchemaBase,
} from './check-breaking-changes';
import { printedSchema } from './index';
import { loadSchemaContract } from './schema-contract';

// A small schema of the API's shape stands in for the contract; each test builds a variant of it
// by editing the SDL, the way a change to a Pothos type would show in the printed schema.
const CONTRACT = `
type Query {
  party(id: ID!): Party
  parties(first: Int, role: PartyRole): [Party!]!
  legacyReport: LegacyReport @deprecated(reason: "Use portfolio.")
  portfolio: Portfolio!
}

type Mutation {
  createParty(input: CreatePartyInput!): Party!
}

type Party {
  id: ID!
  legalName: String!
  creditCode: String!
  shortName: String @deprecated(reason: "Use legalName.")
  nickname: String @deprecated
}

type Portfolio {
  total: String!
}

type LegacyReport {
  total: String!
}

enum PartyRole {
  SUPPLIER
  FUNDER
  BROKER @deprecated(reason: "Brokers are suppliers now.")
}

input CreatePartyInput {
  legalName: String!
  creditCode: String!
}
`;

const base = (sdl = CONTRACT, name = 'the contract'): SchemaBase => ({ name, sdl });

/** The contract with each [before, after] edit applied; an edit that finds no place, or two, is a broken test. */
function variant(...edits: Array<[string, string]>): string {
  return edits.reduce((sdl, [before, after]) => {
    expect(sdl.split(before).length - 1, `places for the edit of "${before}"`).toBe(1);
    return sdl.replace(before, after);
  }, CONTRACT);
}

function intended(coordinate: string, message: string, extra: Partial<IntendedBreakingChange> = {}): IntendedBreakingChange {
  return { coordinate, message, reason: 'Clients were told on the integration list.', ...extra };
}

async function check(current: string, entries: IntendedBreakingChange[] = [], options: { bases?: SchemaBase[]; prereleaseAllowed?: boolean } = {}) {
  return checkBreakingChanges({ current, bases: options.bases ?? [base()], intended: entries, prereleaseAllowed: options.prereleaseAllowed ?? false });
}

const REMOVED_CREDIT_CODE = "Field 'creditCode' was removed from object type 'Party'";
const LEGAL_NAME_TYPE = "Field 'Party.legalName' changed type from 'String!' to 'Int!'";

describe('checkBreakingChanges', () => {
  it('passes the contract itself: no change, nothing to report', async () => {
    const report = await check(CONTRACT);
    expect(report).toMatchObject({ passed: true, breaking: [], dangerous: [], stale: [], nonBreakingCount: 0 });
  });

  it('passes an added optional argument and an added field: not breaking', async () => {
    const report = await check(variant(['portfolio: Portfolio!', 'portfolio(asOf: String): Portfolio!'], ['total: String!\n}\n\ntype LegacyReport', 'total: String!\n  overdue: String\n}\n\ntype LegacyReport']));
    expect(report.passed).toBe(true);
    expect(report.breaking).toEqual([]);
    expect([...report.dangerous.map((change) => change.coordinate), report.nonBreakingCount]).toEqual(['Query.portfolio.asOf', 1]);
  });

  it('fails a removed field and a changed field type, each with its coordinate, message and reason', async () => {
    const report = await check(variant(['legalName: String!\n  creditCode: String!\n  shortName', 'legalName: Int!\n  shortName']));
    expect(report.passed).toBe(false);
    expect(report.failures.map((change) => [change.coordinate, change.message])).toEqual([
      ['Party.creditCode', REMOVED_CREDIT_CODE],
      ['Party.legalName', LEGAL_NAME_TYPE],
    ]);
    const text = formatBreakingChangeReport(report);
    expect(text).toContain(`Party.creditCode: ${REMOVED_CREDIT_CODE}`);
    expect(text).toContain('why it matters: Removing a field is a breaking change.');
    expect(text).toContain(`Party.legalName: ${LEGAL_NAME_TYPE}`);
    expect(text).toContain('why it matters: Clients that select the field receive a value of another type');
    expect(text).toContain('FAILS: not marked as intended in schema/contract/intended-breaking-changes.json');
    expect(text).toMatch(/Schema check failed: 2 breaking change\(s\) not allowed/);
  });

  it('passes the intended breaking change and fails the unintended one beside it', async () => {
    const current = variant(['legalName: String!\n  creditCode: String!\n  shortName', 'legalName: Int!\n  creditCode: String!\n  shortName'], ['input: CreatePartyInput!', 'input: CreatePartyInput!, region: String!']);
    const report = await check(current, [intended('Party.legalName', LEGAL_NAME_TYPE)]);
    expect(report.passed).toBe(false);
    expect(report.failures.map((change) => change.coordinate)).toEqual(['Mutation.createParty.region']);
    expect(report.breaking.find((change) => change.coordinate === 'Party.legalName')).toMatchObject({ problems: [], intended: { reason: 'Clients were told on the integration list.' } });
    const text = formatBreakingChangeReport(report);
    expect(text).toContain('Breaking changes marked as intended (1):');
    expect(text).toContain('"coordinate": "Mutation.createParty.region"');
    expect(text).toContain(`"reason": "${REASON_PLACEHOLDER}"`);

    const both = await check(current, [intended('Party.legalName', LEGAL_NAME_TYPE), intended('Mutation.createParty.region', "Argument 'region: String!' added to field 'Mutation.createParty'")]);
    expect(both.passed).toBe(true);
  });

  it('passes a field removed after it was deprecated with a reason, once listed', async () => {
    const current = variant(['  shortName: String @deprecated(reason: "Use legalName.")\n', '']);
    const message = "Field 'shortName' (deprecated) was removed from object type 'Party'";
    expect((await check(current)).failures.map((change) => change.problems)).toEqual([['not marked as intended in schema/contract/intended-breaking-changes.json']]);
    expect((await check(current, [intended('Party.shortName', message)])).passed).toBe(true);
  });

  it('fails a removal without a deprecation in the base even when it is listed', async () => {
    const report = await check(variant(['  creditCode: String!\n  shortName', '  shortName']), [intended('Party.creditCode', REMOVED_CREDIT_CODE)]);
    expect(report.passed).toBe(false);
    expect(report.failures[0]?.problems).toEqual([expect.stringMatching(/^removes the field Party\.creditCode, which the contract does not mark @deprecated with a reason: deprecate it first and remove it later$/)]);
  });

  it('fails the removal of a field deprecated without a reason: a bare @deprecated tells a client nothing', async () => {
    const message = "Field 'nickname' (deprecated) was removed from object type 'Party'";
    const report = await check(variant(['  nickname: String @deprecated\n', '']), [intended('Party.nickname', message)]);
    expect(report.failures.map((change) => change.coordinate)).toEqual(['Party.nickname']);
  });

  it('holds enum values, arguments and input fields to the same rule', async () => {
    const removedBroker = "Enum value 'BROKER' (deprecated) was removed from enum 'PartyRole'";
    expect((await check(variant(['  BROKER @deprecated(reason: "Brokers are suppliers now.")\n', '']), [intended('PartyRole.BROKER', removedBroker)])).passed).toBe(true);
    const removedFunder = "Enum value 'FUNDER' was removed from enum 'PartyRole'";
    expect((await check(variant(['  FUNDER\n', '']), [intended('PartyRole.FUNDER', removedFunder)])).passed).toBe(false);
    const removedRole = "Argument 'role: PartyRole' was removed from field 'Query.parties'";
    expect((await check(variant(['parties(first: Int, role: PartyRole)', 'parties(first: Int)']), [intended('Query.parties.role', removedRole)])).passed).toBe(false);
    const removedCreditCode = "Input field 'creditCode' was removed from input object type 'CreatePartyInput'";
    expect((await check(variant(['  legalName: String!\n  creditCode: String!\n}', '  legalName: String!\n}']), [intended('CreatePartyInput.creditCode', removedCreditCode)])).passed).toBe(false);
  });

  it('lets a type go when only deprecated fields led to it, and not otherwise', async () => {
    const withoutLegacy = variant(['  legacyReport: LegacyReport @deprecated(reason: "Use portfolio.")\n', ''], ['type LegacyReport {\n  total: String!\n}\n', '']);
    const legacyEntries = [
      intended('Query.legacyReport', "Field 'legacyReport' (deprecated) was removed from object type 'Query'"),
      intended('LegacyReport', "Type 'LegacyReport' was removed"),
    ];
    expect((await check(withoutLegacy, legacyEntries)).passed).toBe(true);

    const withoutPortfolio = variant(['  portfolio: Portfolio!\n', ''], ['type Portfolio {\n  total: String!\n}\n', '']);
    const portfolioEntries = [intended('Query.portfolio', "Field 'portfolio' was removed from object type 'Query'"), intended('Portfolio', "Type 'Portfolio' was removed")];
    const report = await check(withoutPortfolio, portfolioEntries);
    expect(report.failures.map((change) => [change.coordinate, change.problems.length])).toEqual([
      ['Portfolio', 1],
      ['Query.portfolio', 1],
    ]);
    expect(report.failures[0]?.problems[0]).toMatch(/type Portfolio \(a field or argument that is not deprecated still leads to it\)/);
  });

  it('lets a pre-release entry excuse a removal without deprecation only while the API is 0.x', async () => {
    const current = variant(['  creditCode: String!\n  shortName', '  shortName']);
    const entries = [intended('Party.creditCode', REMOVED_CREDIT_CODE, { prerelease: true })];
    expect((await check(current, entries, { prereleaseAllowed: true })).passed).toBe(true);
    const released = await check(current, entries, { prereleaseAllowed: false });
    expect(released.passed).toBe(false);
    expect(released.failures[0]?.problems[0]).toMatch(/its entry says pre-release, but the API is no longer 0\.x$/);
    const unmarked = await check(current, [intended('Party.creditCode', REMOVED_CREDIT_CODE)], { prereleaseAllowed: true });
    expect(unmarked.failures[0]?.problems[0]).toMatch(/mark its entry "prerelease": true$/);
  });

  it('reports an entry no base shows any more as stale, without failing', async () => {
    const stale = intended('Party.shortName', "Field 'shortName' (deprecated) was removed from object type 'Party'");
    const report = await check(CONTRACT, [stale]);
    expect(report.passed).toBe(true);
    expect(report.stale).toEqual([stale]);
    expect(formatBreakingChangeReport(report)).toContain("Stale entries in schema/contract/intended-breaking-changes.json: listed, but no base shows the change any more. Remove them (1):\n  Party.shortName: Field 'shortName' (deprecated)");
  });

  it('reports a dangerous change without failing', async () => {
    const report = await check(variant(['  FUNDER\n', '  FUNDER\n  OPERATOR\n']));
    expect(report.passed).toBe(true);
    expect(report.dangerous.map((change) => change.message)).toEqual(["Enum value 'OPERATOR' was added to enum 'PartyRole'"]);
    expect(formatBreakingChangeReport(report)).toContain('Dangerous changes, reported only (1):');
  });

  it("checks every base: a field deprecated on main but not in the contract cannot go yet", async () => {
    const main = base(variant(['  creditCode: String!\n  shortName', '  creditCode: String! @deprecated(reason: "Use registration.creditCode.")\n  shortName']), "main's schema");
    const current = variant(['  creditCode: String!\n  shortName', '  shortName']);
    const entries = [
      intended('Party.creditCode', REMOVED_CREDIT_CODE),
      intended('Party.creditCode', "Field 'creditCode' (deprecated) was removed from object type 'Party'"),
    ];
    const report = await check(current, entries, { bases: [base(), main] });
    expect(report.failures.map((change) => [change.message, change.bases, change.problems.length])).toEqual([[REMOVED_CREDIT_CODE, ['the contract'], 1]]);
    expect(report.breaking.find((change) => change.bases.includes("main's schema"))?.problems).toEqual([]);
  });

  it('lists a change found against two bases once, with one problem of each kind', async () => {
    const current = variant(['legalName: String!\n  creditCode: String!\n  shortName', 'legalName: Int!\n  shortName']);
    const report = await check(current, [], { bases: [base(), base(CONTRACT, "main's schema")] });
    expect(report.breaking.map((change) => [change.coordinate, change.bases])).toEqual([
      ['Party.creditCode', ['the contract', "main's schema"]],
      ['Party.legalName', ['the contract', "main's schema"]],
    ]);
    expect(report.failures[0]?.problems).toEqual([
      'not marked as intended in schema/contract/intended-breaking-changes.json',
      "removes the field Party.creditCode, which the contract and main's schema do not mark @deprecated with a reason: deprecate it first and remove it later",
    ]);
  });
});

describe('parseIntendedBreakingChanges', () => {
  const list = (changes: unknown[]) => JSON.stringify({ changes });
  const entry = { coordinate: 'Party.legalName', message: LEGAL_NAME_TYPE, reason: 'Names are numbers now.' };

  it('reads entries, with the optional pre-release mark', () => {
    expect(parseIntendedBreakingChanges(list([entry, { ...entry, coordinate: 'X', prerelease: true }]))).toEqual([entry, { ...entry, coordinate: 'X', prerelease: true }]);
  });

  it('refuses an entry without a reason, with the placeholder reason, twice, or with a key it does not know', () => {
    expect(() => parseIntendedBreakingChanges(list([{ ...entry, reason: ' ' }]))).toThrow('schema/contract/intended-breaking-changes.json at changes.0.reason: every intended breaking change needs a reason');
    expect(() => parseIntendedBreakingChanges(list([{ ...entry, reason: REASON_PLACEHOLDER }]))).toThrow('replace the placeholder with the reason');
    expect(() => parseIntendedBreakingChanges(list([entry, entry]))).toThrow(`lists "${LEGAL_NAME_TYPE}" twice`);
    expect(() => parseIntendedBreakingChanges(list([{ ...entry, until: 'later' }]))).toThrow(/changes\.0/);
    expect(() => parseIntendedBreakingChanges('{ "changes": [')).toThrow(/is not JSON/);
  });
});

describe("this repository's schema", () => {
  it('has no breaking change that is not marked as intended (npm run schema:check-breaking)', async () => {
    const contract = loadSchemaContract({ root: fileURLToPath(new URL('..', import.meta.url)) });
    const report = await checkBreakingChanges({ current: printedSchema(), ...contract });
    expect(report.failures, formatBreakingChangeReport(report)).toEqual([]);
    expect(report.bases[0]).toBe('the contract (schema/contract/schema.graphql)');
  });
});
