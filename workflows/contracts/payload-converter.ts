import {
  BinaryPayloadConverter,
  CompositePayloadConverter,
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadConverterWithEncoding,
  UndefinedPayloadConverter,
  ValueError,
} from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding';
import { Decimal } from '../../domain/money';

// JSON that survives the round trip for the two types JSON flattens: a Decimal would
// arrive as a string (or worse, a number) and a Date as a string. Each is tagged
// (`{"$decimal":"12000.00"}`, `{"$date":"2026-11-22T00:00:00.000Z"}`) and revived on
// the other side. The payload stays `json/plain`, readable in the Temporal UI.
const DECIMAL_TAG = '$decimal';
const DATE_TAG = '$date';

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (Decimal.isDecimal(original)) return { [DECIMAL_TAG]: original.toString() };
  if (original instanceof Date) return { [DATE_TAG]: original.toISOString() };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const tagged = value as Record<string, unknown>;
      if (typeof tagged[DECIMAL_TAG] === 'string') return new Decimal(tagged[DECIMAL_TAG]);
      if (typeof tagged[DATE_TAG] === 'string') return new Date(tagged[DATE_TAG]);
    }
  }
  return value;
}

export class TaggedJsonPayloadConverter implements PayloadConverterWithEncoding {
  readonly encodingType = 'json/plain' as const;

  toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    let json: string;
    try {
      json = JSON.stringify(value, replacer);
    } catch {
      return undefined;
    }
    return { metadata: { [METADATA_ENCODING_KEY]: encode(this.encodingType) }, data: encode(json) };
  }

  fromPayload<T>(payload: Payload): T {
    if (payload.data === undefined || payload.data === null) throw new ValueError('Got payload with no data');
    return JSON.parse(decode(payload.data), reviver) as T;
  }
}

export const payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new BinaryPayloadConverter(),
  new TaggedJsonPayloadConverter(),
);
