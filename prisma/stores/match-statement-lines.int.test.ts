import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import type { StatementDocument, StatementEntry } from '../../bank/statement/statement-document';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties } from '../../test/support/financings';
import { importStatement } from './bank-statement-store';
import { partyAccountCode } from './chart-of-accounts';
import { pollInboundCredits } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';

// Lines that compete for the same credits by virtual account, amount and value date: each line
// takes the nearest credit in its window that no line before it took, so which line is left over
// depends on the statement's order, not on which credit each line likes best. Two virtual accounts
// play the same three lines in two orders; the next day's import tries the line left over again.

const HOUR_MS = 60 * 60 * 1000;
const PAYER = { payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222000000000001', remittanceInformation: 'top-up' };

describe('matching lines that compete for the same credits', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** 10:00 on a business day. */
  const tenOn = (date: IsoDate) => new Date(startOfBusinessDate(date).getTime() + 10 * HOUR_MS);

  it('gives each credit to the first line in the statement\'s order that can take it, and matches the line left over when its credit comes', async () => {
    const a = addDays(businessDateOf(new Date()), -40);
    const day = addDays(a, 7);
    const state = { now: tenOn(a) };
    const bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}777`, clock: () => state.now });
    try {
      const vanOf = async () => {
        const { funder } = await createFinancingParties(db.prisma);
        return (await findAccountByCode(db.prisma, partyAccountCode(funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
      };
      const x = await vanOf();
      const y = await vanOf();
      const credit = async (virtualAccountNumber: string, amount: string, at: Date) => {
        state.now = at;
        const { bankReference } = await bank.receiveInboundCredit({ virtualAccountNumber, amount, currency: 'CNY', ...PAYER });
        await pollInboundCredits(db.prisma, bank);
        return (await db.prisma.inboundCredit.findFirstOrThrow({ where: { bankReference } })).id;
      };
      // Day a: the first credit of 20,000.00 to each account, and two credits the statement shows
      // under the feed's own references (one with another amount). Day a + 4: the second of each.
      const xa = await credit(x, '20000.00', tenOn(a));
      const ya = await credit(y, '20000.00', tenOn(a));
      state.now = tenOn(a);
      const exact = await bank.receiveInboundCredit({ virtualAccountNumber: x, amount: '500.00', currency: 'CNY', ...PAYER });
      const differs = await bank.receiveInboundCredit({ virtualAccountNumber: y, amount: '700.00', currency: 'CNY', ...PAYER });
      await pollInboundCredits(db.prisma, bank);
      const xb = await credit(x, '20000.00', tenOn(addDays(a, 4)));
      const yb = await credit(y, '20000.00', tenOn(addDays(a, 4)));

      // Each line's window is two business days either side of its value date, the nearest first:
      // "early" (value date a - 2) sees only the day-a credit, "middle" (a + 2) both and prefers
      // day a's, "late" (a + 5) only day a + 4's.
      const line = (bankReference: string, reference: string, amount: string, valueDate: IsoDate): StatementEntry => ({
        bankReference, kind: 'INBOUND_CREDIT', direction: 'CREDIT', amount, currency: 'CNY', reference, bookingDate: day, valueDate, endToEndId: null,
        debtorName: PAYER.payerName, debtorAccountNumber: PAYER.payerAccountNumber, creditorName: null, creditorAccountNumber: reference, remittanceInformation: 'top-up',
      });
      const early = addDays(a, -2);
      const middle = addDays(a, 2);
      const late = addDays(a, 5);
      const entries = [
        line(`CMPX${process.pid}01`, x, '20000.00', early),
        line(`CMPY${process.pid}01`, y, '20000.00', middle),
        line(exact.bankReference, x, '500.00', day),
        line(`CMPX${process.pid}02`, x, '20000.00', middle),
        line(`CMPY${process.pid}02`, y, '20000.00', early),
        line(differs.bankReference, y, '699.99', day),
        line(`CMPX${process.pid}03`, x, '20000.00', late),
        line(`CMPY${process.pid}03`, y, '20000.00', late),
      ];
      const document = (date: IsoDate, opening: string, closing: string, lines: StatementEntry[]): StatementDocument => ({
        statementId: `CMP-${process.pid}-${date}`, createdAt: new Date(startOfBusinessDate(addDays(date, 1)).getTime()), accountNumber: bank.escrowAccountNumber,
        date, currency: 'CNY', openingBalance: opening, closingBalance: closing, entries: lines,
      });
      const imported = await importStatement(db.prisma, document(day, '0.00', '121199.99', entries), { format: 'CSV', importedByUserId: null, escalateAfterDays: 30, now: tenOn(addDays(day, 1)) });

      const itemsOf = async (statementId: string) => {
        const lines = await db.prisma.bankStatementLine.findMany({ where: { statementId }, orderBy: { position: 'asc' }, select: { id: true } });
        const items = await db.prisma.reconciliationItem.findMany({ where: { statementLineId: { in: lines.map(({ id }) => id) } } });
        return lines.map(({ id }) => {
          const item = items.find(({ statementLineId }) => statementLineId === id)!;
          return [item.outcome, item.status, item.rule, item.inboundCreditId, item.detail];
        });
      };
      const exactId = (await db.prisma.inboundCredit.findFirstOrThrow({ where: { bankReference: exact.bankReference } })).id;
      const byAccount = (van: string, valueDate: IsoDate) => `matched by virtual account ${van}, 20000.00 CNY and a receipt within 2 days of value date ${valueDate}`;
      const surplus = (van: string) => `the ledger has no credit of 20000.00 CNY to virtual account ${van}: surplus (长款) until the feed books it`;
      const differsDetail = `the ledger booked 700.00 CNY under ${differs.bankReference}; the bank shows 699.99 CNY`;
      expect(await itemsOf(imported.statement.id)).toEqual([
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', xa, byAccount(x, early)],
        // y's middle line comes first and takes day a's credit, which y's early line needed.
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', ya, byAccount(y, middle)],
        ['MATCHED', 'RESOLVED', 'BANK_REFERENCE', exactId, `booked by the feed under ${exact.bankReference}`],
        // x's middle line prefers day a's credit, taken by the early line before it: day a + 4's.
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', xb, byAccount(x, middle)],
        ['BANK_ONLY', 'OPEN', null, null, surplus(y)],
        ['BANK_ONLY', 'OPEN', null, null, differsDetail],
        // x's late line could only take day a + 4's credit, which the middle line before it took.
        ['BANK_ONLY', 'OPEN', null, null, surplus(x)],
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', yb, byAccount(y, late)],
      ]);

      // Day a + 6 (booked late by the feed): a credit in x's late line's window. The next day's
      // statement, without lines, tries the three lines left over again: only x's late line matches.
      const xc = await credit(x, '20000.00', tenOn(addDays(a, 6)));
      const next = addDays(day, 1);
      await importStatement(db.prisma, document(next, '121199.99', '121199.99', []), { format: 'CSV', importedByUserId: null, escalateAfterDays: 30, now: tenOn(addDays(next, 1)) });
      expect(await itemsOf(imported.statement.id)).toEqual([
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', xa, byAccount(x, early)],
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', ya, byAccount(y, middle)],
        ['MATCHED', 'RESOLVED', 'BANK_REFERENCE', exactId, `booked by the feed under ${exact.bankReference}`],
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', xb, byAccount(x, middle)],
        ['BANK_ONLY', 'OPEN', null, null, surplus(y)],
        ['BANK_ONLY', 'OPEN', null, null, differsDetail],
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', xc, `${byAccount(x, late)} (matched at the import of ${next})`],
        ['MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE', yb, byAccount(y, late)],
      ]);
    } finally {
      await bank.close();
    }
  });
});
