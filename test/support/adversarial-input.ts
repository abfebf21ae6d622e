import fc from 'fast-check';
import {
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import { globalId } from './global-ids';

/**
 * Values a hostile or careless client sends, by GraphQL input type: what a fuzzer of a money API
 * must try. Strings carry control and bidi characters, SQL and script fragments, numbers in
 * every spelling (exponents, NaN, signs, too many decimals, full-width digits) and lengths far over
 * any limit; ids are malformed, foreign or real; and now and then a value of the wrong type
 * altogether, which the GraphQL layer itself must refuse cleanly.
 */

const LONG = 'A'.repeat(70_000);

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'abc\u0000def',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  'a\u202dRTL\u202c',
  '\u200b',
  "'; DROP TABLE party; --",
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${process.env}',
  '../../etc/passwd',
  '%00%0d%0aSet-Cookie: x=y',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '1e-309',
  '-0',
  '0',
  '0.001',
  '-1',
  '1e18',
  '1000000000000000000000000000000.00',
  '99999999999999999999.99',
  '0x10',
  '١٢٣',
  '１２３',
  '1,000.00',
  ' 100.00 ',
  '2026-02-30',
  '9999-12-31',
  '0000-00-00',
  '2026-12-05T25:61:00Z',
  'CNY',
  'cny',
  'XXX',
  'USD',
  '😀'.repeat(50),
  LONG,
] as const;

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
);

const wrongType = fc.oneof(fc.constant(true), fc.constant(1.5), fc.constant({ nested: 'object' }), fc.constant([1, 2]), fc.integer());

/** What the fuzzer knows of the world it attacks: real objects' global ids by type, and real credit codes. */
export interface FuzzWorld {
  /** Global ids of real rows, by GraphQL type name. */
  idsByType: Record<string, readonly string[]>;
  creditCodes: readonly string[];
}

/** Global ids for the types an id argument can mean: real ones of the world first, then unknown ones of the right type. */
function idArbitrary(typeNames: readonly string[], world: FuzzWorld): fc.Arbitrary<string> {
  const real = typeNames.flatMap((name) => world.idsByType[name] ?? []);
  const unknown = fc.tuple(fc.constantFrom(...typeNames), fc.uuid()).map(([name, uuid]) => globalId(name, uuid));
  const foreignType = fc.tuple(fc.constantFrom(...Object.keys(world.idsByType)), fc.uuid()).map(([name, uuid]) => globalId(name, uuid));
  const everyReal = Object.values(world.idsByType).flat();
  return fc.oneof(
    { weight: 6, arbitrary: real.length ? fc.constantFrom(...real) : unknown },
    { weight: 2, arbitrary: unknown },
    { weight: 1, arbitrary: everyReal.length ? fc.constantFrom(...everyReal) : foreignType },
  );
}

const DATE = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true });
const amount = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.integer({ min: 0, max: 99 })).map(([whole, cents]) => `${whole}.${String(cents).padStart(2, '0')}`);
const rate = fc.integer({ min: 0, max: 300 }).map((basisPoints) => (basisPoints / 1000).toString());

/** A value a careful client would send for a field of this name and type: the fuzzer's starting point. */
function plausibleLeaf(fieldName: string, typeName: string, world: FuzzWorld, idTypes: readonly string[]): fc.Arbitrary<unknown> {
  const name = fieldName.toLowerCase();
  switch (typeName) {
    case 'ID':
      return idArbitrary(idTypes, world);
    case 'Int':
      return fc.integer({ min: 0, max: 400 });
    case 'Boolean':
      return fc.boolean();
    case 'Date':
      return DATE.map((date) => date.toISOString().slice(0, 10));
    case 'DateTime':
      return DATE.map((date) => date.toISOString());
    case 'Decimal':
      return amount;
    case 'Rate':
      return rate;
    default:
      break;
  }
  if (name.endsWith('creditcode')) return world.creditCodes.length ? fc.constantFrom(...world.creditCodes) : fc.constant('91440300MA5FXXXX1X');
  if (name === 'currency') return fc.constantFrom('CNY', 'CNY', 'HKD', 'USD');
  if (name.endsWith('amount') || name.endsWith('limit') || name === 'flatfee') return amount;
  if (name.endsWith('rate')) return rate;
  if (name === 'email') return fc.emailAddress();
  if (name === 'accountnumber') return fc.stringMatching(/^6222\d{12,15}$/);
  if (name === 'documenthashes') return fc.stringMatching(/^[0-9a-f]{64}$/);
  return fc.constantFrom('深圳市华强精密电子有限公司', 'INV-2026-0001', '供应链保理计划', 'Monthly statement', 'ok');
}

/** The Node types an id argument can mean, read from its name (`financingId`) or its mutation's (`approveFinancing(id)`). */
/** Where the mutation's name does not contain its object's type name. */
const ID_TYPE_OF_MUTATION: Record<string, string> = {
  approvePayoutAccount: 'PartyBankAccount',
  rejectPayoutAccount: 'PartyBankAccount',
  approveUserRoles: 'UserRoleChange',
  rejectUserRoles: 'UserRoleChange',
  confirmApproval: 'Financing',
  refuseAssignment: 'Financing',
  acknowledgeAssignment: 'Financing',
  revokeUserApiKeys: 'User',
};

export function idTypesFor(argName: string, mutationName: string, nodeTypes: readonly string[]): string[] {
  const named = (text: string) => nodeTypes.filter((type) => text.toLowerCase().includes(type.toLowerCase())).sort((a, b) => b.length - a.length);
  const fromArg = named(argName.replace(/Id$/, ''));
  if (argName === 'id' && ID_TYPE_OF_MUTATION[mutationName]) return [ID_TYPE_OF_MUTATION[mutationName]];
  if (fromArg.length) return fromArg.slice(0, 1);
  const fromMutation = named(mutationName);
  return fromMutation.length ? fromMutation.slice(0, 1) : [...nodeTypes];
}

/**
 * An arbitrary for one value of `type`: mostly what a careful client sends, so that the request gets
 * past the first check; each leaf now and then hostile, of the wrong type, or null.
 */
export function adversarialValue(type: GraphQLInputType, world: FuzzWorld, fieldName: string, idTypesOf: (fieldName: string) => readonly string[], depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    return fc.oneof({ weight: 40, arbitrary: adversarialValue(getNullableType(type), world, fieldName, idTypesOf, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  }
  const maybeNull = (arbitrary: fc.Arbitrary<unknown>) => fc.oneof({ weight: 10, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });
  if (isListType(type)) {
    const item = adversarialValue(type.ofType, world, fieldName, idTypesOf, depth + 1);
    return maybeNull(fc.oneof({ weight: 20, arbitrary: fc.array(item, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(item, { minLength: 200, maxLength: 300 }) }));
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((value) => value.name);
    return maybeNull(fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: hostileString }));
  }
  if (isScalarType(type)) {
    return maybeNull(fc.oneof({ weight: 24, arbitrary: plausibleLeaf(fieldName, type.name, world, idTypesOf(fieldName)) }, { weight: 5, arbitrary: hostileString }, { weight: 1, arbitrary: wrongType }));
  }
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant(null);
    const fields = Object.values(type.getFields());
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) record[field.name] = adversarialValue(field.type, world, field.name, idTypesOf, depth + 1);
    const required = fields.filter((field) => isNonNullType(field.type)).map((field) => field.name);
    return maybeNull(fc.oneof({ weight: 30, arbitrary: fc.record(record, { requiredKeys: required }) }, { weight: 1, arbitrary: wrongType }));
  }
  return fc.constant(null);
}
