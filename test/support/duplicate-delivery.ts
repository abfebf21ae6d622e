import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { PrismaClient } from '../../prisma/client';
import type { TestApi } from './api';
import { changedTables, databaseFingerprint } from './database-fingerprint';

// Duplicate delivery over real HTTP: a mutation sent three times at once, with the same
// idempotency key and the same request id (`x-request-id`), as a client's retries and a proxy's
// resends arrive; then a fourth copy once the database has settled. Shared by the files of
// api/concurrent-duplicates*.int.test.ts.

export type Result = Record<string, any>;

/** Sends one request through `api` with the given request id; fails the test on GraphQL errors. Returns the operation's one top-level field. */
export async function sendWithRequestId(api: TestApi, token: string, query: string, variables: Record<string, unknown>, requestId: string = randomUUID()): Promise<Result> {
  const response = await api.request<Record<string, Result>>(token, query, variables, { 'x-request-id': requestId });
  if (response.errors) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return Object.values(response.data ?? {})[0]!;
}

/** Copies of one request sent at once. */
export const DUPLICATE_COPIES = 3;
/** Reads 250 ms apart that must find nothing new before the database counts as settled, and the most tried. */
const SETTLED_READS = 8;
const SETTLE_READS_MAX = 80;

export interface DuplicateDelivery {
  /** Sends one request with the given request id; fails the test on GraphQL errors. Returns the operation's one top-level field. */
  send: (token: string, query: string, variables: Record<string, unknown>, requestId?: string) => Promise<Result>;
  /** The database once the background work an accepted mutation starts (its workflow's first steps) has written what it writes. */
  settledFingerprint: () => Promise<Map<string, string>>;
  /**
   * Sends the mutation three times at once with one request id, then a fourth time: every
   * answer is the first one, and the fourth changes nothing. Returns the answer. The request id
   * is drawn unless given (a test that sends yet another copy later names it).
   */
  deliveredThrice: (token: string, query: string, variables: Record<string, unknown>, requestId?: string) => Promise<Result>;
}

/** The database and the API are asked for when a request is sent: test files open both in beforeAll. */
export function duplicateDelivery(prisma: () => PrismaClient, api: () => TestApi): DuplicateDelivery {
  const send = (token: string, query: string, variables: Record<string, unknown>, requestId?: string): Promise<Result> => sendWithRequestId(api(), token, query, variables, requestId);

  async function settledFingerprint(): Promise<Map<string, string>> {
    let previous = await databaseFingerprint(prisma());
    let quiet = 0;
    // Quiet for SETTLED_READS reads in a row: a workflow's next step (a PDF rendered on a busy machine) may take a while to start.
    for (let attempt = 0; attempt < SETTLE_READS_MAX && quiet < SETTLED_READS; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const next = await databaseFingerprint(prisma());
      quiet = changedTables(previous, next).length === 0 ? quiet + 1 : 0;
      previous = next;
    }
    return previous;
  }

  async function deliveredThrice(token: string, query: string, variables: Record<string, unknown>, requestId = `dup-${randomUUID()}`): Promise<Result> {
    const answers = await Promise.all(Array.from({ length: DUPLICATE_COPIES }, () => send(token, query, variables, requestId)));
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    const after = await settledFingerprint();
    expect(await send(token, query, variables, requestId)).toEqual(answers[0]);
    expect(changedTables(after, await settledFingerprint()), 'tables written by a later copy').toEqual([]);
    return answers[0]!;
  }

  return { send, settledFingerprint, deliveredThrice };
}
