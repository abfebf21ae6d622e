import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { uniqueCreditCode } from '../../../test/support/parties';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../../domain/errors';
import { isVirtualAccountNumber } from '../../../domain/ledger-rules';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode } from '../chart-of-accounts';
import { closeAccount, openAccount, type LedgerAccountView } from './accounts';
import { getBalance } from './balances';
import { expireHolds, getHold, postHold, reserveHold, voidHold } from './holds';
import { verifyLedgerInvariants } from './invariants';
import type { LedgerDb } from './ledger-db';
import { postBatch, postTransaction, reverseTransaction } from './postings';
import { getStatement } from './statements';
import { getTransaction } from './transactions';
import { trialBalance } from './trial-balance';
import { createParty } from '../party-store';
import { runTransaction } from '../run-transaction';

let db: TestDatabase;
let sequence = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  // Whatever the tests did, the ledger must still add up.
  expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  await db.drop();
});

const key = (label: string) => `test:${label}:${(sequence += 1)}`;

/** An unbounded liability (a source of funds for tests) or a bounded one (no overdraft). */
async function account(options: { bounded?: boolean; currency?: 'CNY' | 'USD' | 'JPY'; type?: 'ASSET' | 'LIABILITY'; book?: 'MONEY' | 'MEMO' } = {}): Promise<LedgerAccountView> {
  sequence += 1;
  const memo = options.book === 'MEMO';
  return openAccount(db.prisma, {
    code: `test:${sequence}`,
    name: `Test account ${sequence}`,
    type: options.type ?? 'LIABILITY',
    purpose: memo ? 'CREDIT_LIMIT' : 'COLLECTION',
    book: options.book ?? 'MONEY',
    currency: options.currency ?? 'CNY',
    debitsMustNotExceedCredits: options.bounded ?? false,
  });
}

function transfer(from: LedgerAccountView, to: LedgerAccountView, amount: string, idempotencyKey = key('transfer'), currency: string = from.currency) {
  return {
    idempotencyKey,
    code: 'TEST_TRANSFER',
    entries: [
      { accountId: from.id, direction: 'DEBIT' as const, amount, currency },
      { accountId: to.id, direction: 'CREDIT' as const, amount, currency },
    ],
  };
}

/** A bounded account holding `amount`, funded from a fresh unbounded source. */
async function funded(amount: string, currency: 'CNY' | 'USD' | 'JPY' = 'CNY'): Promise<{ source: LedgerAccountView; wallet: LedgerAccountView }> {
  const source = await account({ currency });
  const wallet = await account({ bounded: true, currency });
  await postTransaction(db.prisma, transfer(source, wallet, amount));
  return { source, wallet };
}

async function available(accountId: string): Promise<string> {
  return (await getBalance(db.prisma, accountId)).available.toFixed(2);
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be rejected');
}

describe('chart of accounts', () => {
  it('opens the platform accounts once, whatever the number of calls', async () => {
    const first = await ensurePlatformAccounts(db.prisma, 'CNY');
    const again = await ensurePlatformAccounts(db.prisma, 'CNY');
    expect(again.ESCROW_BANK.id).toBe(first.ESCROW_BANK.id);
    expect(first.ESCROW_BANK).toMatchObject({ type: 'ASSET', normalBalance: 'DEBIT', creditsMustNotExceedDebits: true, ownerPartyId: null });
    expect(first.FEE_INCOME).toMatchObject({ type: 'REVENUE', normalBalance: 'CREDIT' });
    expect(first.LIMIT_CONTROL.book).toBe('MEMO');
    expect(first.SUSPENSE).toMatchObject({ debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false });
  });

  it('creating a party opens its virtual accounts in the same transaction, with Luhn-checked account numbers', async () => {
    const party = await createParty(db.prisma, { legalName: '测试供应商资金方 有限公司', creditCode: uniqueCreditCode(), roles: ['SUPPLIER', 'FUNDER'] });
    const accounts = await db.prisma.ledgerAccount.findMany({ where: { ownerPartyId: party.id }, orderBy: { purpose: 'asc' } });
    expect(accounts.map((item) => item.purpose).sort()).toEqual(['FUNDER_FUNDING', 'SUPPLIER_SETTLEMENT']);
    for (const item of accounts) {
      expect(item).toMatchObject({ type: 'LIABILITY', debitsMustNotExceedCredits: true, currency: 'CNY' });
      expect(isVirtualAccountNumber(item.virtualAccountNumber ?? '')).toBe(true);
    }
    // Opening again (e.g. a seed run twice) finds the same accounts.
    const again = await openPartyAccounts(db.prisma, party);
    expect(again.map((item) => item.id).sort()).toEqual(accounts.map((item) => item.id).sort());
  });

  it('refuses to reopen a code with a different definition', async () => {
    const existing = await account();
    const error = await rejectionOf(openAccount(db.prisma, { code: existing.code, name: 'x', type: 'ASSET', purpose: 'COLLECTION', currency: 'CNY' }));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe('ACCOUNT_CODE_TAKEN');
  });

  it('refuses account definitions that break the chart’s rules (an owner-less customer account)', async () => {
    const error = await rejectionOf(openAccount(db.prisma, { code: key('owner'), name: 'x', type: 'LIABILITY', purpose: 'SUPPLIER_SETTLEMENT', currency: 'CNY' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('needs an owner party');
  });
});

describe('postTransaction', () => {
  it('moves money and reports posted, pending and available balances', async () => {
    const { source, wallet } = await funded('100.00');
    const balance = await getBalance(db.prisma, wallet.id);
    expect([balance.posted, balance.pending, balance.available].map((value) => value.toFixed(2))).toEqual(['100.00', '100.00', '100.00']);
    expect((await getBalance(db.prisma, source.id)).posted.toFixed(2)).toBe('-100.00');
  });

  it('posts a multi-entry transaction', async () => {
    const { wallet } = await funded('100.00');
    const [x, y] = [await account(), await account()];
    await postTransaction(db.prisma, {
      idempotencyKey: key('multi'),
      code: 'SPLIT',
      entries: [
        { accountId: wallet.id, direction: 'DEBIT', amount: '100.00', currency: 'CNY' },
        { accountId: x.id, direction: 'CREDIT', amount: '60.00', currency: 'CNY' },
        { accountId: y.id, direction: 'CREDIT', amount: '40.00', currency: 'CNY' },
      ],
    });
    expect([await available(wallet.id), await available(x.id), await available(y.id)]).toEqual(['0.00', '60.00', '40.00']);
  });

  it.each([
    ['zero', '0.00', 'AMOUNT_NOT_POSITIVE'],
    ['negative', '-1.00', 'AMOUNT_NOT_POSITIVE'],
    ['too many decimals', '1.001', 'AMOUNT_TOO_MANY_DECIMALS'],
  ])('rejects a %s amount (%s) and moves nothing', async (_label, amount, code) => {
    const { source, wallet } = await funded('10.00');
    const error = await rejectionOf(postTransaction(db.prisma, transfer(wallet, source, amount)));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(code);
    expect(await available(wallet.id)).toBe('10.00');
  });

  it('rejects an unbalanced transaction', async () => {
    const [x, y] = [await account(), await account()];
    const error = await rejectionOf(
      postTransaction(db.prisma, {
        idempotencyKey: key('unbalanced'),
        code: 'TEST',
        entries: [
          { accountId: x.id, direction: 'DEBIT', amount: '10.00', currency: 'CNY' },
          { accountId: y.id, direction: 'CREDIT', amount: '9.99', currency: 'CNY' },
        ],
      }),
    );
    expect((error as ValidationError).code).toBe('TRANSACTION_UNBALANCED');
  });

  it('rejects an entry whose currency is not its account’s (the database checks what the caller cannot see)', async () => {
    const [x, y] = [await account(), await account()];
    const error = await rejectionOf(postTransaction(db.prisma, transfer(x, y, '10.00', key('fx'), 'USD')));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('CURRENCY_MISMATCH');
  });

  it('rejects decimals the account’s currency does not have (JPY)', async () => {
    const [x, y] = [await account({ currency: 'JPY' }), await account({ currency: 'JPY' })];
    const error = await rejectionOf(postTransaction(db.prisma, transfer(x, y, '10.5')));
    expect((error as ValidationError).code).toBe('AMOUNT_TOO_MANY_DECIMALS');
    await postTransaction(db.prisma, transfer(x, y, '10'));
    expect(await available(y.id)).toBe('10.00');
  });

  it('rejects postings to a closed account, and to an unknown one', async () => {
    const { source, wallet } = await funded('10.00');
    await closeAccount(db.prisma, wallet.id);
    const closed = await rejectionOf(postTransaction(db.prisma, transfer(source, wallet, '1.00')));
    expect(closed).toBeInstanceOf(WrongStateError);
    expect((closed as WrongStateError).currentState).toBe('CLOSED');
    const unknown = await rejectionOf(
      postTransaction(db.prisma, { ...transfer(source, wallet, '1.00'), entries: [transfer(source, wallet, '1.00').entries[0]!, { accountId: randomUUID(), direction: 'CREDIT', amount: '1.00', currency: 'CNY' }] }),
    );
    expect(unknown).toBeInstanceOf(NotFoundError);
  });

  it('rejects an overdraft on a bounded account, to the minor unit', async () => {
    const { source, wallet } = await funded('10.00');
    const error = await rejectionOf(postTransaction(db.prisma, transfer(wallet, source, '10.01')));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as LimitExceededError).code).toBe('EXCEEDS_AVAILABLE_BALANCE');
    expect(error.message).toContain(wallet.code);
    await postTransaction(db.prisma, transfer(wallet, source, '10.00'));
    expect(await available(wallet.id)).toBe('0.00');
  });

  it('rejects a transaction that mixes the money and memo books', async () => {
    const money = await account();
    const memo = await account({ book: 'MEMO' });
    const error = await rejectionOf(postTransaction(db.prisma, transfer(money, memo, '1.00')));
    expect((error as ValidationError).code).toBe('BOOKS_MIXED');
  });

  it('rejects an effective time in the future', async () => {
    const [x, y] = [await account(), await account()];
    const error = await rejectionOf(postTransaction(db.prisma, { ...transfer(x, y, '1.00'), effectiveAt: new Date(Date.now() + 24 * 3600_000) }));
    expect((error as ValidationError).code).toBe('EFFECTIVE_AT_IN_FUTURE');
  });
});

describe('idempotency', () => {
  it('returns the original transaction on a repeat and moves the money once', async () => {
    const { source, wallet } = await funded('100.00');
    const request = transfer(wallet, source, '30.00', key('once'));
    const first = await postTransaction(db.prisma, request);
    const again = await postTransaction(db.prisma, request);
    expect(first.replayed).toBe(false);
    expect(again).toMatchObject({ transactionId: first.transactionId, replayed: true });
    expect(again.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect(await available(wallet.id)).toBe('70.00');
  });

  it('treats "30" and "30.00", and reordered entries, as the same request', async () => {
    const { source, wallet } = await funded('100.00');
    const idempotencyKey = key('same-content');
    const first = await postTransaction(db.prisma, transfer(wallet, source, '30', idempotencyKey));
    const request = transfer(wallet, source, '30.00', idempotencyKey);
    const again = await postTransaction(db.prisma, { ...request, entries: [...request.entries].reverse() });
    expect(again).toMatchObject({ transactionId: first.transactionId, replayed: true });
  });

  it('refuses the same key with different content (IDEMPOTENCY_KEY_REUSED) and moves nothing', async () => {
    const { source, wallet } = await funded('100.00');
    const idempotencyKey = key('reuse');
    await postTransaction(db.prisma, transfer(wallet, source, '30.00', idempotencyKey));
    const error = await rejectionOf(postTransaction(db.prisma, transfer(wallet, source, '31.00', idempotencyKey)));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await available(wallet.id)).toBe('70.00');
  });

  it('lets concurrent twins through exactly once', async () => {
    const { source, wallet } = await funded('100.00');
    const request = transfer(wallet, source, '25.00', key('twins'));
    const results = await Promise.all(Array.from({ length: 8 }, () => postTransaction(db.prisma, request)));
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(new Set(results.map((result) => result.transactionId)).size).toBe(1);
    expect(await available(wallet.id)).toBe('75.00');
  });

  it('lets concurrent twins inside callers’ transactions through exactly once: the losers’ transactions run again and replay', async () => {
    const { source, wallet } = await funded('100.00');
    const request = transfer(wallet, source, '25.00', key('twins-in-transactions'));
    // Every first attempt waits until all eight are inside their transactions, so they race.
    let arrived = 0;
    let release: () => void = () => undefined;
    const allInside = new Promise<void>((resolve) => (release = resolve));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => {
        let attempts = 0;
        return runTransaction(db.prisma, async (tx) => {
          attempts += 1;
          if (attempts === 1) {
            await tx.$queryRawUnsafe('SELECT 1');
            arrived += 1;
            if (arrived === 8) release();
            await allInside;
          }
          return postTransaction(tx, request);
        });
      }),
    );
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(new Set(results.map((result) => result.transactionId)).size).toBe(1);
    expect(await available(wallet.id)).toBe('75.00');
  });
});

describe('holds', () => {
  it('reserves: pending debits count against the bound, pending credits do not count as available', async () => {
    const { wallet } = await funded('100.00');
    const target = await account({ bounded: true });
    await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'DISBURSEMENT', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    const from = await getBalance(db.prisma, wallet.id);
    expect([from.posted, from.pending, from.available, from.debitsPending].map((value) => value.toFixed(2))).toEqual(['100.00', '40.00', '40.00', '60.00']);
    const to = await getBalance(db.prisma, target.id);
    expect([to.posted, to.pending, to.available].map((value) => value.toFixed(2))).toEqual(['0.00', '60.00', '0.00']);
    // The reservation protects the money: spending beyond what is left fails.
    const error = await rejectionOf(postTransaction(db.prisma, transfer(wallet, target, '40.01')));
    expect((error as LimitExceededError).code).toBe('EXCEEDS_AVAILABLE_BALANCE');
    const overReserve = await rejectionOf(reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: target.id, amount: '40.01', currency: 'CNY' }));
    expect((overReserve as LimitExceededError).code).toBe('EXCEEDS_AVAILABLE_BALANCE');
  });

  it('posts in full: one transaction for the amount, and the reservation is gone', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'DISBURSEMENT', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    const posted = await postHold(db.prisma, { holdId, idempotencyKey: key('post') });
    expect(posted.postedAmount.toFixed(2)).toBe('60.00');
    const transaction = await getTransaction(db.prisma, posted.transactionId);
    expect(transaction).toMatchObject({ code: 'DISBURSEMENT', metadata: { holdId } });
    expect(transaction?.entries.map((entry) => [entry.accountId, entry.direction, entry.amount.toFixed(2)])).toEqual([
      [wallet.id, 'DEBIT', '60.00'],
      [target.id, 'CREDIT', '60.00'],
    ]);
    const balance = await getBalance(db.prisma, wallet.id);
    expect([balance.posted, balance.debitsPending, balance.available].map((value) => value.toFixed(2))).toEqual(['40.00', '0.00', '40.00']);
    expect((await getHold(db.prisma, holdId))?.status).toBe('POSTED');
  });

  it('posts under a code of its own when given one (the hold keeps its code), and a repeat with another code is a reused key', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'LIMIT_RESERVATION', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    const request = { holdId, idempotencyKey: key('post'), code: 'LIMIT_UTILISATION' };
    const posted = await postHold(db.prisma, request);
    expect((await getTransaction(db.prisma, posted.transactionId))?.code).toBe('LIMIT_UTILISATION');
    expect((await getHold(db.prisma, holdId))?.code).toBe('LIMIT_RESERVATION');
    expect(await postHold(db.prisma, request)).toMatchObject({ transactionId: posted.transactionId, replayed: true });
    const reused = await rejectionOf(postHold(db.prisma, { ...request, code: 'LIMIT_RELEASE' }));
    expect((reused as ConflictError).code).toBe('IDEMPOTENCY_KEY_REUSED');
    const malformed = await rejectionOf(postHold(db.prisma, { ...request, idempotencyKey: key('post'), code: 'limit use' }));
    expect(malformed).toBeInstanceOf(ValidationError);
    expect(await available(wallet.id)).toBe('40.00');
  });

  it('posts in part and releases the rest', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'DISBURSEMENT', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    const posted = await postHold(db.prisma, { holdId, idempotencyKey: key('post'), amount: '45.50' });
    expect(posted.postedAmount.toFixed(2)).toBe('45.50');
    expect(await available(wallet.id)).toBe('54.50');
    expect((await getBalance(db.prisma, target.id)).pending.toFixed(2)).toBe('45.50');
    const hold = await getHold(db.prisma, holdId);
    expect(hold?.postedAmount?.toFixed(2)).toBe('45.50');
  });

  it('refuses to post more than the hold', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    const error = await rejectionOf(postHold(db.prisma, { holdId, idempotencyKey: key('post'), amount: '60.01' }));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as LimitExceededError).code).toBe('EXCEEDS_HOLD_AMOUNT');
    expect(await available(wallet.id)).toBe('40.00');
  });

  it('voids: the reservation is released and nothing posts', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    await voidHold(db.prisma, { holdId, idempotencyKey: key('void') });
    expect(await available(wallet.id)).toBe('100.00');
    expect((await getBalance(db.prisma, target.id)).pending.toFixed(2)).toBe('0.00');
  });

  it('resolves once: a second post or void under another key is refused; under the same key it is a replay', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY' });
    const postKey = key('post');
    const posted = await postHold(db.prisma, { holdId, idempotencyKey: postKey });
    expect(await postHold(db.prisma, { holdId, idempotencyKey: postKey })).toMatchObject({ transactionId: posted.transactionId, replayed: true });
    const twice = await rejectionOf(postHold(db.prisma, { holdId, idempotencyKey: key('post') }));
    expect(twice).toBeInstanceOf(WrongStateError);
    expect((twice as WrongStateError).currentState).toBe('POSTED');
    const voidAfterPost = await rejectionOf(voidHold(db.prisma, { holdId, idempotencyKey: key('void') }));
    expect((voidAfterPost as WrongStateError).currentState).toBe('POSTED');
    expect(await available(wallet.id)).toBe('40.00');

    const second = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: target.id, amount: '10.00', currency: 'CNY' });
    const voidKey = key('void');
    await voidHold(db.prisma, { holdId: second.holdId, idempotencyKey: voidKey });
    expect(await voidHold(db.prisma, { holdId: second.holdId, idempotencyKey: voidKey })).toEqual({ replayed: true });
    const voidTwice = await rejectionOf(voidHold(db.prisma, { holdId: second.holdId, idempotencyKey: key('void') }));
    expect((voidTwice as WrongStateError).currentState).toBe('VOIDED');
    const postAfterVoid = await rejectionOf(postHold(db.prisma, { holdId: second.holdId, idempotencyKey: key('post') }));
    expect((postAfterVoid as WrongStateError).currentState).toBe('VOIDED');
  });

  it('an expired hold can be neither posted nor voided; expireHolds releases it', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 60_000);
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: target.id, amount: '60.00', currency: 'CNY', expiresAt }, now);
    const later = new Date(expiresAt.getTime() + 1);
    const post = await rejectionOf(postHold(db.prisma, { holdId, idempotencyKey: key('post') }, later));
    expect((post as WrongStateError).currentState).toBe('EXPIRED');
    const voided = await rejectionOf(voidHold(db.prisma, { holdId, idempotencyKey: key('void') }, later));
    expect((voided as WrongStateError).currentState).toBe('EXPIRED');
    // Until expiry runs the money stays reserved: never spendable twice.
    expect(await available(wallet.id)).toBe('40.00');
    expect(await expireHolds(db.prisma, now)).not.toContain(holdId);
    expect(await expireHolds(db.prisma, later)).toContain(holdId);
    expect(await available(wallet.id)).toBe('100.00');
    expect((await getHold(db.prisma, holdId))?.status).toBe('EXPIRED');
    expect(await expireHolds(db.prisma, later)).not.toContain(holdId);
  });

  it('replays a reservation and refuses its key with another amount; refuses an unknown hold', async () => {
    const { wallet } = await funded('100.00');
    const target = await account();
    const request = { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: target.id, amount: '10.00', currency: 'CNY' };
    const first = await reserveHold(db.prisma, request);
    expect(await reserveHold(db.prisma, { ...request, amount: '10' })).toEqual({ holdId: first.holdId, replayed: true });
    const reused = await rejectionOf(reserveHold(db.prisma, { ...request, amount: '11.00' }));
    expect((reused as ConflictError).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await available(wallet.id)).toBe('90.00');
    expect(await rejectionOf(postHold(db.prisma, { holdId: randomUUID(), idempotencyKey: key('post') }))).toBeInstanceOf(NotFoundError);
  });
});

describe('reversal', () => {
  it('mirrors the transaction once, linked to it', async () => {
    const { source, wallet } = await funded('100.00');
    const original = await postTransaction(db.prisma, transfer(wallet, source, '30.00'));
    const reversalKey = key('reverse');
    const reversal = await reverseTransaction(db.prisma, { transactionId: original.transactionId, idempotencyKey: reversalKey });
    expect(await available(wallet.id)).toBe('100.00');
    const view = await getTransaction(db.prisma, reversal.transactionId);
    expect(view).toMatchObject({ code: 'REVERSAL', reversesTransactionId: original.transactionId });
    expect((await getTransaction(db.prisma, original.transactionId))?.reversedByTransactionId).toBe(reversal.transactionId);
    expect(await reverseTransaction(db.prisma, { transactionId: original.transactionId, idempotencyKey: reversalKey })).toMatchObject({ transactionId: reversal.transactionId, replayed: true });
    const again = await rejectionOf(reverseTransaction(db.prisma, { transactionId: original.transactionId, idempotencyKey: key('reverse') }));
    expect((again as ConflictError).code).toBe('TRANSACTION_ALREADY_REVERSED');
    expect(await available(wallet.id)).toBe('100.00');
  });

  it('cannot take back money that has already been spent from a bounded account', async () => {
    const { source, wallet } = await funded('50.00');
    const deposit = await postTransaction(db.prisma, transfer(source, wallet, '20.00'));
    await postTransaction(db.prisma, transfer(wallet, source, '70.00'));
    const error = await rejectionOf(reverseTransaction(db.prisma, { transactionId: deposit.transactionId, idempotencyKey: key('reverse') }));
    expect((error as LimitExceededError).code).toBe('EXCEEDS_AVAILABLE_BALANCE');
  });

  it('refuses an unknown transaction', async () => {
    expect(await rejectionOf(reverseTransaction(db.prisma, { transactionId: randomUUID(), idempotencyKey: key('reverse') }))).toBeInstanceOf(NotFoundError);
  });
});

describe('postBatch', () => {
  it('posts every transaction of the batch', async () => {
    const { source, wallet } = await funded('100.00');
    const results = await postBatch(db.prisma, [transfer(wallet, source, '10.00'), transfer(wallet, source, '20.00'), transfer(source, wallet, '5.00')]);
    expect(results.map((result) => result.replayed)).toEqual([false, false, false]);
    expect(await available(wallet.id)).toBe('75.00');
  });

  it('is all or nothing: one overdraft and nothing of the batch is posted', async () => {
    const { source, wallet } = await funded('100.00');
    const other = await account();
    const error = await rejectionOf(postBatch(db.prisma, [transfer(source, other, '10.00'), transfer(wallet, source, '60.00'), transfer(wallet, source, '60.00')]));
    expect((error as LimitExceededError).code).toBe('EXCEEDS_AVAILABLE_BALANCE');
    expect(await available(wallet.id)).toBe('100.00');
    expect(await available(other.id)).toBe('0.00');
  });

  it('replays what was already posted and posts the rest; refuses a key twice in one batch', async () => {
    const { source, wallet } = await funded('100.00');
    const first = transfer(wallet, source, '10.00');
    const posted = await postTransaction(db.prisma, first);
    const results = await postBatch(db.prisma, [first, transfer(wallet, source, '20.00')]);
    expect(results.map((result) => [result.transactionId === posted.transactionId, result.replayed])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(await available(wallet.id)).toBe('70.00');
    const duplicate = transfer(wallet, source, '1.00');
    expect(((await rejectionOf(postBatch(db.prisma, [duplicate, duplicate]))) as ValidationError).code).toBe('DUPLICATE_IDEMPOTENCY_KEY');
  });

  it('gives each transaction of a batch its own entries, whatever their number, over a pool as over Prisma', async () => {
    const { source, wallet } = await funded('100.00');
    const other = await account();
    const threeLegs = {
      idempotencyKey: key('three-legs'),
      code: 'TEST_TRANSFER',
      description: 'a "quoted" \\ description',
      metadata: { note: 'NULL', nested: { quote: '"' } },
      entries: [
        { accountId: wallet.id, direction: 'DEBIT' as const, amount: '30.00', currency: 'CNY' },
        { accountId: source.id, direction: 'CREDIT' as const, amount: '10.00', currency: 'CNY' },
        { accountId: other.id, direction: 'CREDIT' as const, amount: '20.00', currency: 'CNY' },
      ],
    };
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const results = await postBatch(pool, [transfer(wallet, source, '1.00'), threeLegs, transfer(source, wallet, '2.00')]);
      expect(results.map((result) => result.replayed)).toEqual([false, false, false]);
      const posted = await getTransaction(db.prisma, results[1]!.transactionId);
      expect(posted?.description).toBe(threeLegs.description);
      expect(posted?.metadata).toEqual(threeLegs.metadata);
      expect(posted?.entries.map((entry) => [entry.accountId, entry.direction, entry.amount.toFixed(2)]).sort()).toEqual(
        threeLegs.entries.map((entry) => [entry.accountId, entry.direction, entry.amount]).sort(),
      );
      expect((await postBatch(db.prisma, [threeLegs])).map((result) => [result.transactionId, result.replayed])).toEqual([[results[1]!.transactionId, true]]);
    } finally {
      await pool.end();
    }
    expect(await available(wallet.id)).toBe('71.00');
    expect(await available(other.id)).toBe('20.00');
  });

  it('refuses arrays that do not line up, in the database', async () => {
    const { source, wallet } = await funded('10.00');
    const call = (counts: string) =>
      db.query(
        `SELECT * FROM "ledger_post_transactions"($1::varchar[], $2::char(64)[], $3::varchar[], $4::varchar[], $5::timestamptz[], $6::jsonb[], $7::uuid[],
                                                  $8::integer[], $9::uuid[], $10::"ledger_direction"[], $11::numeric[], $12::char(3)[])`,
        [[key('lined-up')], ['0'.repeat(64)], ['TEST_TRANSFER'], [null], [null], ['{}'], [null], counts, [wallet.id, source.id], ['DEBIT', 'CREDIT'], ['1.00', '1.00'], ['CNY', 'CNY']],
      );
    expect(((await rejectionOf(call('{3}'))) as { code?: string }).code).toBe('22023');
    expect(((await rejectionOf(call('{1}'))) as { code?: string }).code).toBe('22023');
    expect(((await rejectionOf(call('{2,0}'))) as { code?: string }).code).toBe('22023');
    expect(await available(wallet.id)).toBe('10.00');
  });
});

describe('balances as of a past time and statements', () => {
  const day = (n: number) => new Date(Date.UTC(2026, 0, n, 2, 0, 0));

  it('computes balances as of any past instant, holds included while they were pending', async () => {
    const source = await account();
    const wallet = await account({ bounded: true });
    await postTransaction(db.prisma, { ...transfer(source, wallet, '100.00'), effectiveAt: day(1) });
    await postTransaction(db.prisma, { ...transfer(wallet, source, '30.00'), effectiveAt: day(10) });
    await postTransaction(db.prisma, { ...transfer(source, wallet, '5.00'), effectiveAt: day(20) });
    const asOf = async (when: Date) => (await getBalance(db.prisma, wallet.id, when)).posted.toFixed(2);
    expect([await asOf(day(0)), await asOf(day(1)), await asOf(day(15)), await asOf(day(25))]).toEqual(['0.00', '100.00', '70.00', '75.00']);

    const reservedAt = new Date();
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: key('hold'), code: 'X', debitAccountId: wallet.id, creditAccountId: source.id, amount: '25.00', currency: 'CNY' });
    const whilePending = new Date();
    await voidHold(db.prisma, { holdId, idempotencyKey: key('void') });
    const pendingThen = await getBalance(db.prisma, wallet.id, whilePending);
    expect([pendingThen.debitsPending.toFixed(2), pendingThen.available.toFixed(2)]).toEqual(['25.00', '50.00']);
    expect((await getBalance(db.prisma, wallet.id, new Date(reservedAt.getTime() - 1000))).debitsPending.toFixed(2)).toBe('0.00');
    expect((await getBalance(db.prisma, wallet.id, new Date())).debitsPending.toFixed(2)).toBe('0.00');
  });

  it('gives a statement with opening balance, running balances, closing balance, in pages', async () => {
    const source = await account();
    const wallet = await account({ bounded: true });
    await postTransaction(db.prisma, { ...transfer(source, wallet, '100.00'), effectiveAt: day(1) });
    for (let index = 0; index < 5; index += 1) {
      await postTransaction(db.prisma, { ...transfer(wallet, source, `${index + 1}.00`), effectiveAt: day(10 + index) });
    }
    await postTransaction(db.prisma, { ...transfer(source, wallet, '50.00'), effectiveAt: day(28) });

    const period = { from: day(5), to: day(20) };
    const page1 = await getStatement(db.prisma, wallet.id, { ...period, first: 2 });
    expect(page1.openingBalance.toFixed(2)).toBe('100.00');
    expect(page1.closingBalance.toFixed(2)).toBe('85.00');
    expect(page1.lines.map((line) => [line.direction, line.amount.toFixed(2), line.runningBalance.toFixed(2)])).toEqual([
      ['DEBIT', '1.00', '99.00'],
      ['DEBIT', '2.00', '97.00'],
    ]);
    expect(page1.hasNextPage).toBe(true);
    const page2 = await getStatement(db.prisma, wallet.id, { ...period, first: 2, after: page1.endCursor });
    expect(page2.lines.map((line) => line.runningBalance.toFixed(2))).toEqual(['94.00', '90.00']);
    const page3 = await getStatement(db.prisma, wallet.id, { ...period, first: 2, after: page2.endCursor });
    expect(page3.lines.map((line) => line.runningBalance.toFixed(2))).toEqual(['85.00']);
    expect(page3.hasNextPage).toBe(false);
    expect(page3.lines[0]?.runningBalance.toFixed(2)).toBe(page3.closingBalance.toFixed(2));
    expect(page3.lines[0]?.code).toBe('TEST_TRANSFER');

    const error = await rejectionOf(getStatement(db.prisma, wallet.id, { ...period, after: 'bm90LWEtY3Vyc29y' }));
    expect(error).toBeInstanceOf(ValidationError);
  });
});

describe('trial balance and other connections', () => {
  it('has debits equal to credits, per type and in total', async () => {
    const trial = await trialBalance(db.prisma, 'CNY');
    expect(trial.balanced).toBe(true);
    expect(trial.totalDebit.toFixed(2)).toBe(trial.totalCredit.toFixed(2));
    const sumByType = trial.totalsByType.reduce((sum, line) => sum.plus(line.debit).minus(line.credit), trial.totalDebit.minus(trial.totalDebit));
    expect(sumByType.isZero()).toBe(true);
  });

  it('posts inside a caller’s Prisma transaction, atomically with its other writes', async () => {
    const { source, wallet } = await funded('100.00');
    const failing = db.prisma.$transaction(async (tx) => {
      await postTransaction(tx, transfer(wallet, source, '40.00'));
      throw new Error('the caller’s own write failed');
    });
    await expect(failing).rejects.toThrow('the caller’s own write failed');
    expect(await available(wallet.id)).toBe('100.00');
  });

  it('works the same over a node-postgres pool', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const ledger: LedgerDb = pool;
      const { source, wallet } = await funded('100.00');
      const request = transfer(wallet, source, '12.34');
      const first = await postTransaction(ledger, request);
      expect(await postTransaction(ledger, request)).toMatchObject({ transactionId: first.transactionId, replayed: true });
      const overdraft = await rejectionOf(postTransaction(ledger, transfer(wallet, source, '100.00')));
      expect((overdraft as LimitExceededError).code).toBe('EXCEEDS_AVAILABLE_BALANCE');
      expect((await getBalance(ledger, wallet.id)).available.toFixed(2)).toBe('87.66');
      expect(await verifyLedgerInvariants(ledger)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('keeps party account codes readable', () => {
    expect(partyAccountCode('abc', 'SUPPLIER_SETTLEMENT', 'CNY')).toBe('party:abc:SUPPLIER_SETTLEMENT:CNY');
  });
});
