import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A bank that executes one payout twice (重复出款, docs/reconciliation.md "Matching";
// research/domain-notes.md §3.6 names it a cause of shortage): the statement shows two PAYOUT
// lines under two bank references, both carrying the payout reference of the one payout the
// ledger settled. The first line is that payout; the second is money the bank paid that the
// ledger never did, a BANK_ONLY difference for a person, and the statement must be stored like
// any other so that the chain of days goes on.

describe('a payout the bank executes twice', () => {
  it('on one day: the statement is stored, one line matches the payout and the other is bank-only', async () => {
    const w = await reconciliationWorld(31);
    try {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout, status } = await w.disbursed(w.at(w.day, 10));
      expect(status).toBe('SETTLED');
      await w.close(w.day);
      const imported = w.importDay(w.day, 'CSV', (content) => {
        const rows = content.split('\r\n');
        const paid = rows.find((row) => row.includes(',PAYOUT,'))!;
        const bankReference = paid.split(',')[8]!;
        const again = paid.replace(bankReference, 'SIMREPEAT000000001');
        // The bank's balance drops by the second execution too.
        rows[1] = rows[1]!.replace(',0.00,1212800.00,', ',0.00,425600.00,');
        return rows.join('\r\n').replace(`${paid}\r\n`, `${paid}\r\n${again}\r\n`);
      });
      await expect(imported).resolves.toMatchObject({ created: true });
      const items = await w.db.prisma.reconciliationItem.findMany({ where: { accountNumber: w.bank.escrowAccountNumber, kind: 'PAYOUT' }, orderBy: { createdAt: 'asc' } });
      expect(items.map((item) => [item.outcome, item.status, item.payoutId === payout.id])).toEqual([
        ['MATCHED', 'RESOLVED', true],
        ['BANK_ONLY', 'OPEN', true],
      ]);
    } finally {
      await w.drop();
    }
  });

  it('again on the next day: the next day is stored, its line is bank-only', async () => {
    const w = await reconciliationWorld(33);
    try {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { status } = await w.disbursed(w.at(w.day, 10));
      expect(status).toBe('SETTLED');
      await w.playDay(w.day);
      const next = addDays(w.day, 1);
      const first = (await w.bank.fetchStatementFile(w.day, 'CNY', 'CSV')).content.split('\r\n').find((row) => row.includes(',PAYOUT,'))!;
      await w.close(next);
      const imported = w.importDay(next, 'CSV', (content) => {
        const rows = content.split('\r\n');
        // The bank executes the same payout (same EndToEndId, same amount) again the next day.
        const again = first.replace(first.split(',')[8]!, 'SIMREPEAT000000002').replaceAll(w.day, next).replace(/^ENTRY,[^,]+,/, `ENTRY,${rows[1]!.split(',')[1]},`);
        rows[1] = rows[1]!.replace(',1212800.00,1212800.00,', ',1212800.00,425600.00,');
        return [...rows.slice(0, 2), again, ...rows.slice(2)].join('\r\n');
      });
      await expect(imported).resolves.toMatchObject({ created: true });
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'SIMREPEAT000000002' } });
      const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      expect([item.outcome, item.status]).toEqual(['BANK_ONLY', 'OPEN']);
    } finally {
      await w.drop();
    }
  });
});
