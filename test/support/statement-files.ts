import { writeStatementCsv } from '../../bank/statement/write-statement-csv';
import type { StatementEntry } from '../../bank/statement/statement-document';
import { startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { Decimal } from '../../domain/money';

let sequence = 0;

/**
 * A CSV statement of `date` written by hand: credits of `amounts` to a virtual account the
 * ledger does not know (each a BANK_ONLY line), its closing balance the opening plus them.
 */
export function creditsStatement(accountNumber: string, date: IsoDate, currency: string, opening: string, amounts: string[]): { csv: string; closing: string } {
  const entries: StatementEntry[] = amounts.map((amount) => {
    sequence += 1;
    return {
      bankReference: `HAND${process.pid}X${String(sequence).padStart(6, '0')}`,
      kind: 'INBOUND_CREDIT',
      direction: 'CREDIT',
      amount,
      currency,
      reference: '9558800000009999999',
      bookingDate: date,
      valueDate: date,
      endToEndId: null,
      debtorName: '广州云海贸易有限公司',
      debtorAccountNumber: '6222000000000077',
      creditorName: null,
      creditorAccountNumber: '9558800000009999999',
      remittanceInformation: 'unknown',
    };
  });
  const closing = amounts.reduce((sum, amount) => sum.plus(amount), new Decimal(opening)).toFixed(currency === 'JPY' ? 0 : 2);
  const csv = writeStatementCsv({
    statementId: `HANDSTMT-${accountNumber}-${currency}-${date}`,
    createdAt: startOfBusinessDate(date),
    accountNumber,
    date,
    currency,
    openingBalance: opening,
    closingBalance: closing,
    entries,
  });
  return { csv, closing };
}
