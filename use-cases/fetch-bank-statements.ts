import type { BankAdapter } from '../bank/bank-adapter';
import { calendarDateOf } from '../domain/accounting-day';
import { addDays, daysBetween, isoDateOfColumn, type IsoDate } from '../domain/business-date';
import { maskBankAccountNumber } from '../domain/party-rules';
import { importBankStatement } from './import-bank-statement';
import { reconciliationCutOff, type UseCaseContext } from './use-case-context';

export type StatementFetchContext = Pick<UseCaseContext, 'prisma' | 'logger' | 'reconciliationSettings'> & {
  bank: BankAdapter;
  /** The currencies the escrow account holds: one statement each per day. */
  currencies: readonly string[];
};

/**
 * Days of one currency fetched and imported at one turn at most. A worker down for longer
 * catches up over several turns (hourly by default: a month in five), so one turn stays
 * bounded: the largest day takes some 15 s to read and import (docs/performance.md), and the
 * worker's shutdown waits for the turn in progress.
 */
export const STATEMENT_FETCH_DAYS_PER_TURN_MAX = 7;

/** A turn in which some currency could not be fetched or imported; each failure is in `errors`, and was logged. */
export class BankStatementFetchError extends AggregateError {
  override readonly name = 'BankStatementFetchError';
  constructor(
    errors: unknown[],
    /** The currencies that failed, in the order tried. */
    readonly currencies: string[],
    /** The days the turn did import ("YYYY-MM-DD CUR"), those of the other currencies included. */
    readonly imported: string[],
  ) {
    super(errors, `the bank statements of ${currencies.join(', ')} could not all be fetched and imported; tried again at the next turn`);
  }
}

/**
 * The worker's daily import: for each currency, the escrow account's statements from the day
 * after the last one stored through yesterday (only yesterday when none is stored yet), fetched
 * from the bank as camt.053 files and imported as an operator's upload would be, oldest first.
 * Run on every turn of the worker's loop: a turn that finds yesterday stored does nothing, and
 * a worker that was down fetches the days it missed, at most STATEMENT_FETCH_DAYS_PER_TURN_MAX
 * a turn. A currency stops at its first day that fails (a day continues the chain of the day
 * before, so a later one cannot go in first); the other currencies go on, and the turn then
 * throws BankStatementFetchError so that the loop reports it. Returns the days imported.
 */
export async function fetchBankStatements(ctx: StatementFetchContext, now: Date): Promise<string[]> {
  await warnOfUnfetchedCurrencies(ctx);
  // A statement's date is a calendar date in the cut-off's zone, the one the import checks it by.
  const yesterday = addDays(calendarDateOf(now, reconciliationCutOff(ctx.reconciliationSettings).zone), -1);
  const imported: string[] = [];
  const failures: Array<{ currency: string; error: unknown }> = [];
  for (const currency of ctx.currencies) {
    try {
      await fetchCurrency(ctx, currency, yesterday, now, imported);
    } catch (error) {
      failures.push({ currency, error });
    }
  }
  if (failures.length > 0) {
    throw new BankStatementFetchError(
      failures.map((failure) => failure.error),
      failures.map((failure) => failure.currency),
      imported,
    );
  }
  return imported;
}

/**
 * The currencies the ledger's escrow bank account has moved money in (a program in USD, say)
 * whose statements the worker is not set to fetch (BANK_STATEMENT_CURRENCIES): their days are
 * never reconciled with the bank. Said loudly, at every turn, until the setting names them.
 */
async function warnOfUnfetchedCurrencies(ctx: StatementFetchContext): Promise<void> {
  const held = await ctx.prisma.ledgerAccount.findMany({ where: { purpose: 'ESCROW_BANK', OR: [{ debitsPosted: { not: 0 } }, { creditsPosted: { not: 0 } }] }, select: { currency: true } });
  const unfetched = held.map((account) => account.currency).filter((currency) => !ctx.currencies.includes(currency)).sort();
  if (unfetched.length === 0) return;
  ctx.logger.error(
    { currencies: unfetched },
    `the escrow bank account holds money in ${unfetched.join(', ')}, whose statements are not fetched: those days are never reconciled with the bank; add ${unfetched.join(', ')} to BANK_STATEMENT_CURRENCIES`,
  );
}

/** One currency's days, oldest first, each added to `imported` once in, up to the first that fails: logged here, with what failed, and thrown. */
async function fetchCurrency(ctx: StatementFetchContext, currency: string, yesterday: IsoDate, now: Date, imported: string[]): Promise<void> {
  let account = '';
  let date: IsoDate | null = null;
  try {
    account = ctx.bank.escrowAccountNumberOf(currency);
    // The escrow account's own chain: a statement of another account (an operator's wrong
    // file) says nothing about which of the escrow account's days are in.
    const last = await ctx.prisma.bankStatement.findFirst({ where: { accountNumber: account, currency }, orderBy: { statementDate: 'desc' }, select: { statementDate: true } });
    const from = last ? addDays(isoDateOfColumn(last.statementDate), 1) : yesterday;
    const dates: IsoDate[] = [];
    for (let day = from; day <= yesterday && dates.length < STATEMENT_FETCH_DAYS_PER_TURN_MAX; day = addDays(day, 1)) dates.push(day);
    if (dates.length === 0) return;
    const behind = daysBetween(from, yesterday) + 1;
    if (behind > 1) {
      ctx.logger.info({ currency, account: maskBankAccountNumber(account), from, through: dates.at(-1), days: dates.length, left: behind - dates.length }, 'fetching the bank statements of days missed (any left at the next turns)');
    }
    for (const day of dates) {
      date = day;
      const file = await ctx.bank.fetchStatementFile(day, currency, 'CAMT053');
      await importBankStatement(ctx, null, file, now);
      imported.push(`${day} ${currency}`);
    }
  } catch (error) {
    // Logged here, where the currency and the day are known; the turn carries on with the next currency.
    ctx.logger.error(
      { err: error, currency, date, account: account ? maskBankAccountNumber(account) : null },
      date ? `fetching or importing the bank statement of ${date} in ${currency} failed; its later days wait for the next turn` : `finding the bank statements to fetch in ${currency} failed`,
    );
    throw error;
  }
}
