import { describe, expect, it } from 'vitest';
import { resolveKeyedConnection, type KeyedList } from './keyed-connection';

// A list built in memory, paged by cursors that name rows by their ordering key: a page goes on
// from the row it names whatever sorts in before it meanwhile, and from its place once it is gone.

interface Row {
  kind: string;
  code: string;
}

const ROWS: KeyedList<Row> = { name: 'TestRow', key: [{ of: (row) => row.kind, values: ['B', 'A'] }, { of: (row) => row.code }] };
const row = (kind: string, code: string): Row => ({ kind, code });
// Kinds in their declared order (B before A), then codes by code point ('Z' before 'a').
const LIST = [row('B', 'Z'), row('B', 'a'), row('B', 'b'), row('A', 'a'), row('A', 'c')];
const codes = (page: { edges: Array<{ node: Row }> }) => page.edges.map((edge) => `${edge.node.kind}${edge.node.code}`);

describe('resolveKeyedConnection', () => {
  it('goes on after the row a cursor names, whatever sorted in before it', () => {
    const first = resolveKeyedConnection(ROWS, { first: 2 }, LIST);
    expect(codes(first)).toEqual(['BZ', 'Ba']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const grown = [row('B', 'A'), ...LIST];
    const second = resolveKeyedConnection(ROWS, { first: 2, after: first.pageInfo.endCursor }, grown);
    expect(codes(second)).toEqual(['Bb', 'Aa']);
    expect(second).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: true, hasPreviousPage: true } });
    const last = resolveKeyedConnection(ROWS, { first: 2, after: second.pageInfo.endCursor }, grown);
    expect(codes(last)).toEqual(['Ac']);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });

  it('goes on from the place of a row that is gone', () => {
    const first = resolveKeyedConnection(ROWS, { first: 2 }, LIST);
    const withoutIt = LIST.filter((each) => !(each.kind === 'B' && each.code === 'a'));
    expect(codes(resolveKeyedConnection(ROWS, { first: 10, after: first.pageInfo.endCursor }, withoutIt))).toEqual(['Bb', 'Aa', 'Ac']);
  });

  it('pages from the end with last and before', () => {
    const end = resolveKeyedConnection(ROWS, { last: 2 }, LIST);
    expect(codes(end)).toEqual(['Aa', 'Ac']);
    expect(end.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const earlier = resolveKeyedConnection(ROWS, { last: 2, before: end.pageInfo.startCursor }, [...LIST.slice(0, 3), row('A', '0'), ...LIST.slice(3)]);
    expect(codes(earlier)).toEqual(['Bb', 'A0']);
    expect(earlier.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(codes(resolveKeyedConnection(ROWS, { last: 0 }, LIST))).toEqual([]);
    expect(codes(resolveKeyedConnection(ROWS, { first: 0 }, LIST))).toEqual([]);
  });

  it('refuses a cursor of another list or with a value the list cannot hold, and mixed directions', () => {
    const other: KeyedList<Row> = { name: 'OtherRow', key: ROWS.key };
    const foreign = resolveKeyedConnection(other, { first: 1 }, LIST).pageInfo.endCursor!;
    const cursor = (text: string) => Buffer.from(text).toString('base64');
    for (const after of [foreign, cursor('TestRow:["C","a"]'), cursor('TestRow:["B"]'), cursor('OffsetConnection:1')]) {
      expect(() => resolveKeyedConnection(ROWS, { first: 1, after }, LIST), after).toThrow(/not a cursor of this connection/);
    }
    const valid = resolveKeyedConnection(ROWS, { first: 1 }, LIST).pageInfo.endCursor!;
    expect(() => resolveKeyedConnection(ROWS, { first: 1, before: valid }, LIST)).toThrow(/"before" and "first"/);
    expect(() => resolveKeyedConnection(ROWS, { last: 1, after: valid }, LIST)).toThrow(/"after" and "last"/);
    expect(() => resolveKeyedConnection(ROWS, { after: valid, before: valid }, LIST)).toThrow(/"before" and "after"/);
    expect(() => resolveKeyedConnection(ROWS, { first: -1 }, LIST)).toThrow(/non-negative/);
  });
});
