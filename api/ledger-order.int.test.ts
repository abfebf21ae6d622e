import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { postTransaction } from '../prisma/stores/ledger/postings';
import { runTransaction } from '../prisma/stores/run-transaction';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';

// "Oldest first" for a financing's ledger transactions is a total order: transactions written
// by one database transaction share their created_at, and their ids are random, so the
// order they were written in is what the ledger's sequence keeps.

const LEDGER_TRANSACTIONS = `query ($id: ID!, $first: Int, $after: String) { financing(id: $id) { __typename
  ledgerTransactions(first: $first, after: $after) { edges { node { idempotencyKey code } } pageInfo { hasNextPage endCursor } } } }`;
const PAGE_SIZE = 5;
const POSTINGS = 12;

describe("a financing's ledger transactions", () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('come back in the order they were written, also when one database transaction wrote them all', async () => {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `order-${fixture.receivable.id}` };
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, input, TEST_FINANCING_WINDOWS);
    const suspense = (await findAccountByCode(db.prisma, platformAccountCode('SUSPENSE', 'CNY')))!;
    const supplier = (await findAccountByCode(db.prisma, partyAccountCode(fixture.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!;
    // Keys that sort neither by name nor by anything but the order of writing.
    const keys = Array.from({ length: POSTINGS }, (_, index) => `order:${financing.id}:${(index * 7) % POSTINGS}`);
    await runTransaction(db.prisma, async (tx) => {
      for (const [index, idempotencyKey] of keys.entries()) {
        await postTransaction(tx, {
          idempotencyKey,
          code: 'MANUAL_ADJUSTMENT',
          metadata: { financingId: financing.id },
          entries: [
            { accountId: suspense.id, direction: 'DEBIT', amount: `${index + 1}.00`, currency: 'CNY' },
            { accountId: supplier.id, direction: 'CREDIT', amount: `${index + 1}.00`, currency: 'CNY' },
          ],
        });
      }
    });
    const rows = await db.prisma.ledgerTransaction.findMany({ where: { idempotencyKey: { in: keys } }, select: { createdAt: true } });
    expect(new Set(rows.map((row) => row.createdAt.getTime())).size).toBe(1);

    const result = await api.call(parties.admin.token, LEDGER_TRANSACTIONS, { id: globalId('Financing', financing.id) });
    expect(result.ledgerTransactions.pageInfo.hasNextPage).toBe(false);
    expect(result.ledgerTransactions.edges.map((edge: { node: { idempotencyKey: string } }) => edge.node.idempotencyKey)).toEqual(keys);

    // Page by page, following the cursor, the order is the same, with nothing repeated or lost.
    const paged: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < POSTINGS; page += 1) {
      const { ledgerTransactions } = await api.call(parties.admin.token, LEDGER_TRANSACTIONS, { id: globalId('Financing', financing.id), first: PAGE_SIZE, ...(after ? { after } : {}) });
      paged.push(...ledgerTransactions.edges.map((edge: { node: { idempotencyKey: string } }) => edge.node.idempotencyKey));
      if (!ledgerTransactions.pageInfo.hasNextPage) break;
      after = ledgerTransactions.pageInfo.endCursor;
    }
    expect(paged).toEqual(keys);
  });
});
