import { GraphQLError } from 'graphql';
import { isIsoDate } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { builder } from './builder';

const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const DECIMAL_LENGTH_MAX = 64;

/** A decimal carried as a string both ways: exact, never a float, never an exponent. */
function decimalStringScalar(name: 'Decimal' | 'Rate', description: string, refusal: string) {
  builder.scalarType(name, {
    description,
    // Money fields pass preformatted strings (exactly the currency's decimals); rates pass Decimals.
    serialize: (value) => (typeof value === 'string' ? value : value.toFixed()),
    parseValue: (value) => {
      if (typeof value !== 'string' || value.length > DECIMAL_LENGTH_MAX || !DECIMAL_STRING.test(value)) throw new GraphQLError(refusal);
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

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

builder.scalarType('DateTime', {
  description: 'An instant in ISO 8601 with an offset, e.g. "2026-11-22T08:00:00Z" or "2026-11-22T16:00:00+08:00".',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    if (typeof value !== 'string' || !ISO_DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw new GraphQLError('DateTime must be an ISO 8601 string with an offset, e.g. "2026-11-22T08:00:00Z"');
    }
    return new Date(value);
  },
});

builder.scalarType('Date', {
  description: 'A calendar date, "YYYY-MM-DD" (business dates are in China Standard Time, UTC+08:00).',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || !isIsoDate(value)) throw new GraphQLError('Date must be a real calendar date written YYYY-MM-DD, e.g. "2027-02-20"');
    return value;
  },
});
