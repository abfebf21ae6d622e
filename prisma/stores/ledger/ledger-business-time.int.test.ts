import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { runTransaction } from '../run-transaction';
import { openAccount, type LedgerAccountView } from './accounts';
import { postHold, reserveHold } from './holds';
import { verifyLedgerInvariants } from './invariants';
import { lockAccounts } from './locks';
import { postTransaction } from './postings';
import { getStatement } from './statements';
import { getTransaction } from './transactions';

// A posting counts at the time of the business event it records, whichever way it is made
// (a transaction, a hold's posting), and not at the time the database wrote it; how far ahead
// of the database's clock that time may be is the database's setting.

const DAY = 24 * 60 * 60 * 1000;
let sequence = 0;

async function account(db: TestDatabase, options: { bounded?: boolean } = {}): Promise<LedgerAccountView> {
  sequence += 1;
  return openAccount(db.prisma, { code: `business-time:${sequence}`, name: `Account ${sequence}`, type: 'LIABILITY', purpose: 'COLLECTION', currency: 'CNY', debitsMustNotExceedCredits: options.bounded ?? false });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be rejected');
}

describe('business time in the ledger', () => {
  let db: TestDatabase;
  let ahead: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    ahead = await createTestDatabase({ effectiveAtLeadMax: '40 days' });
  });
  afterAll(async () => {
    for (const each of [db, ahead]) {
      if (!each) continue;
      expect(await verifyLedgerInvariants(each.prisma)).toEqual([]);
      await each.drop();
    }
  });

  it("posts a hold at the business event's time, and keeps it on the day it happened", async () => {
    const [source, wallet, target] = [await account(db), await account(db, { bounded: true }), await account(db)];
    await postTransaction(db.prisma, { idempotencyKey: `fund:${wallet.id}`, code: 'TEST', entries: [{ accountId: source.id, direction: 'DEBIT', amount: '100.00', currency: 'CNY' }, { accountId: wallet.id, direction: 'CREDIT', amount: '100.00', currency: 'CNY' }] });
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: `hold:${wallet.id}`, code: 'DISBURSEMENT_FUNDING', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    // One second before midnight in Shanghai, yesterday: the day the disbursement happened, posted today.
    const midnight = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00+08:00');
    const at = new Date(midnight.getTime() - DAY - 1000);
    const request = { holdId, idempotencyKey: `post:${holdId}`, effectiveAt: at };
    const posted = await postHold(db.prisma, request);
    const transaction = await getTransaction(db.prisma, posted.transactionId);
    expect(transaction?.effectiveAt.toISOString()).toBe(at.toISOString());
    const yesterday = await getStatement(db.prisma, target.id, { from: new Date(midnight.getTime() - 2 * DAY), to: new Date(midnight.getTime() - DAY) });
    expect(yesterday.lines.map((line) => [line.transactionId, line.amount.toFixed(2)])).toEqual([[posted.transactionId, '60.00']]);
    // The time is part of the request: the same key again is a replay, another time a reused key.
    expect(await postHold(db.prisma, request)).toMatchObject({ transactionId: posted.transactionId, replayed: true });
    expect(await rejectionOf(postHold(db.prisma, { ...request, effectiveAt: new Date(at.getTime() + 1000) }))).toBeInstanceOf(ConflictError);
    expect(await rejectionOf(postHold(db.prisma, { ...request, effectiveAt: new Date(Number.NaN) }))).toBeInstanceOf(ValidationError);
  });

  it('accepts an effective time ahead of the database clock only within the database setting', async () => {
    const days = (count: number) => new Date(Date.now() + count * DAY);
    for (const [database, accepted] of [
      [db, false],
      [ahead, true],
    ] as const) {
      const [from, to] = [await account(database), await account(database)];
      const request = { idempotencyKey: `ahead:${from.id}`, code: 'TEST', effectiveAt: days(30), entries: [{ accountId: from.id, direction: 'DEBIT' as const, amount: '1.00', currency: 'CNY' }, { accountId: to.id, direction: 'CREDIT' as const, amount: '1.00', currency: 'CNY' }] };
      if (accepted) expect((await postTransaction(database.prisma, request)).effectiveAt.toISOString()).toBe(request.effectiveAt.toISOString());
      else expect((await rejectionOf(postTransaction(database.prisma, request)) as ValidationError).code).toBe('EFFECTIVE_AT_IN_FUTURE');
      expect((await rejectionOf(postTransaction(database.prisma, { ...request, idempotencyKey: `far:${from.id}`, effectiveAt: days(41) })) as ValidationError).code).toBe('EFFECTIVE_AT_IN_FUTURE');
    }
  });

  it('locks accounts only inside a transaction, and names an account that does not exist', async () => {
    const [one, two] = [await account(db), await account(db)];
    expect(await rejectionOf(lockAccounts(db.prisma, [one.id]))).toBeInstanceOf(Error);
    await runTransaction(db.prisma, (tx) => lockAccounts(tx, [two.id, one.id, two.id]));
    const missing = '00000000-0000-4000-8000-000000000000';
    const error = await rejectionOf(runTransaction(db.prisma, (tx) => lockAccounts(tx, [one.id, missing])));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).id).toBe(missing);
  });
});
