import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors';
import { parseCamt053 } from './parse-camt053';
import { parseStatementCsv } from './parse-statement-csv';
import type { StatementDocument, StatementEntry } from './statement-document';
import { writeCamt053 } from './write-camt053';
import { writeStatementCsv } from './write-statement-csv';

// docs/reconciliation.md, "What every statement must satisfy": an entry listed twice under the
// same bank reference is counted once, but "the same reference with different details is
// STATEMENT_MALFORMED". Who paid is such a detail, and one the platform acts on: a credit only
// the bank's statement shows is parked for an operator with the payer's account as the statement
// line names it, and a refund of it goes back to that account. A file that names two different
// payers for one bank movement does not say whose money it is.

const credit: StatementEntry = {
  bankReference: 'SIM0000000000000002',
  kind: 'INBOUND_CREDIT',
  direction: 'CREDIT',
  amount: '300000.00',
  currency: 'CNY',
  reference: '9558800000000123',
  bookingDate: '2026-12-10',
  valueDate: '2026-12-10',
  endToEndId: null,
  debtorName: '广州云海智能制造集团股份有限公司',
  debtorAccountNumber: '6222000011112222',
  creditorName: null,
  creditorAccountNumber: '9558800000000123',
  remittanceInformation: '还款',
};

// The same movement listed again, but paid from another account by another company.
const otherPayer: StatementEntry = { ...credit, debtorName: '深圳市某某贸易有限公司', debtorAccountNumber: '6222999988887777' };

const day: StatementDocument = {
  statementId: 'SIMSTMT-310066661018800000888-CNY-2026-12-10',
  createdAt: new Date('2026-12-10T16:00:00.000Z'),
  accountNumber: '310066661018800000888',
  date: '2026-12-10',
  currency: 'CNY',
  openingBalance: '1000000.00',
  // The bank's balance counts the movement once, as a repeated entry is counted.
  closingBalance: '1300000.00',
  entries: [credit, otherPayer],
};

function refusal(run: () => unknown): { code: string; path: string } | 'accepted' {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { code: error.code, path: error.issues[0]?.path.join('.') ?? '' };
  }
  return 'accepted';
}

describe('a bank reference listed twice with another payer', () => {
  it('is refused as a malformed camt.053 statement, not counted once under the first payer', () => {
    expect(refusal(() => parseCamt053(writeCamt053(day)))).toEqual({ code: 'STATEMENT_MALFORMED', path: 'content.Stmt/Ntry[2]' });
  });

  it('is refused as a malformed CSV statement, naming the line of the second listing', () => {
    expect(refusal(() => parseStatementCsv(writeStatementCsv(day)))).toEqual({ code: 'STATEMENT_MALFORMED', path: 'content.line 4' });
  });
});
