import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createActor } from '../../../test/support/parties';
import { openAccount, type LedgerAccountView } from './accounts';
import { reserveHold, voidHold } from './holds';
import { verifyLedgerInvariants } from './invariants';
import { postTransaction } from './postings';

// Each test goes around the application on purpose, with plain SQL, and tries to break one
// invariant of the ledger. The database must refuse every one of them.

let db: TestDatabase;
let client: pg.Client;
let sequence = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  await client.end();
  await db.drop();
});

async function account(options: { bounded?: boolean; currency?: string; book?: 'MONEY' | 'MEMO' } = {}): Promise<LedgerAccountView> {
  sequence += 1;
  return openAccount(db.prisma, {
    code: `raw:${sequence}`,
    name: `Raw ${sequence}`,
    type: 'LIABILITY',
    purpose: options.book === 'MEMO' ? 'CREDIT_LIMIT' : 'COLLECTION',
    book: options.book ?? 'MONEY',
    currency: (options.currency ?? 'CNY') as 'CNY',
    debitsMustNotExceedCredits: options.bounded ?? false,
  });
}

/** Runs statements in one database transaction and returns the SQLSTATE it failed with (or 'COMMITTED'). */
async function attempt(statements: (c: pg.Client) => Promise<unknown>): Promise<string> {
  await client.query('BEGIN');
  try {
    await statements(client);
    await client.query('COMMIT');
    return 'COMMITTED';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    return (error as { code?: string }).code ?? String(error);
  }
}

async function insertTransaction(c: pg.Client, label: string): Promise<{ id: string; effectiveAt: Date }> {
  sequence += 1;
  const { rows } = await c.query<{ id: string; effective_at: Date }>(
    `INSERT INTO ledger_transaction (idempotency_key, request_hash, code) VALUES ($1, repeat('a', 64), 'RAW') RETURNING id, effective_at`,
    [`raw:${label}:${sequence}`],
  );
  return { id: rows[0]!.id, effectiveAt: rows[0]!.effective_at };
}

async function insertEntry(c: pg.Client, transaction: { id: string; effectiveAt: Date }, accountId: string, direction: 'DEBIT' | 'CREDIT', amount: string, currency = 'CNY') {
  // The effective time is copied in SQL: a JavaScript Date would drop its microseconds.
  await c.query(
    `INSERT INTO ledger_entry (transaction_id, account_id, direction, amount, currency, effective_at)
     SELECT $1, $2, $3, $4, $5, effective_at FROM ledger_transaction WHERE id = $1`,
    [transaction.id, accountId, direction, amount, currency],
  );
}

/** A balanced raw transaction, entries in one statement. */
async function rawTransfer(c: pg.Client, from: string, to: string, amount: string, currency = 'CNY') {
  const transaction = await insertTransaction(c, 'transfer');
  await c.query(
    `INSERT INTO ledger_entry (transaction_id, account_id, direction, amount, currency, effective_at)
     SELECT t.id, v.account_id, v.direction::ledger_direction, $4, $5, t.effective_at
     FROM ledger_transaction t, (VALUES ($2::uuid, 'DEBIT'), ($3::uuid, 'CREDIT')) AS v(account_id, direction)
     WHERE t.id = $1`,
    [transaction.id, from, to, amount, currency],
  );
  return transaction;
}

async function totals(accountId: string) {
  const { rows } = await db.query<{ debits_posted: string; credits_posted: string; debits_pending: string; credits_pending: string }>(
    'SELECT debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_account WHERE id = $1',
    [accountId],
  );
  return rows[0];
}

describe('the database refuses', () => {
  it('a transaction whose debits do not equal its credits (checked at commit)', async () => {
    const [x, y] = [await account(), await account()];
    const code = await attempt(async (c) => {
      const transaction = await insertTransaction(c, 'unbalanced');
      await insertEntry(c, transaction, x.id, 'DEBIT', '100.00');
      await insertEntry(c, transaction, y.id, 'CREDIT', '99.99');
    });
    expect(code).toBe('LG002');
    expect(await totals(x.id)).toMatchObject({ debits_posted: '0.0000' });
  });

  it('a transaction balanced in total but not per currency', async () => {
    const [cny, usd] = [await account(), await account({ currency: 'USD' })];
    const [cny2, usd2] = [await account(), await account({ currency: 'USD' })];
    const code = await attempt(async (c) => {
      const transaction = await insertTransaction(c, 'two-currencies');
      await insertEntry(c, transaction, cny.id, 'DEBIT', '100.00', 'CNY');
      await insertEntry(c, transaction, usd.id, 'CREDIT', '100.00', 'USD');
      await insertEntry(c, transaction, cny2.id, 'CREDIT', '50.00', 'CNY');
      await insertEntry(c, transaction, usd2.id, 'DEBIT', '50.00', 'USD');
    });
    expect(code).toBe('LG002');
  });

  it('an unbalanced transaction among balanced ones of the same database transaction, whichever comes first', async () => {
    // The check at commit looks at every transaction of the database transaction at once.
    const [x, y] = [await account(), await account()];
    const last = await attempt(async (c) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      await rawTransfer(c, y.id, x.id, '2.00');
      const transaction = await insertTransaction(c, 'unbalanced-last');
      await insertEntry(c, transaction, x.id, 'DEBIT', '3.00');
      await insertEntry(c, transaction, y.id, 'CREDIT', '2.99');
    });
    expect(last).toBe('LG002');
    const first = await attempt(async (c) => {
      const transaction = await insertTransaction(c, 'unbalanced-first');
      await insertEntry(c, transaction, x.id, 'DEBIT', '3.00');
      await insertEntry(c, transaction, y.id, 'CREDIT', '2.99');
      await rawTransfer(c, x.id, y.id, '1.00');
    });
    expect(first).toBe('LG002');
    expect(await totals(x.id)).toMatchObject({ debits_posted: '0.0000', credits_posted: '0.0000' });
  });

  it('a transaction written, or unbalanced by entries written, after the constraints were checked early (SET CONSTRAINTS ... IMMEDIATE)', async () => {
    const [x, y] = [await account(), await account()];
    const later = await attempt(async (c) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      await c.query('SET CONSTRAINTS ALL DEFERRED');
      await insertTransaction(c, 'after-early-check');
    });
    expect(later).toBe('LG013');
    const unbalancedLater = await attempt(async (c) => {
      const transaction = await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      await c.query('SET CONSTRAINTS ALL DEFERRED');
      await insertEntry(c, transaction, x.id, 'DEBIT', '5.00');
    });
    expect(unbalancedLater).toBe('LG002');
    const savepoint = await attempt(async (c) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SAVEPOINT early');
      await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      await c.query('ROLLBACK TO SAVEPOINT early');
      await c.query('SET CONSTRAINTS ALL DEFERRED');
      await insertTransaction(c, 'after-savepoint');
    });
    expect(savepoint).toBe('LG013');
    expect(await totals(x.id)).toMatchObject({ debits_posted: '0.0000', credits_posted: '0.0000' });
  });

  it('entries added after an early check that would unbalance a checked transaction at the end of any statement', async () => {
    // A transaction already checked is checked again after every statement that adds to it:
    // a pair written in one statement keeps it balanced, half a pair does not.
    const [x, y] = [await account(), await account()];
    const pairAfter = await attempt(async (c) => {
      const transaction = await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      await c.query('SET CONSTRAINTS ALL DEFERRED');
      await c.query(
        `INSERT INTO ledger_entry (transaction_id, account_id, direction, amount, currency, effective_at)
         SELECT t.id, v.account_id, v.direction::ledger_direction, 2.00, 'CNY', t.effective_at
         FROM ledger_transaction t, (VALUES ($2::uuid, 'DEBIT'), ($3::uuid, 'CREDIT')) AS v(account_id, direction) WHERE t.id = $1`,
        [transaction.id, x.id, y.id],
      );
    });
    expect(pairAfter).toBe('COMMITTED');
    const halfAfter = await attempt(async (c) => {
      const transaction = await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      await c.query('SET CONSTRAINTS ALL DEFERRED');
      await insertEntry(c, transaction, x.id, 'DEBIT', '2.00');
      await insertEntry(c, transaction, y.id, 'CREDIT', '2.00');
    });
    expect(halfAfter).toBe('LG002');
  });

  it('a transaction whose sequence the caller chose, or wrote after setting the identity back, whatever its place', async () => {
    // The check at commit reads this database transaction's rows by sequence ranges; a row
    // outside the range a check covered is checked by its own firing, and a row written after
    // a check inside the range it covered is refused (LG018).
    const [x, y] = [await account(), await account()];
    const insertWithSequence = async (c: pg.Client, label: string, chosen: string) => {
      sequence += 1;
      const { rows } = await c.query<{ id: string; effective_at: Date }>(
        `INSERT INTO ledger_transaction (sequence, idempotency_key, request_hash, code) OVERRIDING SYSTEM VALUE VALUES ($2, $1, repeat('a', 64), 'RAW') RETURNING id, effective_at`,
        [`raw:${label}:${sequence}`, chosen],
      );
      return { id: rows[0]!.id, effectiveAt: rows[0]!.effective_at };
    };
    const highest = async () => BigInt((await db.query<{ s: string }>('SELECT max(sequence)::text AS s FROM ledger_transaction')).rows[0]!.s ?? '0');
    // A gap of unused sequences below the identity's next value, to write into.
    const gapStart = (await highest()) + 10n;
    await db.query(`SELECT setval('ledger_transaction_sequence_seq', $1)`, [String(gapStart + 1000n)]);

    const chosenBelow = await attempt(async (c) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      const transaction = await insertWithSequence(c, 'chosen-below', String(gapStart));
      await insertEntry(c, transaction, x.id, 'DEBIT', '3.00');
      await insertEntry(c, transaction, y.id, 'CREDIT', '2.99');
    });
    expect(chosenBelow).toBe('LG002');
    const chosenAbove = await attempt(async (c) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      await insertWithSequence(c, 'chosen-above', String(gapStart + 100_000n));
    });
    expect(chosenAbove).toBe('LG013');
    const setBack = await attempt(async (c) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      await c.query(`SELECT setval('ledger_transaction_sequence_seq', $1)`, [String(gapStart + 1n)]);
      const transaction = await insertTransaction(c, 'set-back');
      await insertEntry(c, transaction, x.id, 'DEBIT', '3.00');
      await insertEntry(c, transaction, y.id, 'CREDIT', '2.99');
    });
    expect(setBack).toBe('LG002');
    await db.query(`SELECT setval('ledger_transaction_sequence_seq', $1)`, [String(gapStart + 1000n)]);
    // After an early check over a range with a free sequence inside it (a savepoint rolled
    // back), a row written into that free sequence would be taken for checked.
    const checkedRangeWithGap = async (c: pg.Client) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SAVEPOINT gap');
      const { rows } = await c.query<{ sequence: string }>('SELECT sequence::text FROM ledger_transaction WHERE id = $1', [(await rawTransfer(c, x.id, y.id, '1.00')).id]);
      await c.query('ROLLBACK TO SAVEPOINT gap');
      await rawTransfer(c, x.id, y.id, '1.00');
      await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      await c.query('SET CONSTRAINTS ALL DEFERRED');
      return BigInt(rows[0]!.sequence);
    };
    const chosenAfterCheck = await attempt(async (c) => {
      const free = await checkedRangeWithGap(c);
      await insertWithSequence(c, 'chosen-after-check', String(free));
    });
    expect(chosenAfterCheck).toBe('LG018');
    const setBackAfterCheck = await attempt(async (c) => {
      const free = await checkedRangeWithGap(c);
      await c.query(`SELECT setval('ledger_transaction_sequence_seq', $1)`, [String(free - 1n)]);
      await insertTransaction(c, 'set-back-after-check');
    });
    expect(setBackAfterCheck).toBe('LG018');
    await db.query(`SELECT setval('ledger_transaction_sequence_seq', $1)`, [String((await highest()) + 100_000n)]);
    // A session that never drew from the identity has no last value to bound the range with.
    const fresh = new pg.Client({ connectionString: db.url });
    await fresh.connect();
    try {
      await fresh.query('BEGIN');
      const transaction = await insertWithSequence(fresh, 'chosen-fresh-session', String(gapStart + 5n));
      await fresh.query(
        `INSERT INTO ledger_entry (transaction_id, account_id, direction, amount, currency, effective_at)
         SELECT t.id, v.account_id, v.direction::ledger_direction, 1.00, 'CNY', t.effective_at
         FROM ledger_transaction t, (VALUES ($2::uuid, 'DEBIT'), ($3::uuid, 'CREDIT')) AS v(account_id, direction) WHERE t.id = $1`,
        [transaction.id, x.id, y.id],
      );
      await expect(fresh.query('COMMIT')).rejects.toMatchObject({ code: '55000' });
    } finally {
      await fresh.end();
    }
    await db.query(`SELECT setval('ledger_transaction_sequence_seq', $1)`, [String((await highest()) + 100_000n)]);
    expect(await totals(x.id)).toMatchObject({ debits_posted: '0.0000', credits_posted: '0.0000' });
  });

  it('a transaction written with another database transaction id than its own, which can never get entries', async () => {
    const [x, y] = [await account(), await account()];
    const code = await attempt(async (c) => {
      await rawTransfer(c, x.id, y.id, '1.00');
      await c.query(`INSERT INTO ledger_transaction (idempotency_key, request_hash, code, created_xact_id) VALUES ($1, repeat('a', 64), 'RAW', 1)`, [`raw:forged:${(sequence += 1)}`]);
    });
    expect(code).toBe('LG013');
  });

  it('a transaction with one entry, or none', async () => {
    const x = await account();
    expect(await attempt(async (c) => insertEntry(c, await insertTransaction(c, 'one'), x.id, 'DEBIT', '1.00'))).toBe('LG013');
    expect(await attempt(async (c) => insertTransaction(c, 'none'))).toBe('LG013');
  });

  it('entries added later to a transaction that is already committed', async () => {
    const [x, y] = [await account(), await account()];
    let committed: { id: string; effectiveAt: Date } | undefined;
    expect(await attempt(async (c) => (committed = await rawTransfer(c, x.id, y.id, '5.00')))).toBe('COMMITTED');
    const code = await attempt(async (c) => {
      await insertEntry(c, committed!, x.id, 'DEBIT', '1000.00');
      await insertEntry(c, committed!, y.id, 'CREDIT', '1000.00');
    });
    expect(code).toBe('LG016');
  });

  it('updating, deleting or truncating entries and transactions', async () => {
    const [x, y] = [await account(), await account()];
    let transaction: { id: string } | undefined;
    await attempt(async (c) => (transaction = await rawTransfer(c, x.id, y.id, '5.00')));
    expect(await attempt((c) => c.query('UPDATE ledger_entry SET amount = 500 WHERE transaction_id = $1', [transaction!.id]))).toBe('LG011');
    expect(await attempt((c) => c.query('DELETE FROM ledger_entry WHERE transaction_id = $1', [transaction!.id]))).toBe('LG011');
    expect(await attempt((c) => c.query('UPDATE ledger_transaction SET code = $2 WHERE id = $1', [transaction!.id, 'OTHER']))).toBe('LG011');
    expect(await attempt((c) => c.query('DELETE FROM ledger_transaction WHERE id = $1', [transaction!.id]))).toBe('LG011');
    expect(await attempt((c) => c.query('TRUNCATE ledger_entry'))).toBe('LG011');
    expect(await attempt((c) => c.query('TRUNCATE ledger_transaction CASCADE'))).toBe('LG011');
    expect(await attempt((c) => c.query('DELETE FROM ledger_account WHERE id = $1', [x.id]))).toBe('LG011');
    expect(await totals(y.id)).toMatchObject({ credits_posted: '5.0000' });
  });

  it('zero, negative and too-many-decimal amounts', async () => {
    const [x, y] = [await account(), await account()];
    expect(await attempt((c) => rawTransfer(c, x.id, y.id, '0'))).toBe('23514');
    expect(await attempt((c) => rawTransfer(c, x.id, y.id, '-10.00'))).toBe('23514');
    expect(await attempt((c) => rawTransfer(c, x.id, y.id, '10.001'))).toBe('LG004');
    const [jpyX, jpyY] = [await account({ currency: 'JPY' }), await account({ currency: 'JPY' })];
    expect(await attempt((c) => rawTransfer(c, jpyX.id, jpyY.id, '10.5', 'JPY'))).toBe('LG004');
  });

  it('a transaction dated beyond the lead the database allows, or reversing itself', async () => {
    const future = `raw:future:${(sequence += 1)}`;
    expect(
      await attempt((c) => c.query(`INSERT INTO ledger_transaction (idempotency_key, request_hash, code, effective_at) VALUES ($1, repeat('a', 64), 'RAW', now() + interval '1 hour')`, [future])),
    ).toBe('23514');
    const self = `raw:self:${(sequence += 1)}`;
    expect(
      await attempt((c) => c.query(`INSERT INTO ledger_transaction (id, idempotency_key, request_hash, code, reverses_transaction_id) VALUES ($1, $2, repeat('a', 64), 'RAW', $1)`, [randomUUID(), self])),
    ).toBe('23514');
  });

  it('an entry in another currency than its account, on a closed account, or on an account that does not exist', async () => {
    const [x, y] = [await account(), await account()];
    expect(await attempt((c) => rawTransfer(c, x.id, y.id, '1.00', 'USD'))).toBe('LG003');
    const closed = await account();
    await db.query('UPDATE ledger_account SET closed_at = now() WHERE id = $1', [closed.id]);
    expect(await attempt((c) => rawTransfer(c, x.id, closed.id, '1.00'))).toBe('LG005');
    expect(await attempt((c) => rawTransfer(c, x.id, '00000000-0000-4000-8000-000000000000', '1.00'))).toBe('LG006');
  });

  it('a transaction that mixes the money and memo books', async () => {
    const [money, memo] = [await account(), await account({ book: 'MEMO' })];
    expect(await attempt((c) => rawTransfer(c, money.id, memo.id, '1.00'))).toBe('LG012');
  });

  it('overdrawing a bounded account, by a minor unit, with hand-written SQL', async () => {
    const [source, wallet] = [await account(), await account({ bounded: true })];
    expect(await attempt((c) => rawTransfer(c, source.id, wallet.id, '10.00'))).toBe('COMMITTED');
    expect(await attempt((c) => rawTransfer(c, wallet.id, source.id, '10.01'))).toBe('23514');
    expect(await totals(wallet.id)).toMatchObject({ debits_posted: '0.0000', credits_posted: '10.0000' });
    expect(await attempt((c) => rawTransfer(c, wallet.id, source.id, '10.00'))).toBe('COMMITTED');
  });

  it('writing an account’s totals directly, opening one with totals, or changing its identity', async () => {
    const x = await account();
    expect(await attempt((c) => c.query('UPDATE ledger_account SET credits_posted = 1000000 WHERE id = $1', [x.id]))).toBe('LG011');
    expect(await attempt((c) => c.query('UPDATE ledger_account SET debits_pending = 0.01 WHERE id = $1', [x.id]))).toBe('LG011');
    expect(await attempt((c) => c.query(`UPDATE ledger_account SET currency = 'USD' WHERE id = $1`, [x.id]))).toBe('LG011');
    expect(await attempt((c) => c.query(`UPDATE ledger_account SET type = 'ASSET', normal_balance = 'DEBIT' WHERE id = $1`, [x.id]))).toBe('LG011');
    expect(
      await attempt((c) =>
        c.query(`INSERT INTO ledger_account (code, name, type, normal_balance, currency, purpose, credits_posted) VALUES ('raw:rich', 'Rich', 'LIABILITY', 'CREDIT', 'CNY', 'SUSPENSE', 1000000)`),
      ),
    ).toBe('LG011');
    // A bad virtual account number (wrong check digit) is refused when the account is opened.
    expect(
      await attempt((c) =>
        c.query(`INSERT INTO ledger_account (code, name, type, normal_balance, currency, purpose, virtual_account_number) VALUES ('raw:van', 'Van', 'LIABILITY', 'CREDIT', 'CNY', 'COLLECTION', '9558800000000000017')`),
      ),
    ).toBe('23514');
  });

  it('turning on a balance bound that the account’s balance already breaks', async () => {
    const [overdrawn, other] = [await account(), await account()];
    await attempt((c) => rawTransfer(c, overdrawn.id, other.id, '5.00'));
    expect(await attempt((c) => c.query('UPDATE ledger_account SET debits_must_not_exceed_credits = true WHERE id = $1', [overdrawn.id]))).toBe('23514');
  });

  it('a hold that goes beyond the bound, and any change to a resolved hold', async () => {
    const [source, wallet] = [await account(), await account({ bounded: true })];
    await postTransaction(db.prisma, {
      idempotencyKey: `raw:fund:${(sequence += 1)}`,
      code: 'FUND',
      entries: [
        { accountId: source.id, direction: 'DEBIT', amount: '10.00', currency: 'CNY' },
        { accountId: wallet.id, direction: 'CREDIT', amount: '10.00', currency: 'CNY' },
      ],
    });
    expect(
      await attempt((c) =>
        c.query(`INSERT INTO ledger_hold (idempotency_key, request_hash, debit_account_id, credit_account_id, amount, currency, code) VALUES ('raw:hold:big', repeat('a', 64), $1, $2, 10.01, 'CNY', 'RAW')`, [
          wallet.id,
          source.id,
        ]),
      ),
    ).toBe('23514');
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: `raw:hold:${(sequence += 1)}`, code: 'RAW', debitAccountId: wallet.id, creditAccountId: source.id, amount: '4.00', currency: 'CNY' });
    // A pending hold's amount and accounts are fixed.
    expect(await attempt((c) => c.query('UPDATE ledger_hold SET amount = 1 WHERE id = $1', [holdId]))).toBe('LG011');
    await voidHold(db.prisma, { holdId, idempotencyKey: `raw:void:${(sequence += 1)}` });
    // Resolved is final: it cannot be reopened (which would release the money twice) or re-resolved.
    expect(await attempt((c) => c.query(`UPDATE ledger_hold SET status = 'PENDING', resolved_at = NULL, resolution_key = NULL, resolution_request_hash = NULL WHERE id = $1`, [holdId]))).toBe('LG008');
    expect(await attempt((c) => c.query(`UPDATE ledger_hold SET status = 'EXPIRED', resolution_key = NULL, resolution_request_hash = NULL WHERE id = $1`, [holdId]))).toBe('LG008');
    expect(await attempt((c) => c.query('DELETE FROM ledger_hold WHERE id = $1', [holdId]))).toBe('LG011');
    expect(await totals(wallet.id)).toMatchObject({ debits_pending: '0.0000' });
  });

  it('an adjustment approved by the user who proposed it', async () => {
    const maker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER'] });
    const code = await attempt((c) =>
      c.query(`INSERT INTO ledger_adjustment (status, reason, entries, maker_user_id, checker_user_id, decided_at) VALUES ('REJECTED', 'self-check', '[]', $1, $1, now())`, [maker.userId]),
    );
    expect(code).toBe('23514');
  });

  it('changing a currency’s minor units once money is booked in it', async () => {
    expect(await attempt((c) => c.query(`UPDATE ledger_currency SET minor_units = 4 WHERE code = 'CNY'`))).toBe('LG011');
    expect(await attempt((c) => c.query(`DELETE FROM ledger_currency WHERE code = 'JPY'`))).toBe('LG011');
  });
});
