import { temporal } from '@temporalio/proto';
import type { History } from '@temporalio/common/lib/proto-utils';

// A workflow history as JSON and back, with the same protobuf library that decoded it. The SDK's
// historyToJSON/historyFromJSON pair uses protobufjs's JSON extension from another major version
// than the one @temporalio/proto was generated with, and refuses its types ("type must be a
// Type"); protobufjs's own object form round-trips exactly: enums by name, 64-bit numbers and
// timestamps' seconds as strings, bytes (payloads) as base64.

const HistoryMessage = temporal.api.history.v1.History;
const OBJECT_FORM = { enums: String, longs: String, bytes: String } as const;

/** One event a line: small, and a re-recorded fixture diffs event by event. */
export function historyToJson(history: History): string {
  const { events = [] } = HistoryMessage.toObject(HistoryMessage.fromObject(history), OBJECT_FORM) as { events?: unknown[] };
  return `{"events":[\n${events.map((event) => JSON.stringify(event)).join(',\n')}\n]}\n`;
}

export function historyFromJson(json: string): History {
  return HistoryMessage.fromObject(JSON.parse(json) as Record<string, unknown>);
}
