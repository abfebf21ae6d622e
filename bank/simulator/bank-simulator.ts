import pg from 'pg';
import {
  BankRequestRejectedError,
  BankTimeoutError,
  BankUnavailableError,
  type BankAdapter,
  type InboundCredit,
  type PayoutInstruction,
  type PayoutStatus,
  type PayoutView,
  type Statement,
  type StatementLine,
} from '../bank-adapter';
import { formatSigned, STATEMENT_FILE_FORMATS, type StatementDocument, type StatementEntry, type StatementFile, type StatementFileFormat } from '../statement/statement-document';
import { writeCamt053 } from '../statement/write-camt053';
import { writeStatementCsv } from '../statement/write-statement-csv';
import { addDays, businessDateOf, isIsoDate, startOfBusinessDate } from '../../domain/business-date';
import { AmountError, AMOUNT_MAX, Decimal, formatAmount, isCurrency, minorUnits, parseAmount, type Currency } from '../../domain/money';

// An outside bank, played faithfully enough that the disbursement saga, the inbound matcher and
// reconciliation can be tested against it: its own books in PostgreSQL (schema bank_simulator,
// created by its own migrations in bank/simulator/migrations/), scripted behaviours per payout,
// and a clock the caller controls. docs/bank-simulator.md describes every behaviour.
//
// "Later" is never a timer: when a payout is taken, its outcome is stored as due times, and
// the payout catches up with them when it is queried or a statement is fetched, comparing the
// clock with those times. So tests and Temporal's time-skipping drive the bank by moving the
// clock, and two processes sharing the database see the same bank.

/** The escrow account (存管户) number used when the constructor is given none. */
export const SIMULATED_ESCROW_ACCOUNT_NUMBER = '310066661018800000888';

/** Every scriptable behaviour; see docs/bank-simulator.md. */
export const SIMULATED_BEHAVIOURS = [
  'SUCCEED',
  'FAIL',
  'TIMEOUT_THEN_SUCCEED',
  'TIMEOUT_THEN_FAIL',
  'TIMEOUT_NOT_RECEIVED',
  'RETURN_AFTER',
  'PENDING_THEN_SUCCEED',
  'PENDING_THEN_FAIL',
] as const;
export type SimulatedBehaviour = (typeof SIMULATED_BEHAVIOURS)[number];

/** How long a delayed behaviour waits, in milliseconds of the simulator's clock, when not told. */
export const DEFAULT_DELAY_MS = 60_000;
export const DELAY_MS_MAX = 30 * 24 * 60 * 60 * 1000;
export const SCRIPT_TIMES_MAX = 1_000;
export const UNAVAILABLE_CALLS_MAX = 1_000;
export const INBOUND_PAGE_MAX = 500;
/** A simulated day holds far fewer lines; more means a runaway test, not a statement to page. */
export const STATEMENT_LINES_MAX = 10_000;
export const DEFAULT_FAILURE_REASON = '收款账户状态异常 beneficiary account not in service';
export const DEFAULT_RETURN_REASON = '收款人户名不符 beneficiary name does not match the account';

const NAME_LENGTH_MAX = 100;
const REMITTANCE_LENGTH_MAX = 140;
const REASON_LENGTH_MAX = 200;
const REFERENCE_SHAPE = /^[A-Za-z0-9:_-]{1,64}$/;
const ACCOUNT_NUMBER_SHAPE = /^[0-9]{8,32}$/;
// A cursor is a sequence number; 18 digits stay inside BIGINT.
const CURSOR_SHAPE = /^(0|[1-9][0-9]{0,17})$/;

/** What the bank does with an instruction it is sent, and what becomes of the payout. */
interface BehaviourRule {
  /** ANSWER: the bank answers; TIMEOUT: it takes the payout but the answer is lost; LOST: the instruction never arrives. */
  reply: 'ANSWER' | 'TIMEOUT' | 'LOST';
  outcome: 'SETTLE' | 'FAIL' | 'SETTLE_THEN_RETURN' | 'NONE';
  /** Whether the outcome (or, for a return, the return) comes delayMs after the bank takes it. */
  delayed: boolean;
}

const BEHAVIOUR_RULES: Record<SimulatedBehaviour, BehaviourRule> = {
  SUCCEED: { reply: 'ANSWER', outcome: 'SETTLE', delayed: false },
  FAIL: { reply: 'ANSWER', outcome: 'FAIL', delayed: false },
  TIMEOUT_THEN_SUCCEED: { reply: 'TIMEOUT', outcome: 'SETTLE', delayed: true },
  TIMEOUT_THEN_FAIL: { reply: 'TIMEOUT', outcome: 'FAIL', delayed: true },
  TIMEOUT_NOT_RECEIVED: { reply: 'LOST', outcome: 'NONE', delayed: false },
  RETURN_AFTER: { reply: 'ANSWER', outcome: 'SETTLE_THEN_RETURN', delayed: true },
  PENDING_THEN_SUCCEED: { reply: 'ANSWER', outcome: 'SETTLE', delayed: true },
  PENDING_THEN_FAIL: { reply: 'ANSWER', outcome: 'FAIL', delayed: true },
};

export interface BankSimulatorOptions {
  /** A pool the caller owns, or a connection string (the simulator then owns its pool; call close()). */
  pool: pg.Pool | string;
  /**
   * The bank's notion of now. Defaults to wall time; tests pass their own. It may be async, so a
   * Temporal time-skipping test can pass `async () => new Date(await testEnv.currentTimeMs())`.
   */
  clock?: () => Date | Promise<Date>;
  /** The escrow account this simulator plays; digits, 8 to 32. */
  escrowAccountNumber?: string;
}

/** A scripted behaviour for the next payouts. */
export interface PayoutScript {
  /** Only the payout with this reference. */
  payoutReference?: string;
  /** The next payouts to this beneficiary account number (when no script names their reference). */
  beneficiaryAccountNumber?: string;
  behaviour: SimulatedBehaviour;
  /** For the delayed behaviours: milliseconds of the clock until the outcome (or the return). */
  delayMs?: number;
  /** For the failing and returning behaviours: the bank's reason. */
  reason?: string;
  /** How many payouts this script applies to, one after another. Default 1. */
  times?: number;
  /**
   * For RETURN_AFTER: the amount the beneficiary's bank sends back, a decimal string; absent,
   * the whole payout. More than a payout's amount returns the whole payout.
   */
  returnAmount?: string;
}

/**
 * Money a payer sends to one of the escrow account's virtual account numbers: an inbound credit
 * before the bank has it, so without a time, and with a reference generated when absent
 * (receiving the same reference again is idempotent).
 */
export type SimulatedInboundCredit = Omit<InboundCredit, 'bankReference' | 'receivedAt'> & { bankReference?: string };

interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface ValidPayout {
  payoutReference: string;
  amount: Decimal;
  currency: Currency;
  accountName: string;
  accountNumber: string;
  bankName: string;
  remittanceInformation: string;
}

interface PayoutRow {
  payout_reference: string;
  bank_reference: string;
  amount: string;
  return_amount: string | null;
  currency: string;
  beneficiary_account_name: string;
  beneficiary_account_number: string;
  beneficiary_bank_name: string;
  status: PayoutStatus;
  reason: string | null;
  settled_at: Date | null;
  failed_at: Date | null;
  returned_at: Date | null;
}

interface ScriptRow {
  id: string;
  behaviour: SimulatedBehaviour;
  delay_ms: string | null;
  reason: string | null;
  return_amount: string | null;
}

interface InboundCreditRow {
  id: string;
  account_number: string;
  sequence: string;
  bank_reference: string;
  virtual_account_number: string;
  amount: string;
  currency: string;
  payer_name: string;
  payer_account_number: string;
  remittance_information: string;
  received_at: Date;
}

interface StatementDayRow {
  bank_reference: string;
  kind: StatementLine['kind'];
  direction: StatementLine['direction'];
  amount: string;
  currency: string;
  reference: string;
  booked_at: Date;
  beneficiary_account_name: string | null;
  beneficiary_account_number: string | null;
  reason: string | null;
  remittance_information: string | null;
  payer_name: string | null;
  payer_account_number: string | null;
}

const PAYOUT_COLUMNS = `payout_reference, bank_reference, amount::text AS amount, return_amount::text AS return_amount, currency, beneficiary_account_name,
  beneficiary_account_number, beneficiary_bank_name, status, reason, settled_at, failed_at, returned_at`;

const INBOUND_CREDIT_COLUMNS = `id::text AS id, account_number, sequence::text AS sequence, bank_reference, virtual_account_number,
  amount::text AS amount, currency, payer_name, payer_account_number, remittance_information, received_at`;

export class BankSimulator implements BankAdapter {
  readonly escrowAccountNumber: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly clock: () => Date | Promise<Date>;
  private accountOpened: Promise<void> | undefined;

  constructor(options: BankSimulatorOptions) {
    const escrowAccountNumber = options.escrowAccountNumber ?? SIMULATED_ESCROW_ACCOUNT_NUMBER;
    if (!ACCOUNT_NUMBER_SHAPE.test(escrowAccountNumber)) throw new RangeError(`escrowAccountNumber must be 8 to 32 digits, got ${JSON.stringify(escrowAccountNumber)}`);
    this.escrowAccountNumber = escrowAccountNumber;
    this.ownsPool = typeof options.pool === 'string';
    this.pool = typeof options.pool === 'string' ? new pg.Pool({ connectionString: options.pool, max: 10 }) : options.pool;
    // An idle connection the server closes (a restart, a shutdown) must not crash the process:
    // the pool drops it, and the next query opens another or fails where it is awaited.
    if (typeof options.pool === 'string') this.pool.on('error', () => undefined);
    this.clock = options.clock ?? (() => new Date());
  }

  // ---------------------------------------------------------------------------------------
  // BankAdapter

  async submitPayout(instruction: PayoutInstruction): Promise<PayoutView> {
    await this.enterBank();
    const request = validateInstruction(instruction);
    const now = await this.now();
    const known = await this.findPayout(this.pool, request.payoutReference, now);
    if (known) return answerResubmission(known, request);

    const intake = await this.transaction((client) => this.takePayout(client, request, now));
    if (intake.kind === 'ALREADY_TAKEN') {
      // Another submission of the same reference won the race; answer with what it created.
      const winner = await this.findPayout(this.pool, request.payoutReference, now);
      if (!winner) throw new Error(`payout ${request.payoutReference} conflicted on insert but cannot be read back`);
      return answerResubmission(winner, request);
    }
    // The caller cannot tell a lost instruction from one the bank took: both are a timeout.
    if (intake.kind === 'LOST' || BEHAVIOUR_RULES[intake.behaviour].reply === 'TIMEOUT') {
      throw new BankTimeoutError(`no answer from the bank for payout ${request.payoutReference}`);
    }
    return toPayoutView(intake.row);
  }

  async queryPayout(payoutReference: string): Promise<PayoutView | undefined> {
    await this.enterBank();
    requireReference('payoutReference', payoutReference);
    const row = await this.findPayout(this.pool, payoutReference, await this.now());
    return row ? toPayoutView(row) : undefined;
  }

  async listInboundCredits(cursor: string | null, limit: number): Promise<{ credits: InboundCredit[]; cursor: string | null }> {
    await this.enterBank();
    if (cursor !== null && (typeof cursor !== 'string' || !CURSOR_SHAPE.test(cursor))) reject(`cursor must be null or a cursor this bank returned, got ${JSON.stringify(cursor)}`);
    if (!Number.isInteger(limit) || limit < 1 || limit > INBOUND_PAGE_MAX) reject(`limit must be an integer from 1 to ${INBOUND_PAGE_MAX}, got ${String(limit)}`);
    // The column is qualified: a bare "sequence" in ORDER BY would sort by the select list's
    // text alias, putting 10 before 9.
    const { rows } = await this.pool.query<InboundCreditRow>(
      `SELECT ${INBOUND_CREDIT_COLUMNS} FROM bank_simulator.inbound_credit
        WHERE account_number = $1 AND inbound_credit.sequence > $2::bigint
        ORDER BY inbound_credit.sequence LIMIT $3`,
      [this.escrowAccountNumber, cursor ?? '0', limit],
    );
    const last = rows.at(-1);
    return { credits: rows.map(toInboundCredit), cursor: last ? last.sequence : cursor };
  }

  /** The simulator plays one escrow account holding every currency. */
  escrowAccountNumberOf(): string {
    return this.escrowAccountNumber;
  }

  async fetchStatement(date: string, currency: string): Promise<Statement> {
    const day = await this.readDay(date, currency);
    return {
      date,
      currency: day.currency,
      openingBalance: formatAmount(day.opening, day.currency),
      closingBalance: formatAmount(day.closing, day.currency),
      lines: day.lines.map((line) => ({
        bankReference: line.bank_reference,
        direction: line.direction,
        amount: formatAmount(new Decimal(line.amount), day.currency),
        currency: day.currency,
        kind: line.kind,
        reference: line.reference,
        bookedAt: line.booked_at,
      })),
    };
  }

  async fetchStatementFile(date: string, currency: string, format: StatementFileFormat): Promise<StatementFile> {
    if (!(STATEMENT_FILE_FORMATS as readonly string[]).includes(format)) reject(`format must be one of ${STATEMENT_FILE_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    const document = await this.statementDocument(date, currency);
    return { format, content: format === 'CAMT053' ? writeCamt053(document) : writeStatementCsv(document) };
  }

  // ---------------------------------------------------------------------------------------
  // Controls: what a test or the dev API does to the bank.

  /**
   * The statement of one business date with everything its files carry: counterparties, value
   * dates and remittance information. Produced at the end of the day it covers, so the same day
   * always reads the same.
   */
  async statementDocument(date: string, currency: string): Promise<StatementDocument> {
    const day = await this.readDay(date, currency);
    const escrow = this.escrowAccountNumber;
    return {
      statementId: `SIMSTMT-${escrow}-${day.currency}-${date}`,
      createdAt: startOfBusinessDate(addDays(date, 1)),
      accountNumber: escrow,
      date,
      currency: day.currency,
      openingBalance: formatSigned(day.opening, day.currency),
      closingBalance: formatSigned(day.closing, day.currency),
      entries: day.lines.map((line): StatementEntry => {
        const base = {
          bankReference: line.bank_reference,
          kind: line.kind,
          direction: line.direction,
          amount: formatAmount(new Decimal(line.amount), day.currency),
          currency: day.currency,
          reference: line.reference,
          bookingDate: businessDateOf(line.booked_at),
          valueDate: businessDateOf(line.booked_at),
        };
        if (line.kind === 'INBOUND_CREDIT' || line.kind === 'INBOUND_CREDIT_REVERSAL') {
          // A reversal names the credit's parties and account, as the credit it takes back.
          return {
            ...base,
            endToEndId: null,
            debtorName: line.payer_name,
            debtorAccountNumber: line.payer_account_number,
            creditorName: null,
            creditorAccountNumber: line.reference,
            remittanceInformation: line.kind === 'INBOUND_CREDIT' ? (line.remittance_information ?? '') : '冲正 reversal',
          };
        }
        const payee = { name: line.beneficiary_account_name, account: line.beneficiary_account_number };
        // A payout goes from the escrow account to the beneficiary; its return comes back the other way.
        return line.kind === 'PAYOUT'
          ? { ...base, endToEndId: line.reference, debtorName: null, debtorAccountNumber: escrow, creditorName: payee.name, creditorAccountNumber: payee.account, remittanceInformation: line.remittance_information ?? '' }
          : { ...base, endToEndId: line.reference, debtorName: payee.name, debtorAccountNumber: payee.account, creditorName: null, creditorAccountNumber: escrow, remittanceInformation: line.reason ?? '' };
      }),
    };
  }

  /** One business date of the escrow account: its opening and closing balances and its lines, from one snapshot. */
  private async readDay(date: string, currency: string): Promise<{ currency: Currency; opening: Decimal; closing: Decimal; lines: StatementDayRow[] }> {
    await this.enterBank();
    if (typeof date !== 'string' || !isIsoDate(date)) reject(`date must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(date)}`);
    const code = requireCurrency(currency);
    const now = await this.now();
    if (date > businessDateOf(now)) reject(`no statement for ${date}: the bank's business date is ${businessDateOf(now)}`);
    // Outcomes that fell due before now are booked first, at their due times, so a statement
    // never depends on whether anyone happened to query the payout.
    await this.catchUp(this.pool, now, null);
    const from = startOfBusinessDate(date);
    const to = startOfBusinessDate(addDays(date, 1));
    const { opening, lines } = await this.transaction(async (client) => {
      // One snapshot for the opening balance and the lines: a line booked in between cannot be
      // counted in neither or in both.
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const balance = await client.query<{ opening: string }>(
        `SELECT (COALESCE((SELECT amount FROM bank_simulator.opening_balance WHERE account_number = $1 AND currency = $2), 0)
               + COALESCE((SELECT sum(CASE WHEN direction = 'CREDIT' THEN amount ELSE -amount END)
                             FROM bank_simulator.booking_line WHERE account_number = $1 AND currency = $2 AND booked_at < $3), 0))::text AS opening`,
        [this.escrowAccountNumber, code, from],
      );
      const booked = await client.query<StatementDayRow>(
        `SELECT line.bank_reference, line.kind, line.direction, line.amount::text AS amount, line.currency, line.reference, line.booked_at,
                payout.beneficiary_account_name, payout.beneficiary_account_number, payout.reason,
                COALESCE(credit.remittance_information, payout.remittance_information) AS remittance_information,
                credit.payer_name, credit.payer_account_number
           FROM bank_simulator.booking_line AS line
           LEFT JOIN bank_simulator.payout AS payout ON payout.id = line.payout_id
           LEFT JOIN bank_simulator.inbound_credit AS credit ON credit.id = line.inbound_credit_id
          WHERE line.account_number = $1 AND line.currency = $2 AND line.booked_at >= $3 AND line.booked_at < $4
          ORDER BY line.booked_at, line.id LIMIT $5`,
        [this.escrowAccountNumber, code, from, to, STATEMENT_LINES_MAX + 1],
      );
      return { opening: new Decimal(balance.rows[0]?.opening ?? '0'), lines: booked.rows };
    });
    if (lines.length > STATEMENT_LINES_MAX) throw new Error(`the simulated statement of ${date} has more than ${STATEMENT_LINES_MAX} lines`);
    const closing = lines.reduce((sum, line) => (line.direction === 'CREDIT' ? sum.plus(line.amount) : sum.minus(line.amount)), opening);
    return { currency: code, opening, closing, lines };
  }

  /** Scripts what the bank does with the next payouts; see docs/bank-simulator.md. */
  async script(script: PayoutScript): Promise<void> {
    const { payoutReference, beneficiaryAccountNumber, behaviour } = script;
    if (!(SIMULATED_BEHAVIOURS as readonly string[]).includes(behaviour)) throw new RangeError(`unknown behaviour ${JSON.stringify(behaviour)} (known: ${SIMULATED_BEHAVIOURS.join(', ')})`);
    if (payoutReference !== undefined && beneficiaryAccountNumber !== undefined) throw new RangeError('a script names a payoutReference or a beneficiaryAccountNumber, not both');
    if (payoutReference !== undefined && !REFERENCE_SHAPE.test(payoutReference)) throw new RangeError(`payoutReference must be 1 to 64 characters of A-Z a-z 0-9 : _ -, got ${JSON.stringify(payoutReference)}`);
    if (beneficiaryAccountNumber !== undefined && !ACCOUNT_NUMBER_SHAPE.test(beneficiaryAccountNumber)) throw new RangeError(`beneficiaryAccountNumber must be 8 to 32 digits, got ${JSON.stringify(beneficiaryAccountNumber)}`);
    const rule = BEHAVIOUR_RULES[behaviour];
    // A delay or reason the behaviour ignores is a mistake in the test, not something to drop silently.
    if (!rule.delayed && script.delayMs !== undefined) throw new RangeError(`${behaviour} takes no delayMs`);
    const delayMs = rule.delayed ? (script.delayMs ?? DEFAULT_DELAY_MS) : null;
    if (delayMs !== null && (!Number.isInteger(delayMs) || delayMs < 1 || delayMs > DELAY_MS_MAX)) throw new RangeError(`delayMs must be an integer from 1 to ${DELAY_MS_MAX}, got ${String(delayMs)}`);
    const givesReason = rule.outcome === 'FAIL' || rule.outcome === 'SETTLE_THEN_RETURN';
    if (!givesReason && script.reason !== undefined) throw new RangeError(`${behaviour} takes no reason`);
    const reason = givesReason ? (script.reason ?? (rule.outcome === 'FAIL' ? DEFAULT_FAILURE_REASON : DEFAULT_RETURN_REASON)) : null;
    if (reason !== null && (reason.trim() === '' || characters(reason) > REASON_LENGTH_MAX)) throw new RangeError(`reason must be 1 to ${REASON_LENGTH_MAX} characters`);
    const times = script.times ?? 1;
    if (!Number.isInteger(times) || times < 1 || times > SCRIPT_TIMES_MAX) throw new RangeError(`times must be an integer from 1 to ${SCRIPT_TIMES_MAX}, got ${String(times)}`);
    if (rule.outcome !== 'SETTLE_THEN_RETURN' && script.returnAmount !== undefined) throw new RangeError(`${behaviour} takes no returnAmount`);
    const returnAmount = script.returnAmount === undefined ? null : scriptedReturnAmount(script.returnAmount);
    await this.ensureAccount();
    await this.pool.query(
      `INSERT INTO bank_simulator.script (account_number, payout_reference, beneficiary_account_number, behaviour, delay_ms, reason, remaining, return_amount)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [this.escrowAccountNumber, payoutReference ?? null, beneficiaryAccountNumber ?? null, behaviour, delayMs, reason, times, returnAmount],
    );
  }

  /**
   * A payer sends money to a virtual account number of the escrow account. Books the credit on
   * the statement and lists it for listInboundCredits. Idempotent by bankReference.
   */
  async receiveInboundCredit(input: SimulatedInboundCredit): Promise<InboundCredit> {
    const credit = validateInboundCredit(input);
    await this.ensureAccount();
    return this.transaction(async (client) => {
      // The account row lock orders credits: the sequence (the listing cursor) is taken and
      // committed under it, so credits become visible in cursor order and a reader that moved
      // past N can never miss a credit numbered below N that committed late. The clock is read
      // under the lock too, so receipt times follow the same order.
      await client.query('SELECT 1 FROM bank_simulator.account WHERE account_number = $1 FOR UPDATE', [this.escrowAccountNumber]);
      const now = await this.now();
      if (credit.bankReference !== undefined) {
        const { rows } = await client.query<InboundCreditRow>(`SELECT ${INBOUND_CREDIT_COLUMNS} FROM bank_simulator.inbound_credit WHERE bank_reference = $1`, [credit.bankReference]);
        const existing = rows[0];
        if (existing) {
          if (!sameInboundCredit(existing, this.escrowAccountNumber, credit)) reject(`bank reference ${credit.bankReference} already belongs to a different credit`);
          return toInboundCredit(existing);
        }
      }
      const sequence = await client.query<{ sequence: string }>(
        'UPDATE bank_simulator.account SET inbound_sequence = inbound_sequence + 1 WHERE account_number = $1 RETURNING inbound_sequence::text AS sequence',
        [this.escrowAccountNumber],
      );
      const values = [this.escrowAccountNumber, sequence.rows[0]?.sequence, credit.virtualAccountNumber, credit.amount.toFixed(), credit.currency, credit.payerName, credit.payerAccountNumber, credit.remittanceInformation, now];
      const inserted = await client.query<InboundCreditRow>(
        `INSERT INTO bank_simulator.inbound_credit
           (account_number, sequence, virtual_account_number, amount, currency, payer_name, payer_account_number, remittance_information, received_at, bank_reference)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${credit.bankReference === undefined ? 'DEFAULT' : '$10'})
         RETURNING ${INBOUND_CREDIT_COLUMNS}`,
        credit.bankReference === undefined ? values : [...values, credit.bankReference],
      );
      const row = inserted.rows[0];
      if (!row) throw new Error('inbound credit insert returned no row');
      await client.query(
        `INSERT INTO bank_simulator.booking_line (account_number, bank_reference, kind, direction, amount, currency, reference, booked_at, inbound_credit_id)
         VALUES ($1, $2, 'INBOUND_CREDIT', 'CREDIT', $3, $4, $5, $6, $7)`,
        [this.escrowAccountNumber, row.bank_reference, row.amount, row.currency, row.virtual_account_number, row.received_at, row.id],
      );
      return toInboundCredit(row);
    });
  }

  /**
   * The bank takes back (冲正) a credit it booked in error: a debit line of the credit's virtual
   * account and amount, booked now, on that day's statement as a reversal (camt.053 RvslInd).
   * The feed does not list it: a bank tells of a reversal on its statement. Once per credit:
   * reversing it again answers the first reversal's bank reference.
   */
  async reverseInboundCredit(bankReference: string): Promise<{ bankReference: string; reversedAt: Date }> {
    if (typeof bankReference !== 'string' || !REFERENCE_SHAPE.test(bankReference)) reject(`bankReference must be 1 to 64 characters of A-Z a-z 0-9 : _ -, got ${JSON.stringify(bankReference)}`);
    await this.ensureAccount();
    return this.transaction(async (client) => {
      await client.query('SELECT 1 FROM bank_simulator.account WHERE account_number = $1 FOR UPDATE', [this.escrowAccountNumber]);
      const { rows } = await client.query<InboundCreditRow>(`SELECT ${INBOUND_CREDIT_COLUMNS} FROM bank_simulator.inbound_credit WHERE bank_reference = $1 AND account_number = $2`, [bankReference, this.escrowAccountNumber]);
      const credit = rows[0];
      if (!credit) reject(`no credit of bank reference ${bankReference} to reverse`);
      const earlier = await client.query<{ bank_reference: string; booked_at: Date }>(
        `SELECT bank_reference, booked_at FROM bank_simulator.booking_line WHERE inbound_credit_id = $1 AND kind = 'INBOUND_CREDIT_REVERSAL'`,
        [credit.id],
      );
      const done = earlier.rows[0];
      if (done) return { bankReference: done.bank_reference, reversedAt: done.booked_at };
      const now = await this.now();
      const inserted = await client.query<{ bank_reference: string; booked_at: Date }>(
        `INSERT INTO bank_simulator.booking_line (account_number, kind, direction, amount, currency, reference, booked_at, inbound_credit_id)
         VALUES ($1, 'INBOUND_CREDIT_REVERSAL', 'DEBIT', $2, $3, $4, $5, $6)
         RETURNING bank_reference, booked_at`,
        [this.escrowAccountNumber, credit.amount, credit.currency, credit.virtual_account_number, now, credit.id],
      );
      const line = inserted.rows[0]!;
      return { bankReference: line.bank_reference, reversedAt: line.booked_at };
    });
  }

  /** The next `calls` adapter calls (any of the four) answer BankUnavailableError; 0 ends an outage. */
  async setUnavailable(calls: number): Promise<void> {
    if (!Number.isInteger(calls) || calls < 0 || calls > UNAVAILABLE_CALLS_MAX) throw new RangeError(`calls must be an integer from 0 to ${UNAVAILABLE_CALLS_MAX}, got ${String(calls)}`);
    await this.ensureAccount();
    await this.pool.query('UPDATE bank_simulator.account SET unavailable_calls = $2 WHERE account_number = $1', [this.escrowAccountNumber, calls]);
  }

  /**
   * Sets the balance the escrow account had before its first booking (not a statement line:
   * it is the balance carried in). Setting it again replaces it, so a dev process can call it
   * at every start.
   */
  async fundEscrow(amount: string, currency = 'CNY'): Promise<void> {
    const balance = parseBalance(amount, currency);
    await this.ensureAccount();
    await this.pool.query(
      `INSERT INTO bank_simulator.opening_balance (account_number, currency, amount) VALUES ($1, $2, $3)
       ON CONFLICT (account_number, currency) DO UPDATE SET amount = EXCLUDED.amount`,
      [this.escrowAccountNumber, balance.currency, balance.amount.toFixed()],
    );
  }

  /**
   * Ends the pool when the simulator created it from a connection string (a pool passed in stays
   * the caller's), and waits until every connection is closed: pg's Pool.end() resolves before
   * the sockets do, and a database dropped in that window kills them with an unhandled error.
   */
  async close(): Promise<void> {
    if (!this.ownsPool) return;
    const open = this.pool.totalCount;
    let removed = 0;
    const allClosed = new Promise<void>((resolve) => {
      if (open === 0) resolve();
      this.pool.on('remove', () => {
        removed += 1;
        if (removed === open) resolve();
      });
    });
    await this.pool.end();
    await allClosed;
  }

  // ---------------------------------------------------------------------------------------

  private async now(): Promise<Date> {
    const now = await this.clock();
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new Error('the simulator clock returned an invalid Date');
    return now;
  }

  /** Every adapter call passes here: an outage answers before the bank sees anything. */
  private async enterBank(): Promise<void> {
    await this.ensureAccount();
    const outage = await this.pool.query(
      'UPDATE bank_simulator.account SET unavailable_calls = unavailable_calls - 1 WHERE account_number = $1 AND unavailable_calls > 0 RETURNING 1',
      [this.escrowAccountNumber],
    );
    if (outage.rowCount === 1) throw new BankUnavailableError('the bank is unavailable (simulated outage)');
  }

  private ensureAccount(): Promise<void> {
    this.accountOpened ??= this.openAccount().catch((error: unknown) => {
      this.accountOpened = undefined;
      throw error;
    });
    return this.accountOpened;
  }

  private async openAccount(): Promise<void> {
    await this.pool.query('INSERT INTO bank_simulator.account (account_number) VALUES ($1) ON CONFLICT DO NOTHING', [this.escrowAccountNumber]);
  }

  private async transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await run(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Takes a new payout: claims the script that decides its fate, stores it, books what is due at once. */
  private async takePayout(
    client: pg.PoolClient,
    request: ValidPayout,
    now: Date,
  ): Promise<{ kind: 'TAKEN'; behaviour: SimulatedBehaviour; row: PayoutRow } | { kind: 'LOST' } | { kind: 'ALREADY_TAKEN' }> {
    // The script's row lock makes concurrent payouts queue for it, so two cannot both use its
    // last turn. A payout that waited on a script another one used up does not fall back to
    // the default: PostgreSQL re-checks `remaining > 0` on the newest row version when it
    // grants the lock, skips the row, and LIMIT takes the next candidate in order.
    const candidates = await client.query<ScriptRow>(
      `SELECT id::text AS id, behaviour, delay_ms::text AS delay_ms, reason, return_amount::text AS return_amount FROM bank_simulator.script
        WHERE account_number = $1 AND remaining > 0
          AND (payout_reference = $2 OR (payout_reference IS NULL AND (beneficiary_account_number = $3 OR beneficiary_account_number IS NULL)))
        ORDER BY CASE WHEN payout_reference IS NOT NULL THEN 0 WHEN beneficiary_account_number IS NOT NULL THEN 1 ELSE 2 END, id
        LIMIT 1 FOR UPDATE`,
      [this.escrowAccountNumber, request.payoutReference, request.accountNumber],
    );
    const script = candidates.rows[0];
    const behaviour = script?.behaviour ?? 'SUCCEED';
    const useScript = async () => {
      if (script) await client.query('UPDATE bank_simulator.script SET remaining = remaining - 1 WHERE id = $1', [script.id]);
    };
    if (BEHAVIOUR_RULES[behaviour].reply === 'LOST') {
      // The instruction never reached the bank: nothing is stored, so a resubmission is new.
      await useScript();
      return { kind: 'LOST' };
    }
    const plan = planOutcome(behaviour, now, script?.delay_ms ? Number(script.delay_ms) : DEFAULT_DELAY_MS, script?.reason ?? null);
    // A scripted return of more than the payout returns the whole payout; none returns it whole too.
    const returnAmount = script?.return_amount && new Decimal(script.return_amount).lt(request.amount) ? script.return_amount : null;
    // The UNIQUE (account, payout reference) constraint is what stops a second execution: of
    // any number of concurrent submissions, one inserts and the others find its row.
    const inserted = await client.query(
      `INSERT INTO bank_simulator.payout
         (account_number, payout_reference, amount, currency, beneficiary_account_name, beneficiary_account_number, beneficiary_bank_name,
          remittance_information, behaviour, received_at, settle_due_at, fail_due_at, return_due_at, reason, return_amount)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (account_number, payout_reference) DO NOTHING
       RETURNING id`,
      [
        this.escrowAccountNumber,
        request.payoutReference,
        request.amount.toFixed(),
        request.currency,
        request.accountName,
        request.accountNumber,
        request.bankName,
        request.remittanceInformation,
        behaviour,
        now,
        plan.settleDueAt,
        plan.failDueAt,
        plan.returnDueAt,
        plan.reason,
        returnAmount,
      ],
    );
    if (inserted.rowCount === 0) return { kind: 'ALREADY_TAKEN' };
    await useScript();
    const row = await this.findPayout(client, request.payoutReference, now);
    if (!row) throw new Error(`payout ${request.payoutReference} was inserted but cannot be read back`);
    return { kind: 'TAKEN', behaviour, row };
  }

  /** A payout as the bank knows it now: outcomes that fell due are booked first. */
  private async findPayout(db: Queryable, payoutReference: string, now: Date): Promise<PayoutRow | undefined> {
    await this.catchUp(db, now, payoutReference);
    const { rows } = await db.query<PayoutRow>(`SELECT ${PAYOUT_COLUMNS} FROM bank_simulator.payout WHERE account_number = $1 AND payout_reference = $2`, [
      this.escrowAccountNumber,
      payoutReference,
    ]);
    return rows[0];
  }

  /**
   * Moves payouts whose outcome is due at `now` to it, booking each at its due time. The due
   * payouts are locked first, in id order: two callers catching up overlapping sets (two
   * statement fetches) then queue instead of deadlocking, and a payout another caller has just
   * moved on drops out when its lock is granted, so it settles, fails or returns once (UNIQUE
   * (payout_id, kind) on the lines would refuse a second debit anyway).
   */
  private async catchUp(db: Queryable, now: Date, payoutReference: string | null): Promise<void> {
    const params = [this.escrowAccountNumber, now, payoutReference];
    await db.query(
      `WITH due AS (
         SELECT id FROM bank_simulator.payout
          WHERE account_number = $1 AND status = 'PENDING' AND (settle_due_at <= $2 OR fail_due_at <= $2)
            AND ($3::varchar IS NULL OR payout_reference = $3::varchar)
          ORDER BY id FOR UPDATE
       ), settled AS (
         UPDATE bank_simulator.payout AS payout SET status = 'SETTLED', settled_at = settle_due_at
           FROM due WHERE payout.id = due.id AND payout.status = 'PENDING' AND payout.settle_due_at IS NOT NULL
          RETURNING payout.id, payout.bank_reference, payout.amount, payout.currency, payout.payout_reference, payout.settled_at
       ), failed AS (
         UPDATE bank_simulator.payout AS payout SET status = 'FAILED', failed_at = fail_due_at
           FROM due WHERE payout.id = due.id AND payout.status = 'PENDING' AND payout.fail_due_at IS NOT NULL
          RETURNING payout.id
       )
       INSERT INTO bank_simulator.booking_line (account_number, bank_reference, kind, direction, amount, currency, reference, booked_at, payout_id)
       SELECT $1, bank_reference, 'PAYOUT', 'DEBIT', amount, currency, payout_reference, settled_at, id FROM settled`,
      params,
    );
    // A separate statement: it must see the settlements just made, which a CTE of the same
    // statement would not.
    await db.query(
      `WITH due AS (
         SELECT id FROM bank_simulator.payout
          WHERE account_number = $1 AND status = 'SETTLED' AND return_due_at <= $2
            AND ($3::varchar IS NULL OR payout_reference = $3::varchar)
          ORDER BY id FOR UPDATE
       ), returned AS (
         UPDATE bank_simulator.payout AS payout SET status = 'RETURNED', returned_at = return_due_at
           FROM due WHERE payout.id = due.id AND payout.status = 'SETTLED'
          RETURNING payout.id, COALESCE(payout.return_amount, payout.amount) AS amount, payout.currency, payout.payout_reference, payout.returned_at
       )
       INSERT INTO bank_simulator.booking_line (account_number, kind, direction, amount, currency, reference, booked_at, payout_id)
       SELECT $1, 'PAYOUT_RETURN', 'CREDIT', amount, currency, payout_reference, returned_at, id FROM returned`,
      params,
    );
  }
}

// -----------------------------------------------------------------------------------------
// Pure helpers

interface OutcomePlan {
  settleDueAt: Date | null;
  failDueAt: Date | null;
  returnDueAt: Date | null;
  reason: string | null;
}

function planOutcome(behaviour: SimulatedBehaviour, receivedAt: Date, delayMs: number, reason: string | null): OutcomePlan {
  const rule = BEHAVIOUR_RULES[behaviour];
  const later = new Date(receivedAt.getTime() + delayMs);
  switch (rule.outcome) {
    case 'SETTLE':
      return { settleDueAt: rule.delayed ? later : receivedAt, failDueAt: null, returnDueAt: null, reason: null };
    case 'FAIL':
      return { settleDueAt: null, failDueAt: rule.delayed ? later : receivedAt, returnDueAt: null, reason: reason ?? DEFAULT_FAILURE_REASON };
    case 'SETTLE_THEN_RETURN':
      return { settleDueAt: receivedAt, failDueAt: null, returnDueAt: later, reason: reason ?? DEFAULT_RETURN_REASON };
    case 'NONE':
      throw new Error(`${behaviour} creates no payout`);
  }
}

function reject(message: string): never {
  throw new BankRequestRejectedError(message);
}

/** Length in characters (code points), as VARCHAR(n) counts them, not UTF-16 units. */
function characters(value: string): number {
  return [...value].length;
}

function requireReference(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !REFERENCE_SHAPE.test(value)) reject(`${field} must be 1 to 64 characters of A-Z a-z 0-9 : _ -, got ${JSON.stringify(value)}`);
}

function requireAccountNumber(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !ACCOUNT_NUMBER_SHAPE.test(value)) reject(`${field} must be 8 to 32 digits, got ${JSON.stringify(value)}`);
}

function requireName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '' || characters(value) > NAME_LENGTH_MAX) reject(`${field} must be 1 to ${NAME_LENGTH_MAX} characters, not blank`);
}

function requireRemittance(value: unknown): asserts value is string {
  if (typeof value !== 'string' || characters(value) > REMITTANCE_LENGTH_MAX) reject(`remittanceInformation must be a string of at most ${REMITTANCE_LENGTH_MAX} characters`);
}

function requireCurrency(value: unknown): Currency {
  if (typeof value !== 'string' || !isCurrency(value)) reject(`currency ${JSON.stringify(value)} is not one the bank books`);
  return value;
}

function requireAmount(value: unknown, currency: Currency): Decimal {
  if (typeof value !== 'string') reject(`amount must be a decimal string such as "1250.50", got ${JSON.stringify(value)}`);
  try {
    return parseAmount(value, currency);
  } catch (error) {
    if (error instanceof AmountError) reject(error.message);
    throw error;
  }
}

/** A scripted return amount: positive, with at most two decimals (the most any currency the bank books has). */
function scriptedReturnAmount(amount: string): string {
  if (typeof amount !== 'string' || !/^(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(amount)) throw new RangeError(`returnAmount must be a decimal string such as "1000.00", got ${JSON.stringify(amount)}`);
  const value = new Decimal(amount);
  if (value.lte(0) || value.decimalPlaces() > 2 || value.gt(AMOUNT_MAX)) throw new RangeError(`returnAmount ${amount} must be positive with at most two decimals`);
  return value.toFixed();
}

/** An opening balance: zero or more, with no more decimals than the currency has. */
function parseBalance(amount: string, currency: string): { currency: Currency; amount: Decimal } {
  const code = requireCurrency(currency);
  if (typeof amount !== 'string' || !/^(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(amount)) reject(`opening balance must be a non-negative decimal string, got ${JSON.stringify(amount)}`);
  const value = new Decimal(amount);
  if (value.decimalPlaces() > minorUnits(code) || value.gt(AMOUNT_MAX)) reject(`opening balance ${amount} is not a valid ${code} amount`);
  return { currency: code, amount: value };
}

function validateInstruction(instruction: PayoutInstruction): ValidPayout {
  // Checked field by field at run time: the dev API and other callers may hand over anything.
  const { payoutReference, amount, currency, beneficiary, remittanceInformation } = instruction as Partial<PayoutInstruction>;
  requireReference('payoutReference', payoutReference);
  const code = requireCurrency(currency);
  const value = requireAmount(amount, code);
  if (typeof beneficiary !== 'object' || beneficiary === null) reject('beneficiary is required');
  requireAccountNumber('beneficiary.accountNumber', beneficiary.accountNumber);
  requireName('beneficiary.accountName', beneficiary.accountName);
  requireName('beneficiary.bankName', beneficiary.bankName);
  requireRemittance(remittanceInformation);
  return {
    payoutReference,
    amount: value,
    currency: code,
    accountName: beneficiary.accountName,
    accountNumber: beneficiary.accountNumber,
    bankName: beneficiary.bankName,
    remittanceInformation,
  };
}

interface ValidInboundCredit {
  virtualAccountNumber: string;
  amount: Decimal;
  currency: Currency;
  payerName: string;
  payerAccountNumber: string;
  remittanceInformation: string;
  bankReference: string | undefined;
}

function validateInboundCredit(input: SimulatedInboundCredit): ValidInboundCredit {
  const { virtualAccountNumber, amount, currency, payerName, payerAccountNumber, remittanceInformation, bankReference } = input as Partial<SimulatedInboundCredit>;
  requireAccountNumber('virtualAccountNumber', virtualAccountNumber);
  const code = requireCurrency(currency);
  const value = requireAmount(amount, code);
  requireName('payerName', payerName);
  requireAccountNumber('payerAccountNumber', payerAccountNumber);
  requireRemittance(remittanceInformation);
  if (bankReference !== undefined) requireReference('bankReference', bankReference);
  return { virtualAccountNumber, amount: value, currency: code, payerName, payerAccountNumber, remittanceInformation, bankReference };
}

function sameInboundCredit(row: InboundCreditRow, accountNumber: string, credit: ValidInboundCredit): boolean {
  return (
    row.account_number === accountNumber &&
    row.virtual_account_number === credit.virtualAccountNumber &&
    new Decimal(row.amount).eq(credit.amount) &&
    row.currency === credit.currency &&
    row.payer_name === credit.payerName &&
    row.payer_account_number === credit.payerAccountNumber &&
    row.remittance_information === credit.remittanceInformation
  );
}

/** The same reference again: the first payout's answer, if the request is the same payout. */
function answerResubmission(row: PayoutRow, request: ValidPayout): PayoutView {
  const differences = [
    new Decimal(row.amount).eq(request.amount) ? null : 'amount',
    row.currency === request.currency ? null : 'currency',
    row.beneficiary_account_number === request.accountNumber ? null : 'beneficiary.accountNumber',
    row.beneficiary_account_name === request.accountName ? null : 'beneficiary.accountName',
    row.beneficiary_bank_name === request.bankName ? null : 'beneficiary.bankName',
  ].filter((field) => field !== null);
  if (differences.length > 0) reject(`payout reference ${request.payoutReference} was already used for a different payout (${differences.join(', ')} differ)`);
  return toPayoutView(row);
}

function storedCurrency(value: string): Currency {
  if (!isCurrency(value)) throw new Error(`the simulator stored an unsupported currency ${JSON.stringify(value)}`);
  return value;
}

function toPayoutView(row: PayoutRow): PayoutView {
  const currency = storedCurrency(row.currency);
  const view: PayoutView = {
    payoutReference: row.payout_reference,
    status: row.status,
    amount: formatAmount(new Decimal(row.amount), currency),
    currency,
    bankReference: row.bank_reference,
    failureReason: row.status === 'FAILED' ? row.reason : null,
    settledAt: row.settled_at,
    failedAt: row.failed_at,
    returnedAt: row.returned_at,
    returnReason: row.status === 'RETURNED' ? row.reason : null,
  };
  if (row.status === 'RETURNED') view.returnedAmount = formatAmount(new Decimal(row.return_amount ?? row.amount), currency);
  return view;
}

function toInboundCredit(row: InboundCreditRow): InboundCredit {
  const currency = storedCurrency(row.currency);
  return {
    bankReference: row.bank_reference,
    virtualAccountNumber: row.virtual_account_number,
    amount: formatAmount(new Decimal(row.amount), currency),
    currency,
    payerName: row.payer_name,
    payerAccountNumber: row.payer_account_number,
    remittanceInformation: row.remittance_information,
    receivedAt: row.received_at,
  };
}
