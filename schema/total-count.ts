import type { builder } from './builder';

// Connections the database does not page for us (computed lists, and the financing's ledger
// transactions) carry their total beside edges and pageInfo, like the others do.

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

interface WithTotal {
  totalCount: number;
}

/** A connection page with the number of items in the whole list. */
export function withTotalCount<Connection extends object>(connection: Connection, totalCount: number): Connection & WithTotal {
  return { ...connection, totalCount };
}

/** The `totalCount` field of such a connection. */
export function totalCountField<Shape extends object>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) {
  return {
    totalCount: t.int({ description: 'How many there are in all, every page together.', resolve: (connection) => (connection as unknown as WithTotal).totalCount }),
  };
}
