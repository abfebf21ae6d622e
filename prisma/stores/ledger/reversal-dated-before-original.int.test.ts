import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { openAccount } from './accounts';
import { getBalance } from './balances';
import { verifyLedgerInvariants } from './invariants';
import { postTransaction, reverseTransaction } from './postings';

// A reversal (红字冲正) undoes a transaction that happened: it cannot take effect before the
// transaction it corrects. Dated earlier, it takes money out of an account before that money
// arrived, so the account's balance as of the time in between is below zero on an account that
// may never be overdrawn, and statements and balances as of a date show a correction of
// something that had not yet happened.

const HOUR = 3_600_000;

async function outcomeOf<T>(promise: Promise<T>): Promise<{ value: T } | { error: Error }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: error as Error };
  }
}

describe('a reversal dated before the transaction it reverses', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('is refused or dated no earlier than the original, never before it', async () => {
    const source = await openAccount(db.prisma, { code: 'reversal-before:source', name: 'Source', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    const wallet = await openAccount(db.prisma, { code: 'reversal-before:wallet', name: 'Wallet', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY', debitsMustNotExceedCredits: true });
    const receivedAt = new Date(Date.now() - HOUR);
    const original = await postTransaction(db.prisma, {
      idempotencyKey: 'reversal-before:original',
      code: 'TEST',
      effectiveAt: receivedAt,
      entries: [
        { accountId: source.id, direction: 'DEBIT', amount: '250.00', currency: 'CNY' },
        { accountId: wallet.id, direction: 'CREDIT', amount: '250.00', currency: 'CNY' },
      ],
    });
    const before = new Date(receivedAt.getTime() - HOUR);
    const reversal = await outcomeOf(reverseTransaction(db.prisma, { transactionId: original.transactionId, idempotencyKey: 'reversal-before:reversal', effectiveAt: before }));
    if ('value' in reversal) {
      // Accepted: what the no-overdraft wallet shows between the reversal and the money it reverses.
      const between = await getBalance(db.prisma, wallet.id, new Date(before.getTime() + HOUR / 2));
      expect({ reversalEffectiveAt: reversal.value.effectiveAt.toISOString(), walletPostedInBetween: between.posted.toFixed(2) }).toEqual({
        reversalEffectiveAt: expect.not.stringMatching(before.toISOString()),
        walletPostedInBetween: '0.00',
      });
      expect(reversal.value.effectiveAt.getTime()).toBeGreaterThanOrEqual(receivedAt.getTime());
    }
  });
});
