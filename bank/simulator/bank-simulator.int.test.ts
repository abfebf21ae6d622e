import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { BankRequestRejectedError, BankTimeoutError, BankUnavailableError, type PayoutInstruction, type PayoutView } from '../bank-adapter';
import { parseStatementFile } from '../statement/parse-statement-file';
import { BankSimulator, DEFAULT_FAILURE_REASON, DEFAULT_RETURN_REASON, type BankSimulatorOptions } from './bank-simulator';

// Every test opens its own escrow account, so payouts, scripts, credits and statements of one
// test never meet another's, and drives time with its own clock: nothing here sleeps.

const START = '2026-11-23T02:00:00.000Z'; // 10:00 in Shanghai, business date 2026-11-23
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const BENEFICIARY = { accountName: '苏州精工机械有限公司', accountNumber: '6228480012345678901', bankName: '中国农业银行苏州分行' };

let db: TestDatabase;
let pool: pg.Pool;
let accounts = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 25 });
});

afterAll(async () => {
  // Every client must be gone before the database is dropped with FORCE: pg's Pool.end()
  // resolves before the sockets close, and a connection killed in that window surfaces as an
  // unhandled error. So the assertions below query through this pool, not db.query.
  const open = pool.totalCount;
  let removed = 0;
  const allClosed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => {
      removed += 1;
      if (removed === open) resolve();
    });
  });
  await pool.end();
  await allClosed;
  await db.drop();
});

function sql<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<T>> {
  return pool.query<T>(text, values);
}

interface TestBank {
  bank: BankSimulator;
  account: string;
  /** Moves the bank's clock forward. */
  advance: (ms: number) => void;
  setTime: (iso: string) => void;
  now: () => Date;
}

function openBank(options: Partial<BankSimulatorOptions> = {}): TestBank {
  accounts += 1;
  const account = `62000000${String(accounts).padStart(8, '0')}`;
  let now = new Date(START);
  const bank = new BankSimulator({ pool, clock: () => new Date(now), escrowAccountNumber: account, ...options });
  return {
    bank,
    account,
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
    setTime: (iso) => {
      now = new Date(iso);
    },
    now: () => new Date(now),
  };
}

function payout(payoutReference: string, overrides: Partial<PayoutInstruction> = {}): PayoutInstruction {
  return { payoutReference, amount: '787200.00', currency: 'CNY', beneficiary: BENEFICIARY, remittanceInformation: '放款 financing:F-1', ...overrides };
}

async function payoutRows(account: string, payoutReference: string): Promise<number> {
  const { rows } = await sql<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE account_number = $1 AND payout_reference = $2', [account, payoutReference]);
  return rows[0]!.n;
}

async function bookingLines(account: string, payoutReference: string): Promise<{ kind: string; booked_at: Date }[]> {
  const { rows } = await sql<{ kind: string; booked_at: Date }>(
    'SELECT kind, booked_at FROM bank_simulator.booking_line WHERE account_number = $1 AND reference = $2 ORDER BY id',
    [account, payoutReference],
  );
  return rows;
}

describe('payouts that are answered at once', () => {
  it('SUCCEED (the default) settles at once, books a debit, and is found again by query', async () => {
    const { bank, account, now } = openBank();
    const view = await bank.submitPayout(payout('pay:1', { amount: '787200' }));
    expect(view).toEqual({
      payoutReference: 'pay:1',
      status: 'SETTLED',
      amount: '787200.00',
      currency: 'CNY',
      bankReference: expect.stringMatching(/^SIM\d{16}$/),
      failureReason: null,
      settledAt: now(),
      failedAt: null,
      returnedAt: null,
      returnReason: null,
    });
    expect(await bank.queryPayout('pay:1')).toEqual(view);
    expect(await bank.queryPayout('pay:never-sent')).toBeUndefined();
    expect(await bookingLines(account, 'pay:1')).toEqual([{ kind: 'PAYOUT', booked_at: now() }]);
  });

  it('FAIL refuses with the scripted reason and moves no money', async () => {
    const { bank, account, now } = openBank();
    await bank.script({ payoutReference: 'pay:closed', behaviour: 'FAIL', reason: '账户已销户 account closed' });
    const view = await bank.submitPayout(payout('pay:closed'));
    expect(view).toMatchObject({ status: 'FAILED', failureReason: '账户已销户 account closed', failedAt: now(), settledAt: null, returnReason: null });
    expect(await bank.queryPayout('pay:closed')).toEqual(view);
    expect(await bookingLines(account, 'pay:closed')).toEqual([]);
  });

  it('FAIL without a reason gives the default one', async () => {
    const { bank } = openBank();
    await bank.script({ payoutReference: 'pay:x', behaviour: 'FAIL' });
    expect(await bank.submitPayout(payout('pay:x'))).toMatchObject({ status: 'FAILED', failureReason: DEFAULT_FAILURE_REASON });
  });
});

describe('resubmission of a reference', () => {
  it('answers with the first payout and never executes it twice', async () => {
    const { bank, account, advance } = openBank();
    const first = await bank.submitPayout(payout('pay:again'));
    advance(HOUR_MS);
    // The same amount written differently is the same payout; remittance text is not compared.
    expect(await bank.submitPayout(payout('pay:again', { amount: '787200.0', remittanceInformation: 'retry' }))).toEqual(first);
    expect(await bank.submitPayout(payout('pay:again'))).toEqual(first);
    expect(await payoutRows(account, 'pay:again')).toBe(1);
    expect(await bookingLines(account, 'pay:again')).toHaveLength(1);
  });

  it.each([
    ['a different amount', { amount: '787200.01' }, /amount/],
    ['a different currency', { currency: 'USD' }, /currency/],
    ['a different beneficiary account number', { beneficiary: { ...BENEFICIARY, accountNumber: '6228480012345678902' } }, /beneficiary\.accountNumber/],
    ['a different beneficiary name', { beneficiary: { ...BENEFICIARY, accountName: '苏州精工机械股份有限公司' } }, /beneficiary\.accountName/],
    ['a different beneficiary bank', { beneficiary: { ...BENEFICIARY, bankName: '中国银行苏州分行' } }, /beneficiary\.bankName/],
  ])('refuses %s under the same reference, and the first payout stands', async (_label, change, message) => {
    const { bank, account } = openBank();
    const first = await bank.submitPayout(payout('pay:conflict'));
    const refused = bank.submitPayout(payout('pay:conflict', change));
    await expect(refused).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(refused).rejects.toThrow(message);
    expect(await bank.queryPayout('pay:conflict')).toEqual(first);
    expect(await payoutRows(account, 'pay:conflict')).toBe(1);
  });

  it('20 concurrent submissions of one reference make one payout and 20 identical answers', async () => {
    const { bank, account } = openBank();
    const answers = await Promise.all(Array.from({ length: 20 }, () => bank.submitPayout(payout('pay:race'))));
    expect(await payoutRows(account, 'pay:race')).toBe(1);
    expect(await bookingLines(account, 'pay:race')).toHaveLength(1);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]!.status).toBe('SETTLED');
  });

  it('20 concurrent submissions of a reference scripted to time out: exactly one times out, the others see the one payout', async () => {
    const { bank, account } = openBank();
    await bank.script({ payoutReference: 'pay:race-timeout', behaviour: 'TIMEOUT_THEN_SUCCEED', delayMs: MINUTE_MS });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => bank.submitPayout(payout('pay:race-timeout'))));
    const timedOut = outcomes.filter((outcome) => outcome.status === 'rejected');
    const answered = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(timedOut).toHaveLength(1);
    expect((timedOut[0] as PromiseRejectedResult).reason).toBeInstanceOf(BankTimeoutError);
    expect(answered).toHaveLength(19);
    for (const answer of answered) expect(answer).toEqual({ ...answered[0], status: 'PENDING' });
    expect(await payoutRows(account, 'pay:race-timeout')).toBe(1);
  });

  it('20 concurrent payouts to one beneficiary scripted to fail 5 times: exactly 5 fail', async () => {
    const { bank, account } = openBank();
    await bank.script({ beneficiaryAccountNumber: BENEFICIARY.accountNumber, behaviour: 'FAIL', times: 5 });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => bank.submitPayout(payout(`pay:batch-${index}`))));
    expect(answers.filter((answer) => answer.status === 'FAILED')).toHaveLength(5);
    expect(answers.filter((answer) => answer.status === 'SETTLED')).toHaveLength(15);
    const { rows } = await sql<{ remaining: number }>('SELECT remaining FROM bank_simulator.script WHERE account_number = $1', [account]);
    expect(rows).toEqual([{ remaining: 0 }]);
  });
  it('20 concurrent payouts meeting a queue of three one-time scripts use each exactly once', async () => {
    const { bank } = openBank();
    for (const reason of ['first', 'second', 'third']) await bank.script({ beneficiaryAccountNumber: BENEFICIARY.accountNumber, behaviour: 'FAIL', reason });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => bank.submitPayout(payout(`pay:queue-${index}`))));
    const failures = answers.filter((answer) => answer.status === 'FAILED');
    expect(failures.map((answer) => answer.failureReason).sort()).toEqual(['first', 'second', 'third']);
    expect(answers.filter((answer) => answer.status === 'SETTLED')).toHaveLength(17);
  });
});

describe('late answers, driven by the clock', () => {
  it('TIMEOUT_THEN_SUCCEED: the submission times out, the bank has it, it settles at the due time', async () => {
    const { bank, advance, now } = openBank();
    await bank.script({ payoutReference: 'pay:slow', behaviour: 'TIMEOUT_THEN_SUCCEED', delayMs: 5 * MINUTE_MS });
    const submittedAt = now();
    await expect(bank.submitPayout(payout('pay:slow'))).rejects.toBeInstanceOf(BankTimeoutError);
    expect(await bank.queryPayout('pay:slow')).toMatchObject({ status: 'PENDING', settledAt: null, bankReference: expect.stringMatching(/^SIM/) });
    advance(5 * MINUTE_MS - 1);
    expect(await bank.queryPayout('pay:slow')).toMatchObject({ status: 'PENDING' });
    advance(1);
    const settled = await bank.queryPayout('pay:slow');
    expect(settled).toMatchObject({ status: 'SETTLED', settledAt: new Date(submittedAt.getTime() + 5 * MINUTE_MS) });
    // Asked an hour later, the settlement time is still the due time, not the time of asking.
    advance(HOUR_MS);
    expect(await bank.queryPayout('pay:slow')).toEqual(settled);
    // A retry of the submission answers; it does not time out again.
    expect(await bank.submitPayout(payout('pay:slow'))).toEqual(settled);
  });

  it('TIMEOUT_THEN_FAIL: pending, then failed with the reason at the due time', async () => {
    const { bank, advance, now } = openBank();
    await bank.script({ payoutReference: 'pay:slow-fail', behaviour: 'TIMEOUT_THEN_FAIL', delayMs: 2 * MINUTE_MS, reason: '收款行拒绝 rejected by the beneficiary bank' });
    const submittedAt = now();
    await expect(bank.submitPayout(payout('pay:slow-fail'))).rejects.toBeInstanceOf(BankTimeoutError);
    expect(await bank.submitPayout(payout('pay:slow-fail'))).toMatchObject({ status: 'PENDING', failureReason: null });
    advance(2 * MINUTE_MS);
    expect(await bank.queryPayout('pay:slow-fail')).toMatchObject({
      status: 'FAILED',
      failureReason: '收款行拒绝 rejected by the beneficiary bank',
      failedAt: new Date(submittedAt.getTime() + 2 * MINUTE_MS),
    });
  });

  it('TIMEOUT_NOT_RECEIVED: nothing reached the bank; the resubmission is accepted once', async () => {
    const { bank, account } = openBank();
    await bank.script({ payoutReference: 'pay:lost', behaviour: 'TIMEOUT_NOT_RECEIVED' });
    await expect(bank.submitPayout(payout('pay:lost'))).rejects.toBeInstanceOf(BankTimeoutError);
    expect(await bank.queryPayout('pay:lost')).toBeUndefined();
    expect(await payoutRows(account, 'pay:lost')).toBe(0);
    const accepted = await bank.submitPayout(payout('pay:lost'));
    expect(accepted).toMatchObject({ status: 'SETTLED' });
    expect(await bank.submitPayout(payout('pay:lost'))).toEqual(accepted);
    expect(await payoutRows(account, 'pay:lost')).toBe(1);
    expect(await bookingLines(account, 'pay:lost')).toHaveLength(1);
  });

  it('RETURN_AFTER: settled at once, returned after the delay with the reason, credited back', async () => {
    const { bank, account, advance, now } = openBank();
    await bank.script({ payoutReference: 'pay:back', behaviour: 'RETURN_AFTER', delayMs: 3 * HOUR_MS, reason: '户名不符 name mismatch' });
    const paidAt = now();
    const settled = await bank.submitPayout(payout('pay:back'));
    expect(settled).toMatchObject({ status: 'SETTLED', settledAt: paidAt, returnReason: null });
    advance(3 * HOUR_MS - 1);
    expect(await bank.queryPayout('pay:back')).toEqual(settled);
    advance(1);
    const returnedAt = new Date(paidAt.getTime() + 3 * HOUR_MS);
    expect(await bank.queryPayout('pay:back')).toMatchObject({ status: 'RETURNED', settledAt: paidAt, returnedAt, returnReason: '户名不符 name mismatch', failureReason: null });
    expect(await bookingLines(account, 'pay:back')).toEqual([
      { kind: 'PAYOUT', booked_at: paidAt },
      { kind: 'PAYOUT_RETURN', booked_at: returnedAt },
    ]);
  });

  it('RETURN_AFTER with a returnAmount sends back only that part: the return line credits it, the rest stays paid', async () => {
    const { bank, account, advance, now } = openBank();
    await bank.script({ payoutReference: 'pay:part', behaviour: 'RETURN_AFTER', delayMs: HOUR_MS, returnAmount: '1000.00' });
    const paidAt = now();
    expect(await bank.submitPayout(payout('pay:part'))).not.toHaveProperty('returnedAmount');
    advance(HOUR_MS);
    expect(await bank.queryPayout('pay:part')).toMatchObject({ status: 'RETURNED', amount: '787200.00', returnedAmount: '1000.00', returnedAt: new Date(paidAt.getTime() + HOUR_MS) });
    const { rows } = await sql<{ kind: string; amount: string }>('SELECT kind, amount::text AS amount FROM bank_simulator.booking_line WHERE account_number = $1 AND reference = $2 ORDER BY id', [account, 'pay:part']);
    expect(rows).toEqual([
      { kind: 'PAYOUT', amount: '787200.0000' },
      { kind: 'PAYOUT_RETURN', amount: '1000.0000' },
    ]);
    const statement = await bank.fetchStatement('2026-11-23', 'CNY');
    expect(statement.closingBalance).toBe('-786200.00');
    // A whole return says so too; a return of more than was paid returns the payout.
    await bank.script({ payoutReference: 'pay:more', behaviour: 'RETURN_AFTER', delayMs: HOUR_MS, returnAmount: '900000.00' });
    await bank.submitPayout(payout('pay:more'));
    advance(HOUR_MS);
    expect(await bank.queryPayout('pay:more')).toMatchObject({ status: 'RETURNED', returnedAmount: '787200.00' });
  });

  it('refuses a returnAmount for a behaviour that returns nothing, and one that is not an amount', async () => {
    const { bank } = openBank();
    await expect(bank.script({ behaviour: 'SUCCEED', returnAmount: '1.00' })).rejects.toThrow(/takes no returnAmount/);
    for (const returnAmount of ['0', '-1', '1.001', 'ten']) {
      await expect(bank.script({ behaviour: 'RETURN_AFTER', returnAmount })).rejects.toBeInstanceOf(RangeError);
    }
  });

  it('RETURN_AFTER without a reason gives the default one', async () => {
    const { bank, advance } = openBank();
    await bank.script({ payoutReference: 'pay:back2', behaviour: 'RETURN_AFTER' });
    await bank.submitPayout(payout('pay:back2'));
    advance(MINUTE_MS);
    expect(await bank.queryPayout('pay:back2')).toMatchObject({ status: 'RETURNED', returnReason: DEFAULT_RETURN_REASON });
  });

  it('PENDING_THEN_SUCCEED: answered PENDING, settles after the delay (one minute by default)', async () => {
    const { bank, account, advance, now } = openBank();
    await bank.script({ payoutReference: 'pay:queued', behaviour: 'PENDING_THEN_SUCCEED' });
    const submittedAt = now();
    expect(await bank.submitPayout(payout('pay:queued'))).toMatchObject({ status: 'PENDING', settledAt: null });
    expect(await bookingLines(account, 'pay:queued')).toEqual([]);
    advance(MINUTE_MS - 1);
    expect(await bank.queryPayout('pay:queued')).toMatchObject({ status: 'PENDING' });
    // First asked long after it fell due: settled at the due time, not at the time of asking.
    advance(HOUR_MS);
    expect(await bank.queryPayout('pay:queued')).toMatchObject({ status: 'SETTLED', settledAt: new Date(submittedAt.getTime() + MINUTE_MS) });
    expect(await bookingLines(account, 'pay:queued')).toHaveLength(1);
  });

  it('PENDING_THEN_FAIL: answered PENDING, fails after the delay', async () => {
    const { bank, advance } = openBank();
    await bank.script({ payoutReference: 'pay:queued-fail', behaviour: 'PENDING_THEN_FAIL', delayMs: 10 * MINUTE_MS });
    expect(await bank.submitPayout(payout('pay:queued-fail'))).toMatchObject({ status: 'PENDING' });
    advance(10 * MINUTE_MS);
    expect(await bank.queryPayout('pay:queued-fail')).toMatchObject({ status: 'FAILED', failureReason: DEFAULT_FAILURE_REASON });
  });

  it('many callers catching up one payout at once book it once', async () => {
    const { bank, account, advance } = openBank();
    await bank.script({ payoutReference: 'pay:catch-up', behaviour: 'RETURN_AFTER', delayMs: MINUTE_MS });
    await bank.script({ payoutReference: 'pay:catch-up-2', behaviour: 'PENDING_THEN_SUCCEED', delayMs: MINUTE_MS });
    await bank.submitPayout(payout('pay:catch-up'));
    await bank.submitPayout(payout('pay:catch-up-2'));
    advance(MINUTE_MS);
    await Promise.all([
      ...Array.from({ length: 10 }, () => bank.queryPayout('pay:catch-up')),
      ...Array.from({ length: 10 }, () => bank.queryPayout('pay:catch-up-2')),
      ...Array.from({ length: 5 }, () => bank.fetchStatement('2026-11-23', 'CNY')),
    ]);
    expect((await bookingLines(account, 'pay:catch-up')).map((line) => line.kind)).toEqual(['PAYOUT', 'PAYOUT_RETURN']);
    expect((await bookingLines(account, 'pay:catch-up-2')).map((line) => line.kind)).toEqual(['PAYOUT']);
  });
});

describe('scripts', () => {
  it('a script for the reference wins over one for the beneficiary; each queue is used oldest first', async () => {
    const { bank } = openBank();
    await bank.script({ beneficiaryAccountNumber: BENEFICIARY.accountNumber, behaviour: 'FAIL', reason: 'first' });
    await bank.script({ beneficiaryAccountNumber: BENEFICIARY.accountNumber, behaviour: 'PENDING_THEN_SUCCEED' });
    await bank.script({ payoutReference: 'pay:b', behaviour: 'RETURN_AFTER' });
    expect(await bank.submitPayout(payout('pay:a'))).toMatchObject({ status: 'FAILED', failureReason: 'first' });
    expect(await bank.submitPayout(payout('pay:b'))).toMatchObject({ status: 'SETTLED' }); // RETURN_AFTER: settled for now
    expect(await bank.submitPayout(payout('pay:c'))).toMatchObject({ status: 'PENDING' });
    expect(await bank.submitPayout(payout('pay:d'))).toMatchObject({ status: 'SETTLED' }); // scripts used up: the default
    // Another beneficiary never saw the beneficiary scripts.
    expect(await bank.submitPayout(payout('pay:e', { beneficiary: { ...BENEFICIARY, accountNumber: '12345678' } }))).toMatchObject({ status: 'SETTLED' });
  });

  it('a script with neither target applies to the next payout of any kind; times repeats it', async () => {
    const { bank } = openBank();
    await bank.script({ behaviour: 'FAIL', times: 2 });
    expect(await bank.submitPayout(payout('pay:1'))).toMatchObject({ status: 'FAILED' });
    expect(await bank.submitPayout(payout('pay:2', { beneficiary: { ...BENEFICIARY, accountNumber: '99999999' } }))).toMatchObject({ status: 'FAILED' });
    expect(await bank.submitPayout(payout('pay:3'))).toMatchObject({ status: 'SETTLED' });
  });

  it('a resubmission or a refused submission uses no script', async () => {
    const { bank } = openBank();
    await bank.submitPayout(payout('pay:known'));
    await bank.script({ behaviour: 'FAIL' });
    await bank.submitPayout(payout('pay:known'));
    await expect(bank.submitPayout(payout('pay:bad', { amount: '-1' }))).rejects.toBeInstanceOf(BankRequestRejectedError);
    expect(await bank.submitPayout(payout('pay:new'))).toMatchObject({ status: 'FAILED' });
  });

  it('scripts live in the database: another simulator on the same account follows them', async () => {
    const first = openBank();
    const second = new BankSimulator({ pool, clock: first.now, escrowAccountNumber: first.account });
    await first.bank.script({ payoutReference: 'pay:shared', behaviour: 'FAIL' });
    expect(await second.submitPayout(payout('pay:shared'))).toMatchObject({ status: 'FAILED' });
    expect(await first.bank.queryPayout('pay:shared')).toMatchObject({ status: 'FAILED' });
  });

  it.each([
    ['a delay on an immediate behaviour', { behaviour: 'SUCCEED', delayMs: 1000 }],
    ['a reason on a succeeding behaviour', { behaviour: 'PENDING_THEN_SUCCEED', reason: 'x' }],
    ['both a reference and a beneficiary', { behaviour: 'FAIL', payoutReference: 'pay:1', beneficiaryAccountNumber: '12345678' }],
    ['a zero delay', { behaviour: 'PENDING_THEN_SUCCEED', delayMs: 0 }],
    ['a fractional delay', { behaviour: 'PENDING_THEN_SUCCEED', delayMs: 1.5 }],
    ['zero times', { behaviour: 'FAIL', times: 0 }],
    ['a blank reason', { behaviour: 'FAIL', reason: ' ' }],
    ['an unknown behaviour', { behaviour: 'EXPLODE' }],
    ['a malformed beneficiary', { behaviour: 'FAIL', beneficiaryAccountNumber: '12-34-56-78' }],
  ])('refuses a script with %s', async (_label, script) => {
    const { bank } = openBank();
    await expect(bank.script(script as Parameters<BankSimulator['script']>[0])).rejects.toBeInstanceOf(RangeError);
  });
});

describe('validation, as a bank refuses malformed instructions', () => {
  const rejected: [string, PayoutInstruction][] = [
    ['a zero amount', payout('pay:v', { amount: '0' })],
    ['a negative amount', payout('pay:v', { amount: '-1.00' })],
    ['three decimals in CNY', payout('pay:v', { amount: '1.001' })],
    ['one decimal in JPY', payout('pay:v', { amount: '100.5', currency: 'JPY' })],
    ['an exponent', payout('pay:v', { amount: '1e3' })],
    ['thousands separators', payout('pay:v', { amount: '1,000.00' })],
    ['a space', payout('pay:v', { amount: ' 1.00' })],
    ['a number instead of a string', payout('pay:v', { amount: 100 as unknown as string })],
    ['an unknown currency', payout('pay:v', { currency: 'XXX' })],
    ['an empty reference', payout('')],
    ['a 65-character reference', payout('r'.repeat(65))],
    ['a reference with a space', payout('pay 1')],
    ['a reference with CJK characters', payout('放款1')],
    ['a 7-digit account number', payout('pay:v', { beneficiary: { ...BENEFICIARY, accountNumber: '1234567' } })],
    ['a 33-digit account number', payout('pay:v', { beneficiary: { ...BENEFICIARY, accountNumber: '1'.repeat(33) } })],
    ['a letter in the account number', payout('pay:v', { beneficiary: { ...BENEFICIARY, accountNumber: '1234567a' } })],
    ['an empty account name', payout('pay:v', { beneficiary: { ...BENEFICIARY, accountName: '' } })],
    ['a blank account name', payout('pay:v', { beneficiary: { ...BENEFICIARY, accountName: '   ' } })],
    ['an empty bank name', payout('pay:v', { beneficiary: { ...BENEFICIARY, bankName: '' } })],
    ['141 characters of remittance', payout('pay:v', { remittanceInformation: '款'.repeat(141) })],
  ];

  it.each(rejected)('refuses %s and records nothing', async (_label, instruction) => {
    const { bank, account } = openBank();
    await expect(bank.submitPayout(instruction)).rejects.toBeInstanceOf(BankRequestRejectedError);
    const { rows } = await sql<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE account_number = $1', [account]);
    expect(rows[0]!.n).toBe(0);
  });

  it('accepts the edges: one minor unit, a 64-character reference of every allowed kind, 8 and 32 digits, 140 characters, JPY whole units', async () => {
    const { bank } = openBank();
    const reference = `${'Az09:_-'.repeat(9)}a`;
    expect(reference).toHaveLength(64);
    await expect(bank.submitPayout(payout(reference, { amount: '0.01' }))).resolves.toMatchObject({ status: 'SETTLED', amount: '0.01' });
    await expect(bank.submitPayout(payout('pay:8', { beneficiary: { ...BENEFICIARY, accountNumber: '12345678' } }))).resolves.toMatchObject({ status: 'SETTLED' });
    await expect(bank.submitPayout(payout('pay:32', { beneficiary: { ...BENEFICIARY, accountNumber: '1'.repeat(32) } }))).resolves.toMatchObject({ status: 'SETTLED' });
    await expect(bank.submitPayout(payout('pay:140', { remittanceInformation: '款'.repeat(140) }))).resolves.toMatchObject({ status: 'SETTLED' });
    await expect(bank.submitPayout(payout('pay:jpy', { amount: '100', currency: 'JPY' }))).resolves.toMatchObject({ status: 'SETTLED', amount: '100' });
  });

  it('refuses a malformed query reference', async () => {
    const { bank } = openBank();
    await expect(bank.queryPayout('no spaces allowed')).rejects.toBeInstanceOf(BankRequestRejectedError);
  });
});

describe('outages', () => {
  it('the next n calls of any kind are unavailable; nothing reaches the bank meanwhile', async () => {
    const { bank, account } = openBank();
    await bank.script({ payoutReference: 'pay:outage', behaviour: 'FAIL' });
    await bank.setUnavailable(4);
    await expect(bank.submitPayout(payout('pay:outage'))).rejects.toBeInstanceOf(BankUnavailableError);
    await expect(bank.queryPayout('pay:outage')).rejects.toBeInstanceOf(BankUnavailableError);
    await expect(bank.listInboundCredits(null, 10)).rejects.toBeInstanceOf(BankUnavailableError);
    await expect(bank.fetchStatement('2026-11-23', 'CNY')).rejects.toBeInstanceOf(BankUnavailableError);
    expect(await payoutRows(account, 'pay:outage')).toBe(0);
    // The retry with the same reference meets the script that was waiting for it.
    expect(await bank.submitPayout(payout('pay:outage'))).toMatchObject({ status: 'FAILED' });
  });

  it('setUnavailable(0) ends an outage early, and an outage is shared by every simulator of the account', async () => {
    const first = openBank();
    const second = new BankSimulator({ pool, clock: first.now, escrowAccountNumber: first.account });
    await first.bank.setUnavailable(10);
    await expect(second.queryPayout('pay:1')).rejects.toBeInstanceOf(BankUnavailableError);
    await first.bank.setUnavailable(0);
    await expect(second.queryPayout('pay:1')).resolves.toBeUndefined();
  });
});

describe('inbound credits', () => {
  const credit = (index: number) => ({
    virtualAccountNumber: '6216610000000000018',
    amount: `${1000 + index}`,
    currency: 'CNY',
    payerName: '上海核心制造集团有限公司',
    payerAccountNumber: '31001234567890',
    remittanceInformation: `还款 repayment ${index}`,
  });

  it('pages by cursor, oldest first, and keeps the cursor where it was when nothing is new', async () => {
    const { bank, advance } = openBank();
    const received = [];
    for (let index = 1; index <= 5; index += 1) {
      received.push(await bank.receiveInboundCredit(credit(index)));
      advance(MINUTE_MS);
    }
    expect(received[0]).toEqual({ ...credit(1), amount: '1001.00', bankReference: expect.stringMatching(/^SIM\d{16}$/), receivedAt: new Date(START) });
    const first = await bank.listInboundCredits(null, 2);
    expect(first).toEqual({ credits: received.slice(0, 2), cursor: '2' });
    const second = await bank.listInboundCredits(first.cursor, 2);
    expect(second).toEqual({ credits: received.slice(2, 4), cursor: '4' });
    const third = await bank.listInboundCredits(second.cursor, 2);
    expect(third).toEqual({ credits: received.slice(4), cursor: '5' });
    expect(await bank.listInboundCredits(third.cursor, 2)).toEqual({ credits: [], cursor: '5' });
    const late = await bank.receiveInboundCredit(credit(6));
    expect(await bank.listInboundCredits('5', 2)).toEqual({ credits: [late], cursor: '6' });
    expect(await openBank().bank.listInboundCredits(null, 10)).toEqual({ credits: [], cursor: null });
  });

  it('is idempotent by bank reference and refuses the reference for a different credit', async () => {
    const { bank } = openBank();
    const first = await bank.receiveInboundCredit({ ...credit(1), bankReference: 'CMB:20261123:000001' });
    expect(first.bankReference).toBe('CMB:20261123:000001');
    expect(await bank.receiveInboundCredit({ ...credit(1), bankReference: 'CMB:20261123:000001' })).toEqual(first);
    await expect(bank.receiveInboundCredit({ ...credit(2), bankReference: 'CMB:20261123:000001' })).rejects.toBeInstanceOf(BankRequestRejectedError);
    expect((await bank.listInboundCredits(null, 10)).credits).toEqual([first]);
  });

  it('20 credits received at once get 20 distinct consecutive cursor positions', async () => {
    const { bank } = openBank();
    await Promise.all(Array.from({ length: 20 }, (_, index) => bank.receiveInboundCredit(credit(index))));
    const page = await bank.listInboundCredits(null, 500);
    expect(page.credits).toHaveLength(20);
    expect(page.cursor).toBe('20');
    expect(new Set(page.credits.map((item) => item.bankReference)).size).toBe(20);
  });

  it('refuses malformed credits, cursors and limits', async () => {
    const { bank } = openBank();
    await expect(bank.receiveInboundCredit({ ...credit(1), virtualAccountNumber: '123' })).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.receiveInboundCredit({ ...credit(1), amount: '0' })).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.receiveInboundCredit({ ...credit(1), payerName: '' })).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.receiveInboundCredit({ ...credit(1), bankReference: 'has space' })).rejects.toBeInstanceOf(BankRequestRejectedError);
    for (const [cursor, limit] of [['abc', 10], ['-1', 10], ['01', 10], [null, 0], [null, 501], [null, 1.5]] as const) {
      await expect(bank.listInboundCredits(cursor, limit)).rejects.toBeInstanceOf(BankRequestRejectedError);
    }
  });
});

describe('statements', () => {
  it('gives opening balance, the day’s lines in booking order and closing balance, with late outcomes booked at their due times', async () => {
    const { bank, advance, setTime } = openBank();
    await bank.fundEscrow('1000000.00');
    const inbound = await bank.receiveInboundCredit({
      virtualAccountNumber: '6216610000000000018',
      amount: '300000.00',
      currency: 'CNY',
      payerName: '上海核心制造集团有限公司',
      payerAccountNumber: '31001234567890',
      remittanceInformation: '还款',
    });
    advance(HOUR_MS);
    const paid = await bank.submitPayout(payout('pay:1', { amount: '200000.00' }));
    await bank.script({ payoutReference: 'pay:2', behaviour: 'FAIL' });
    await bank.submitPayout(payout('pay:2', { amount: '1.00' }));
    // One minute before midnight in Shanghai: a payout that settles after midnight, and one
    // paid now that comes back after midnight.
    setTime('2026-11-23T15:59:00.000Z');
    await bank.script({ payoutReference: 'pay:3', behaviour: 'PENDING_THEN_SUCCEED', delayMs: 2 * MINUTE_MS });
    await bank.submitPayout(payout('pay:3', { amount: '50000.00' }));
    await bank.script({ payoutReference: 'pay:4', behaviour: 'RETURN_AFTER', delayMs: HOUR_MS });
    const returned = await bank.submitPayout(payout('pay:4', { amount: '10000.00' }));
    setTime('2026-11-24T04:00:00.000Z');

    // Nobody queried pay:3 or pay:4 since: the statement catches them up itself.
    const day1 = await bank.fetchStatement('2026-11-23', 'CNY');
    expect(day1).toEqual({
      date: '2026-11-23',
      currency: 'CNY',
      openingBalance: '1000000.00',
      closingBalance: '1090000.00',
      lines: [
        { bankReference: inbound.bankReference, direction: 'CREDIT', amount: '300000.00', currency: 'CNY', kind: 'INBOUND_CREDIT', reference: '6216610000000000018', bookedAt: new Date(START) },
        { bankReference: paid.bankReference, direction: 'DEBIT', amount: '200000.00', currency: 'CNY', kind: 'PAYOUT', reference: 'pay:1', bookedAt: new Date('2026-11-23T03:00:00.000Z') },
        { bankReference: returned.bankReference, direction: 'DEBIT', amount: '10000.00', currency: 'CNY', kind: 'PAYOUT', reference: 'pay:4', bookedAt: new Date('2026-11-23T15:59:00.000Z') },
      ],
    });
    const day2 = await bank.fetchStatement('2026-11-24', 'CNY');
    expect(day2).toMatchObject({ openingBalance: '1090000.00', closingBalance: '1050000.00' });
    expect(day2.lines).toEqual([
      expect.objectContaining({ direction: 'DEBIT', amount: '50000.00', kind: 'PAYOUT', reference: 'pay:3', bookedAt: new Date('2026-11-23T16:01:00.000Z') }),
      expect.objectContaining({ direction: 'CREDIT', amount: '10000.00', kind: 'PAYOUT_RETURN', reference: 'pay:4', bookedAt: new Date('2026-11-23T16:59:00.000Z'), bankReference: expect.stringMatching(/^SIM\d{16}$/) }),
    ]);
    expect(day2.lines[1]!.bankReference).not.toBe(returned.bankReference);
    expect(await bank.queryPayout('pay:3')).toMatchObject({ status: 'SETTLED', settledAt: new Date('2026-11-23T16:01:00.000Z') });
    expect(await bank.queryPayout('pay:4')).toMatchObject({ status: 'RETURNED', returnedAt: new Date('2026-11-23T16:59:00.000Z') });
    // A past day's statement never changes.
    expect(await bank.fetchStatement('2026-11-23', 'CNY')).toEqual(day1);
    // Other currencies are separate; nothing happened in USD.
    expect(await bank.fetchStatement('2026-11-23', 'USD')).toEqual({ date: '2026-11-23', currency: 'USD', openingBalance: '0.00', closingBalance: '0.00', lines: [] });
  });

  it("reverses a credit once (冲正): a debit of the credit's account and amount on the day's statement and in its file, not in the feed", async () => {
    const { bank, advance } = openBank();
    const credit = await bank.receiveInboundCredit({ virtualAccountNumber: '6216610000000000018', amount: '300000.00', currency: 'CNY', payerName: '上海核心制造集团有限公司', payerAccountNumber: '31001234567890', remittanceInformation: '还款' });
    advance(HOUR_MS);
    const reversal = await bank.reverseInboundCredit(credit.bankReference);
    expect(reversal).toEqual({ bankReference: expect.stringMatching(/^SIM\d{16}$/), reversedAt: new Date(new Date(START).getTime() + HOUR_MS) });
    advance(HOUR_MS);
    expect(await bank.reverseInboundCredit(credit.bankReference)).toEqual(reversal);
    await expect(bank.reverseInboundCredit('CMB:UNKNOWN')).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.reverseInboundCredit('not a reference')).rejects.toBeInstanceOf(BankRequestRejectedError);
    expect(await bank.fetchStatement('2026-11-23', 'CNY')).toMatchObject({
      openingBalance: '0.00',
      closingBalance: '0.00',
      lines: [
        expect.objectContaining({ bankReference: credit.bankReference, kind: 'INBOUND_CREDIT', direction: 'CREDIT' }),
        { bankReference: reversal.bankReference, direction: 'DEBIT', amount: '300000.00', currency: 'CNY', kind: 'INBOUND_CREDIT_REVERSAL', reference: '6216610000000000018', bookedAt: reversal.reversedAt },
      ],
    });
    const camt = await bank.fetchStatementFile('2026-11-23', 'CNY', 'CAMT053');
    expect(camt.content).toContain('<RvslInd>true</RvslInd>');
    expect(parseStatementFile(camt).entries[1]).toMatchObject({ kind: 'INBOUND_CREDIT_REVERSAL', direction: 'DEBIT', reference: '6216610000000000018', debtorName: '上海核心制造集团有限公司' });
    expect((await bank.listInboundCredits(null, 10)).credits).toEqual([credit]);
  });

  it('cuts the day at midnight in Shanghai (16:00 UTC)', async () => {
    const { bank, setTime } = openBank();
    const credit = { virtualAccountNumber: '6216610000000000018', amount: '1.00', currency: 'CNY', payerName: '付款人', payerAccountNumber: '31001234567890', remittanceInformation: '' };
    setTime('2026-11-23T15:59:59.999Z');
    await bank.receiveInboundCredit(credit);
    setTime('2026-11-23T16:00:00.000Z');
    await bank.receiveInboundCredit({ ...credit, amount: '2.00' });
    expect((await bank.fetchStatement('2026-11-23', 'CNY')).lines.map((line) => line.amount)).toEqual(['1.00']);
    expect(await bank.fetchStatement('2026-11-24', 'CNY')).toMatchObject({ openingBalance: '1.00', closingBalance: '3.00', lines: [expect.objectContaining({ amount: '2.00' })] });
  });

  it('refuses a future date, a malformed date and an unknown currency', async () => {
    const { bank } = openBank();
    await expect(bank.fetchStatement('2026-11-24', 'CNY')).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.fetchStatement('2026-02-30', 'CNY')).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.fetchStatement('20261123', 'CNY')).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.fetchStatement('2026-11-23', 'XXX')).rejects.toBeInstanceOf(BankRequestRejectedError);
  });

  it('fundEscrow sets the opening balance per currency, kept for a restarted simulator, and replaced when set again', async () => {
    const { bank, account, now } = openBank();
    await bank.fundEscrow('500.00');
    await bank.fundEscrow('7000', 'JPY');
    expect(await bank.fetchStatement('2026-11-23', 'CNY')).toMatchObject({ openingBalance: '500.00', closingBalance: '500.00' });
    expect(await bank.fetchStatement('2026-11-23', 'JPY')).toMatchObject({ openingBalance: '7000' });
    const restarted = new BankSimulator({ pool, clock: now, escrowAccountNumber: account });
    expect(await restarted.fetchStatement('2026-11-23', 'CNY')).toMatchObject({ openingBalance: '500.00' });
    await restarted.fundEscrow('750.50');
    expect(await bank.fetchStatement('2026-11-23', 'CNY')).toMatchObject({ openingBalance: '750.50' });
    await expect(bank.fundEscrow('-1.00')).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.fundEscrow('1.005')).rejects.toBeInstanceOf(BankRequestRejectedError);
    await expect(bank.fundEscrow('1.00', 'XXX')).rejects.toBeInstanceOf(BankRequestRejectedError);
  });
});

describe('the books themselves', () => {
  it('refuse to rewrite a booked line or move a payout backwards', async () => {
    const { bank, account } = openBank();
    await bank.submitPayout(payout('pay:fixed'));
    await expect(sql("UPDATE bank_simulator.booking_line SET amount = 1 WHERE account_number = $1", [account])).rejects.toThrow(/never updated or deleted/);
    await expect(sql("UPDATE bank_simulator.payout SET status = 'PENDING', settled_at = NULL WHERE account_number = $1", [account])).rejects.toThrow(/cannot go from SETTLED to PENDING/);
    await expect(sql('UPDATE bank_simulator.payout SET amount = 1 WHERE account_number = $1', [account])).rejects.toThrow(/may change only its status/);
  });

  it('take an async clock, as a Temporal time-skipping test passes one', async () => {
    let nowMs = Date.parse(START);
    const bank = new BankSimulator({ pool, clock: () => Promise.resolve(new Date(nowMs)), escrowAccountNumber: '88888888' });
    await bank.script({ payoutReference: 'pay:async', behaviour: 'PENDING_THEN_SUCCEED', delayMs: HOUR_MS });
    expect(await bank.submitPayout(payout('pay:async'))).toMatchObject({ status: 'PENDING' });
    nowMs += HOUR_MS;
    expect(await bank.queryPayout('pay:async')).toMatchObject({ status: 'SETTLED', settledAt: new Date(nowMs) });
  });

  it('work from a connection string, with the simulator owning its pool', async () => {
    const simulator = new BankSimulator({ pool: db.url, clock: () => new Date(START), escrowAccountNumber: '77777777' });
    try {
      const view: PayoutView = await simulator.submitPayout(payout('pay:own-pool'));
      expect(view.status).toBe('SETTLED');
      expect(await simulator.queryPayout('pay:own-pool')).toEqual(view);
    } finally {
      await simulator.close();
    }
  });
});
