import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createPageWorld, type PageWorld } from '../../../test/support/page-world';
import { financingTransactionPages } from './transactions';

// What a party sees of a financing's ledger is decided inside one statement, for a whole page of
// financings at once; a mistake there shows another party's entries or miscounts the pages. The
// statement's answer is held against the same rule written plainly over the raw rows: a party
// sees the transactions with an entry on one of its accounts, and of each only those entries;
// without a party (an operator) every transaction with every entry.

const PAGE_WORLD_SIZE = 4;

interface RawTransaction {
  id: string;
  financingId: string;
  sequence: bigint;
}

interface RawEntry {
  id: string;
  transactionId: string;
  accountId: string;
}

describe('financingTransactionPages', () => {
  let db: TestDatabase;
  let world: PageWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await createPageWorld(db.prisma, { size: PAGE_WORLD_SIZE });
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** The rule written plainly: each financing's visible transactions in order, paged, with the visible entries in id order. */
  async function expected(financingIds: readonly string[], partyId: string | null, offset: number, limit: number) {
    const transactions = await db.prisma.$queryRaw<RawTransaction[]>`SELECT "id"::text AS "id", "metadata"->>'financingId' AS "financingId", "sequence" FROM "ledger_transaction" WHERE "metadata" ? 'financingId'`;
    const entries = await db.prisma.$queryRaw<RawEntry[]>`SELECT "id"::text AS "id", "transaction_id"::text AS "transactionId", "account_id"::text AS "accountId" FROM "ledger_entry"`;
    const owned = new Set(partyId === null ? [] : (await db.prisma.ledgerAccount.findMany({ where: { ownerPartyId: partyId }, select: { id: true } })).map((account) => account.id));
    const visible = (entry: RawEntry) => partyId === null || owned.has(entry.accountId);
    const pages = new Map<string, { total: number; transactions: Array<{ id: string; entryIds: string[] }> }>();
    for (const financingId of financingIds) {
      const seen = transactions
        .filter((transaction) => transaction.financingId === financingId)
        .sort((a, b) => (a.sequence < b.sequence ? -1 : 1))
        .map((transaction) => ({ id: transaction.id, entryIds: entries.filter((entry) => entry.transactionId === transaction.id && visible(entry)).map((entry) => entry.id).sort() }))
        .filter((transaction) => partyId === null || transaction.entryIds.length > 0);
      if (seen.length > 0) pages.set(financingId, { total: seen.length, transactions: seen.slice(offset, offset + limit) });
    }
    return pages;
  }

  it("answers each party's pages of every financing as the rule does, at every offset and size", async () => {
    const callers = [world.supplier.partyId, world.core.partyId, world.funder.partyId, world.operator.partyId, null];
    const pagings = [[0, 5], [0, 1], [1, 2], [2, 3], [5, 5], [0, 100]] as const;
    let transactionsCompared = 0;
    for (const partyId of callers) {
      for (const financingIds of [world.financingIds, world.financingIds.slice(1, 2)]) {
        for (const [offset, limit] of pagings) {
          const found = await financingTransactionPages(db.prisma, financingIds, partyId, offset, limit);
          const answered = new Map([...found].map(([financingId, page]) => [financingId, { total: page.total, transactions: page.transactions.map((transaction) => ({ id: transaction.id, entryIds: transaction.entries.map((entry) => entry.entryId) })) }]));
          const rule = await expected(financingIds, partyId, offset, limit);
          expect({ partyId, financings: financingIds.length, offset, limit, pages: answered }).toEqual({ partyId, financings: financingIds.length, offset, limit, pages: rule });
          for (const page of rule.values()) transactionsCompared += page.transactions.length;
        }
      }
    }
    // The comparison is not of empty answers: the book holds transactions every paging reaches.
    expect(transactionsCompared).toBeGreaterThan(PAGE_WORLD_SIZE * callers.length);
  });
});
