import { describe, expect, it } from 'vitest';
import { parseCamt053 } from './parse-camt053';
import type { StatementDocument, StatementEntry } from './statement-document';
import { writeCamt053 } from './write-camt053';

// A bank's reversal (RvslInd) of a payout return it booked in error is read, not refused.
//
// On 2026-12-10 the escrow account opens at 1,000,000.00. Payout payout:f1:1 of 795,200.00 leaves
// (ICDT, a debit). The bank books 795,200.00 back to the account as that payout's return (ICDT
// sub-family RRTN, a credit), then finds the return was booked in error and takes it back the way
// camt.053 says so: the same transaction code, marked RvslInd, a debit of 795,200.00. The day
// closes at 204,800.00 (1,000,000.00 − 795,200.00 + 795,200.00 − 795,200.00), and adds up.
//
// A reversal is money out of the escrow account, whatever it reverses. A serious payments product
// reads the day and reconciles the reversal as a named difference (a debit of the payout's
// reference); it never refuses the whole statement, which would keep that day and every day after
// it out of reconciliation and stop the daily fetch. Here every reversed issued transfer is read
// as a PAYOUT_RETURN, a credit, and the file is refused STATEMENT_MALFORMED: "a PAYOUT_RETURN
// entry is a CREDIT, not a DEBIT".

const payout: StatementEntry = {
  bankReference: 'SIM0000000000000001',
  kind: 'PAYOUT',
  direction: 'DEBIT',
  amount: '795200.00',
  currency: 'CNY',
  reference: 'payout:f1:1',
  bookingDate: '2026-12-10',
  valueDate: '2026-12-10',
  endToEndId: 'payout:f1:1',
  debtorName: null,
  debtorAccountNumber: '310066661018800000888',
  creditorName: '深圳市前海供应商有限公司',
  creditorAccountNumber: '6222020200112233',
  remittanceInformation: '融资放款 disbursement',
};
const returned: StatementEntry = { ...payout, bankReference: 'SIM0000000000000002', kind: 'PAYOUT_RETURN', direction: 'CREDIT', remittanceInformation: '退汇 returned' };
const returnReversed: StatementEntry = { ...returned, bankReference: 'SIM0000000000000003', direction: 'DEBIT', remittanceInformation: '冲正 reversal' };

const day: StatementDocument = {
  statementId: 'SIMSTMT-310066661018800000888-CNY-2026-12-10',
  createdAt: new Date('2026-12-10T16:00:00.000Z'),
  accountNumber: '310066661018800000888',
  date: '2026-12-10',
  currency: 'CNY',
  openingBalance: '1000000.00',
  closingBalance: '204800.00',
  entries: [payout, returned, returnReversed],
};

describe("a bank's reversal of a payout return", () => {
  it('is read as a debit of the payout reference, not refused with the whole statement', () => {
    const written = writeCamt053(day);
    // The third entry, the return's reversal: the return's transaction code (ICDT/RRTN), a debit, RvslInd.
    const at = written.lastIndexOf('<CdtDbtInd>DBIT</CdtDbtInd>') + '<CdtDbtInd>DBIT</CdtDbtInd>'.length;
    const camt = `${written.slice(0, at)}<RvslInd>true</RvslInd>${written.slice(at)}`;
    expect(camt.match(/<SubFmlyCd>RRTN<\/SubFmlyCd>/g)).toHaveLength(2);

    const read = (() => {
      try {
        return parseCamt053(camt).entries[2];
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(read).toMatchObject({ bankReference: 'SIM0000000000000003', direction: 'DEBIT', amount: '795200.00', reference: 'payout:f1:1' });
  });
});
