import pg from 'pg';
import pino from 'pino';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { parseStatementFile } from '../bank/statement/parse-statement-file';
import { STATEMENT_FETCH_LIMITS, type StatementDocument, type StatementEntry } from '../bank/statement/statement-document';
import { writeCamt053 } from '../bank/statement/write-camt053';
import { writeStatementCsv } from '../bank/statement/write-statement-csv';
import { DEFAULT_CUT_OFF } from '../domain/accounting-day';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../domain/business-date';
import { postingEntries } from '../domain/ledger-rules';
import { Decimal } from '../domain/money';
import { createPrismaClient } from '../prisma/client';
import { importStatement } from '../prisma/stores/bank-statement-store';
import { ensurePlatformAccounts, openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { registerEscrowAccount } from '../prisma/stores/escrow-account-store';
import type { LedgerAccountView } from '../prisma/stores/ledger/accounts';
import { postBatch, type PostTransactionInput } from '../prisma/stores/ledger/postings';
import { produceReconciliationReport } from '../use-cases/produce-reconciliation-report';
import { RECONCILIATION_ESCALATE_AFTER_DAYS_DEFAULT } from '../use-cases/use-case-context';
import { createCutOffActivities } from '../workflows/activities/cut-off-activities';
import type { BenchResult } from './ledger';

// recon.day (docs/performance.md): seconds to cut off and reconcile one busy day of the escrow
// account, 100,000 statement lines, beside the seconds PostgreSQL takes to COPY the same lines
// into a plain table in the same run.
//
// Setup (not measured): ~100,000 bank movements booked the way the service books them, through
// the ledger's batch posting: inbound credits to suppliers' virtual accounts (INBOUND_RECEIPT +
// INBOUND_MATCH, an inbound_credit row each) and withdrawals paid out and settled (WITHDRAWAL +
// PAYOUT_SETTLED, a payout row each), all in one accounting day; and the bank's camt.053 of that
// day. A few percent are planted on one side only, so matching does real work: lines the ledger
// does not know (BANK_ONLY), ledger movements the statement does not show (LEDGER_ONLY), and lines
// whose bank reference differs from the feed's (matched by virtual account, amount and value date).
//
// Measured: the day's cut-off (closeAccountingDay: day-end balances, trial balance), reading the
// camt.053 file, importing it (storing the lines, matching every rule, ledger-only activity), and
// the day's reconciliation report. The counts found must be the counts planted, and the report
// must balance: a fast reconciliation that reconciles wrongly fails the bench.

const CURRENCY = 'CNY';
const ESCROW_ACCOUNT_NUMBER = '310066661018800000888';
const PARTIES = 500;
/** Credits on both sides, matched by bank reference. */
const CREDITS_BY_REFERENCE = 57_000;
/** Credits on both sides whose statement reference differs from the feed's: matched by virtual account, amount and value date. */
const CREDITS_BY_ACCOUNT = 1_000;
/** Withdrawals paid and settled on both sides, matched by payout reference. */
const PAYOUTS = 40_000;
const BANK_ONLY_CREDITS = 1_500;
const BANK_ONLY_PAYOUTS = 500;
const LEDGER_ONLY_CREDITS = 1_500;
const LEDGER_ONLY_PAYOUTS = 500;
export const RECON_STATEMENT_LINES = CREDITS_BY_REFERENCE + CREDITS_BY_ACCOUNT + PAYOUTS + BANK_ONLY_CREDITS + BANK_ONLY_PAYOUTS;
const POSTING_BATCH = 1_000;
const ROWS_PER_INSERT = 10_000;

interface Movement {
  kind: 'CREDIT' | 'PAYOUT';
  side: 'BOTH' | 'BANK_ONLY' | 'LEDGER_ONLY';
  /** The feed's bank reference (credits) or the bank's reference of the payout (payouts). */
  bankReference: string;
  /** The statement's reference of the line when it differs from the feed's. */
  statementReference: string;
  payoutReference: string;
  accountIndex: number;
  amount: string;
  at: Date;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const seconds = (ms: number) => round2(ms / 1000);
const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/**
 * Counts the statements node-postgres sends (Prisma's pool included) and the rows they bring
 * back while `work` runs: figures of the work itself, which do not move with the machine's load.
 * The slowest statements are kept, to say where the time went.
 */
async function counted<T>(work: () => Promise<T>): Promise<{ value: T; statements: number; rowsBack: number; slowest: string[] }> {
  const original = Reflect.get(pg.Client.prototype, 'query') as (...args: unknown[]) => unknown;
  const tally = { statements: 0, rowsBack: 0 };
  const times: { ms: number; text: string }[] = [];
  const patched = function (this: pg.Client, ...args: unknown[]) {
    tally.statements += 1;
    const start = performance.now();
    const first = args[0] as string | { text?: string } | undefined;
    const text = (typeof first === 'string' ? first : (first?.text ?? 'COPY ... FROM STDIN')).replace(/\s+/g, ' ').trim().slice(0, 70);
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      void result.then(
        (answer: { rows?: unknown[] } | undefined) => {
          tally.rowsBack += answer?.rows?.length ?? 0;
          times.push({ ms: performance.now() - start, text });
        },
        () => undefined,
      );
    } else if (result instanceof Writable) {
      // A COPY ... FROM STDIN stream: done when PostgreSQL has taken every row.
      result.once('finish', () => times.push({ ms: performance.now() - start, text }));
    }
    return result;
  };
  Reflect.set(pg.Client.prototype, 'query', patched);
  try {
    const value = await work();
    const slowest = times.sort((a, b) => b.ms - a.ms).slice(0, 8).map(({ ms, text }) => `${seconds(ms)} s ${text}`);
    return { value, ...tally, slowest };
  } finally {
    Reflect.set(pg.Client.prototype, 'query', original);
  }
}

/** The day's movements, in the order the bank booked them. Amounts are all different, so no rule can pair a line with another line's movement. */
function plannedMovements(day: IsoDate): Movement[] {
  const plan: Array<Pick<Movement, 'kind' | 'side'> & { byAccount?: boolean }> = [
    ...Array.from({ length: CREDITS_BY_REFERENCE }, () => ({ kind: 'CREDIT' as const, side: 'BOTH' as const })),
    ...Array.from({ length: CREDITS_BY_ACCOUNT }, () => ({ kind: 'CREDIT' as const, side: 'BOTH' as const, byAccount: true })),
    ...Array.from({ length: PAYOUTS }, () => ({ kind: 'PAYOUT' as const, side: 'BOTH' as const })),
    ...Array.from({ length: BANK_ONLY_CREDITS }, () => ({ kind: 'CREDIT' as const, side: 'BANK_ONLY' as const })),
    ...Array.from({ length: BANK_ONLY_PAYOUTS }, () => ({ kind: 'PAYOUT' as const, side: 'BANK_ONLY' as const })),
    ...Array.from({ length: LEDGER_ONLY_CREDITS }, () => ({ kind: 'CREDIT' as const, side: 'LEDGER_ONLY' as const })),
    ...Array.from({ length: LEDGER_ONLY_PAYOUTS }, () => ({ kind: 'PAYOUT' as const, side: 'LEDGER_ONLY' as const })),
  ];
  // A fixed shuffle (a linear congruential sequence), so every run books the same day.
  let seed = 20261216;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let index = plan.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [plan[index], plan[other]] = [plan[other]!, plan[index]!];
  }
  // From 01:00 to 21:00 of the business day: inside both the statement's day and the accounting day (cut-off 23:00).
  const opens = startOfBusinessDate(day).getTime() + 60 * 60 * 1000;
  const spanMs = 20 * 60 * 60 * 1000;
  return plan.map((item, index) => {
    const number = String(index + 1).padStart(9, '0');
    // Credits bring 10,000.00 and more, withdrawals take 100.00 and more: no account is overdrawn.
    const amount = item.kind === 'CREDIT' ? `${10_000 + index}.${String(index % 100).padStart(2, '0')}` : `${100 + index}.${String(index % 100).padStart(2, '0')}`;
    return {
      kind: item.kind,
      side: item.side,
      bankReference: `SIMB${number}`,
      statementReference: item.byAccount ? `SIMS${number}` : `SIMB${number}`,
      payoutReference: `WDR-BENCH-${number}`,
      accountIndex: index % PARTIES,
      amount,
      at: new Date(opens + Math.floor((spanMs * index) / plan.length)),
    };
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
}

/** A COPY text-format field: backslash, tab and line breaks escaped, \N for null. */
function copyField(value: string | null): string {
  return value === null ? '\\N' : value.replace(/[\\\t\n\r]/g, (character) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[character]!);
}

export async function runReconciliationBenchmark(databaseUrl: string, log: (line: string) => void): Promise<BenchResult[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  const prisma = createPrismaClient({ databaseUrl, poolMax: 4 });
  const logger = pino({ level: 'silent' });
  try {
    const day = addDays(businessDateOf(new Date()), -3);
    const movements = plannedMovements(day);
    log(`recon.day: booking ${movements.filter((movement) => movement.side !== 'BANK_ONLY').length} movements of ${day} in the ledger (batches of ${POSTING_BATCH})`);
    const platform = await ensurePlatformAccounts(pool, CURRENCY);
    // The day's report is of the platform's escrow account, as the worker registers it at start.
    await registerEscrowAccount(prisma, logger, { currency: CURRENCY, accountNumber: ESCROW_ACCOUNT_NUMBER }, new Date());
    const parties = await pool.query<{ id: string }>(
      `INSERT INTO party (legal_name, credit_code, roles)
       SELECT '基准供应商 Bench supplier ' || n, '91440300BENCH' || lpad(n::text, 5, '0'), ARRAY['SUPPLIER']::party_role[] FROM generate_series(1, $1::int) AS n
       RETURNING id::text AS id`,
      [PARTIES],
    );
    const accounts: LedgerAccountView[] = [];
    for (const party of parties.rows) accounts.push((await openPartyAccounts(pool, { id: party.id, roles: ['SUPPLIER'] }, CURRENCY))[0]!);

    // The ledger's side: every movement the ledger knows, through its batch posting.
    const booked = movements.filter((movement) => movement.side !== 'BANK_ONLY');
    const postings: PostTransactionInput[] = [];
    // Credits are posted before withdrawals (a withdrawal never overdraws its account), each at its own time of the day.
    for (const movement of [...booked.filter((item) => item.kind === 'CREDIT'), ...booked.filter((item) => item.kind === 'PAYOUT')]) {
      const amount = new Decimal(movement.amount);
      const account = accounts[movement.accountIndex]!;
      if (movement.kind === 'CREDIT') {
        const metadata = { bankReference: movement.bankReference, virtualAccountNumber: account.virtualAccountNumber };
        postings.push({ idempotencyKey: `inbound:${movement.bankReference}:receipt`, code: 'INBOUND_RECEIPT', effectiveAt: movement.at, metadata, entries: postingEntries('INBOUND_RECEIPT', amount, CURRENCY, { escrowBank: platform.ESCROW_BANK.id, inboundClearing: platform.INBOUND_CLEARING.id }) });
        postings.push({ idempotencyKey: `inbound:${movement.bankReference}:match`, code: 'INBOUND_MATCH', effectiveAt: movement.at, metadata, entries: postingEntries('INBOUND_MATCH', amount, CURRENCY, { inboundClearing: platform.INBOUND_CLEARING.id, target: account.id }) });
      } else {
        const metadata = { purpose: 'WITHDRAWAL', payoutReference: movement.payoutReference };
        postings.push({ idempotencyKey: `payout:${movement.payoutReference}:in-transit`, code: 'WITHDRAWAL', effectiveAt: movement.at, metadata, entries: postingEntries('PAYOUT', amount, CURRENCY, { source: account.id, payoutInTransit: platform.PAYOUT_IN_TRANSIT.id }) });
        postings.push({ idempotencyKey: `payout:${movement.payoutReference}:settled`, code: 'PAYOUT_SETTLED', effectiveAt: movement.at, metadata, entries: postingEntries('PAYOUT_SETTLED', amount, CURRENCY, { payoutInTransit: platform.PAYOUT_IN_TRANSIT.id, escrowBank: platform.ESCROW_BANK.id }) });
      }
    }
    const transactionOf = new Map<string, string>();
    const booking = await timed(async () => {
      for (const batch of chunks(postings, POSTING_BATCH)) {
        for (const posted of await postBatch(pool, batch)) transactionOf.set(posted.idempotencyKey, posted.transactionId);
      }
    });
    log(`recon.day: ${postings.length} ledger transactions posted in ${seconds(booking.ms)} s`);

    const credits = booked.filter((movement) => movement.kind === 'CREDIT');
    for (const slice of chunks(credits, ROWS_PER_INSERT)) {
      await pool.query(
        `INSERT INTO inbound_credit (bank_reference, virtual_account_number, amount, currency, payer_name, payer_account_number, remittance_information, received_at, outcome, account_id, transaction_id)
         SELECT u.bank_reference, u.virtual_account_number, u.amount, $1, '前海恒信商业保理有限公司', '6222000000000001', '货款 payment', u.received_at, 'MATCHED', u.account_id, u.transaction_id
           FROM unnest($2::text[], $3::text[], $4::numeric[], $5::timestamptz[], $6::uuid[], $7::uuid[]) AS u(bank_reference, virtual_account_number, amount, received_at, account_id, transaction_id)`,
        [
          CURRENCY,
          slice.map((movement) => movement.bankReference),
          slice.map((movement) => accounts[movement.accountIndex]!.virtualAccountNumber),
          slice.map((movement) => movement.amount),
          slice.map((movement) => movement.at.toISOString()),
          slice.map((movement) => accounts[movement.accountIndex]!.id),
          slice.map((movement) => transactionOf.get(`inbound:${movement.bankReference}:match`)!),
        ],
      );
    }
    const payouts = booked.filter((movement) => movement.kind === 'PAYOUT');
    for (const slice of chunks(payouts, ROWS_PER_INSERT)) {
      await pool.query(
        `INSERT INTO payout (purpose, party_id, source_account_id, attempt, payout_reference, amount, currency, beneficiary_name, beneficiary_account_number, beneficiary_bank,
                             status, bank_reference, in_transit_transaction_id, settled_transaction_id, request_key, request_hash, created_at, updated_at, settled_at)
         SELECT 'WITHDRAWAL', u.party_id, u.source_account_id, 1, u.payout_reference, u.amount, $1, '深圳市华强精密电子有限公司', '6222020200112233445', '中国工商银行',
                'SETTLED', u.bank_reference, u.in_transit, u.settled, 'bench:' || u.payout_reference, repeat('a', 64), u.at, u.at, u.at
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::numeric[], $6::text[], $7::uuid[], $8::uuid[], $9::timestamptz[])
                AS u(party_id, source_account_id, payout_reference, amount, bank_reference, in_transit, settled, at)`,
        [
          CURRENCY,
          slice.map((movement) => parties.rows[movement.accountIndex]!.id),
          slice.map((movement) => accounts[movement.accountIndex]!.id),
          slice.map((movement) => movement.payoutReference),
          slice.map((movement) => movement.amount),
          slice.map((movement) => movement.bankReference),
          slice.map((movement) => transactionOf.get(`payout:${movement.payoutReference}:in-transit`)!),
          slice.map((movement) => transactionOf.get(`payout:${movement.payoutReference}:settled`)!),
          slice.map((movement) => movement.at.toISOString()),
        ],
      );
    }

    // The bank's side: the statement of the day, in the order the bank booked the movements.
    const onStatement = movements.filter((movement) => movement.side !== 'LEDGER_ONLY');
    const entries: StatementEntry[] = onStatement.map((movement) => {
      const virtualAccountNumber = accounts[movement.accountIndex]!.virtualAccountNumber!;
      const common = { amount: movement.amount, currency: CURRENCY, bookingDate: day, valueDate: day, bankReference: movement.statementReference };
      return movement.kind === 'CREDIT'
        ? { ...common, kind: 'INBOUND_CREDIT', direction: 'CREDIT', reference: virtualAccountNumber, endToEndId: null, debtorName: '前海恒信商业保理有限公司', debtorAccountNumber: '6222000000000001', creditorName: null, creditorAccountNumber: virtualAccountNumber, remittanceInformation: '货款 payment' }
        : { ...common, kind: 'PAYOUT', direction: 'DEBIT', reference: movement.payoutReference, endToEndId: movement.payoutReference, debtorName: null, debtorAccountNumber: ESCROW_ACCOUNT_NUMBER, creditorName: '深圳市华强精密电子有限公司', creditorAccountNumber: '6222020200112233445', remittanceInformation: `提现 ${movement.payoutReference}` };
    });
    const closing = entries.reduce((sum, entry) => (entry.direction === 'CREDIT' ? sum.plus(entry.amount) : sum.minus(entry.amount)), new Decimal(0));
    const document: StatementDocument = {
      statementId: `SIMSTMT-${ESCROW_ACCOUNT_NUMBER}-${CURRENCY}-${day}`,
      createdAt: startOfBusinessDate(addDays(day, 1)),
      accountNumber: ESCROW_ACCOUNT_NUMBER,
      date: day,
      currency: CURRENCY,
      openingBalance: '0.00',
      closingBalance: closing.toFixed(2),
      entries,
    };
    const camt053 = writeCamt053(document);
    const csv = writeStatementCsv(document);
    log(`recon.day: statement of ${entries.length} lines: camt.053 ${round2(Buffer.byteLength(camt053) / 2 ** 20)} MiB, CSV ${round2(Buffer.byteLength(csv) / 2 ** 20)} MiB`);

    // The baseline: the same lines into a plain table of the same columns (no index, no key) with COPY.
    await pool.query(`CREATE TABLE bench_statement_line (
      position integer, bank_reference varchar(64), kind text, direction text, amount numeric(24,4), currency char(3), reference varchar(64), booking_date date, value_date date,
      end_to_end_id varchar(140), debtor_name varchar(140), debtor_account_number varchar(32), creditor_name varchar(140), creditor_account_number varchar(32), remittance_information varchar(140))`);
    const copyText = entries
      .map((entry, index) =>
        [String(index + 1), entry.bankReference, entry.kind, entry.direction, entry.amount, entry.currency, entry.reference, entry.bookingDate, entry.valueDate, entry.endToEndId, entry.debtorName, entry.debtorAccountNumber, entry.creditorName, entry.creditorAccountNumber, entry.remittanceInformation]
          .map(copyField)
          .join('\t'),
      )
      .join('\n')
      .concat('\n');
    const client = await pool.connect();
    const copy = await timed(async () => {
      try {
        await pipeline(Readable.from([copyText]), client.query(copyFrom('COPY bench_statement_line FROM STDIN')));
      } finally {
        client.release();
      }
    });
    const copied = await pool.query<{ count: string }>('SELECT count(*)::text AS count FROM bench_statement_line');
    if (Number(copied.rows[0]!.count) !== entries.length) throw new Error(`COPY loaded ${copied.rows[0]!.count} lines, not ${entries.length}`);
    log(`recon.day: baseline COPY of ${entries.length} lines in ${seconds(copy.ms)} s`);

    // Measured: the cut-off, then the statement read, imported and matched, then the report (as
    // the day runs: the cut-off at 23:00, the bank's statement the next morning).
    // The day is timed whole, from the cut-off to the report, as a user waits for it; the stages
    // are notes. The read's CPU time is noted too: on a shared machine it moves less with the
    // neighbours than its wall time.
    const dayStart = performance.now();
    const cutOff = await timed(() => createCutOffActivities({ prisma, logger }).closeAccountingDay({ businessDate: day, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'bench' }));
    if (cutOff.value.replayed) throw new Error(`the day ${day} was closed before the bench`);
    const readCpu = process.cpuUsage();
    const parse = await timed(() => parseStatementFile({ format: 'CAMT053', content: camt053 }, STATEMENT_FETCH_LIMITS));
    const readCpuSeconds = round2(cpuSeconds(process.cpuUsage(readCpu)));
    const imported = await timed(() => counted(() => importStatement(prisma, parse.value, { format: 'CAMT053', importedByUserId: null, escalateAfterDays: RECONCILIATION_ESCALATE_AFTER_DAYS_DEFAULT })));
    log(`recon.day: the import's slowest statements: ${imported.value.slowest.join('; ')}`);
    const report = await timed(() => produceReconciliationReport({ prisma, logger }, day, CURRENCY));
    const total = performance.now() - dayStart;
    const csvParse = await timed(() => parseStatementFile({ format: 'CSV', content: csv }, STATEMENT_FETCH_LIMITS));
    if (csvParse.value.entries.length !== entries.length) throw new Error('the CSV read back a different number of lines');
    log(`recon.day: ${seconds(total)} s in all: cut-off ${seconds(cutOff.ms)} s, camt.053 read ${seconds(parse.ms)} s (${readCpuSeconds} CPU-s; CSV ${seconds(csvParse.ms)} s), import and matching ${seconds(imported.ms)} s (${imported.value.statements} statements, ${imported.value.rowsBack} rows back), report ${seconds(report.ms)} s`);

    // The counts found must be the counts planted, and the day must balance.
    const counts = await pool.query<{ outcome: string; rule: string | null; count: number }>(
      `SELECT outcome::text AS outcome, rule::text AS rule, count(*)::int AS count FROM reconciliation_item WHERE account_number = $1 AND currency = $2 GROUP BY 1, 2`,
      [ESCROW_ACCOUNT_NUMBER, CURRENCY],
    );
    const found = Object.fromEntries(counts.rows.map((row) => [`${row.outcome}${row.rule ? `/${row.rule}` : ''}`, row.count]));
    const planted = {
      'MATCHED/BANK_REFERENCE': CREDITS_BY_REFERENCE,
      'MATCHED/ACCOUNT_AMOUNT_VALUE_DATE': CREDITS_BY_ACCOUNT,
      'MATCHED/PAYOUT_REFERENCE': PAYOUTS,
      BANK_ONLY: BANK_ONLY_CREDITS + BANK_ONLY_PAYOUTS,
      LEDGER_ONLY: LEDGER_ONLY_CREDITS + LEDGER_ONLY_PAYOUTS,
    };
    if (JSON.stringify(Object.entries(found).sort()) !== JSON.stringify(Object.entries(planted).sort())) {
      throw new Error(`recon.day reconciled wrongly: found ${JSON.stringify(found)}, planted ${JSON.stringify(planted)}`);
    }
    if (!('report' in report.value) || !report.value.report.balanced) throw new Error(`the reconciliation report of ${day} does not balance: ${JSON.stringify(report.value)}`);
    const matched = CREDITS_BY_REFERENCE + CREDITS_BY_ACCOUNT + PAYOUTS;
    log(`recon.day: found ${matched} matched, ${planted.BANK_ONLY} bank-only, ${planted.LEDGER_ONLY} ledger-only, as planted; the report balances`);

    return [
      {
        name: 'recon.day',
        value: seconds(total),
        unit: 's',
        baseline: seconds(copy.ms),
        ratio: round2(total / copy.ms),
        note: `${entries.length} lines, timed whole: cut-off ${seconds(cutOff.ms)} + camt.053 read ${seconds(parse.ms)} (${readCpuSeconds} CPU-s) + import and matching ${seconds(imported.ms)} (${imported.value.statements} statements, ${imported.value.rowsBack} rows back) + report ${seconds(report.ms)} s; ${matched} matched, ${planted.BANK_ONLY} bank-only, ${planted.LEDGER_ONLY} ledger-only; baseline: COPY of the same lines (target ratio <= 5)`,
      },
      {
        name: 'recon.day.without_read',
        value: seconds(total - parse.ms),
        unit: 's',
        baseline: seconds(copy.ms),
        ratio: round2((total - parse.ms) / copy.ms),
        note: `recon.day less reading the file (the CSV of the same day reads in ${seconds(csvParse.ms)} s); baseline: COPY of the same lines`,
      },
    ];
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}
