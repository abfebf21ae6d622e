import { GraphQLError } from 'graphql';
import { isIsoDate } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { builder } from './builder';

/** A scalar's refusal of a malformed value: bad input, typed as such wherever the value came from (a variable or a literal). */
function badScalar(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const DECIMAL_LENGTH_MAX = 64;

/** A decimal carried as a string both ways: exact, never a float, never an exponent. */
function decimalStringScalar(name: 'Decimal' | 'Rate', description: string, refusal: string) {
  builder.scalarType(name, {
    description,
    // Money fields pass preformatted strings (exactly the currency's decimals); rates pass Decimals.
    serialize: (value) => (typeof value === 'string' ? value : value.toFixed()),
    parseValue: (value) => {
      if (typeof value !== 'string' || value.length > DECIMAL_LENGTH_MAX || !DECIMAL_STRING.test(value)) throw badScalar(refusal);
      return new Decimal(value);
    },
  });
}

decimalStringScalar(
  'Decimal',
  'An exact decimal number carried as a string, e.g. "800000.00". No exponent, no separators. Money is never a float.',
  'Decimal must be a string such as "1250.50" (digits, optional minus and decimal point)',
);

decimalStringScalar(
  'Rate',
  'A rate as an exact decimal fraction carried as a string: "0.06" is 6% (a year, for interest and penalty rates), "0.8" is 80% (an advance rate), "0.001" is 0.1% (a fee rate). No exponent, never a float.',
  'Rate must be a decimal string such as "0.06" (6%)',
);

// The date, the time of day (hours 00-23, minutes and seconds 00-59) and the offset, each
// checked: Date.parse rolls 31 February over to 3 March and 24:00 over to the next day.
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
// The instants PostgreSQL and every client store alike: years 1 to 9999.
const DATE_TIME_MIN_MS = Date.parse('0001-01-01T00:00:00Z');
const DATE_TIME_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

builder.scalarType('DateTime', {
  description: 'An instant in ISO 8601 with an offset, e.g. "2026-11-22T08:00:00Z" or "2026-11-22T16:00:00+08:00", between the years 1 and 9999.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
    const instant = match ? Date.parse(value as string) : Number.NaN;
    if (!match || !isIsoDate(match[1]!) || !(instant >= DATE_TIME_MIN_MS && instant <= DATE_TIME_MAX_MS)) {
      throw badScalar('DateTime must be a real instant in ISO 8601 with an offset, between the years 1 and 9999, e.g. "2026-11-22T08:00:00Z"');
    }
    return new Date(instant);
  },
});

builder.scalarType('Date', {
  description: 'A calendar date, "YYYY-MM-DD" (business dates are in China Standard Time, UTC+08:00).',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || !isIsoDate(value)) throw badScalar('Date must be a real calendar date written YYYY-MM-DD, e.g. "2027-02-20"');
    return value;
  },
});
