import { decodeGlobalId, encodeGlobalId } from '../../schema/global-id';

/**
 * The API's global id of a row a test made through a store (the API answers with these, and
 * takes them back). `rowId` goes the other way, for a test that checks the database.
 */
export function globalId(typename: string, rowId: string): string {
  return encodeGlobalId(typename, rowId);
}

export function rowId(id: string): string {
  return decodeGlobalId(id).id;
}
