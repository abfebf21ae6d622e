import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
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
      let bankReference = '';
      const imported = w.importDay(w.day, 'CSV', (content) => {
        const rows = content.split('\r\n');
        const paid = rows.find((row) => row.includes(',PAYOUT,'))!;
        bankReference = paid.split(',')[8]!;
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
      // The operator's work queue says which line holds the payout and what the repeat is.
      expect(items[1]!.detail).toBe(`payout ${payout.payoutReference} is the bank's line ${bankReference} of ${w.day}; the bank paid it again (重复出款): 787200.00 CNY the ledger never paid out`);
      // The bank holds 787,200.00 less than the ledger: the open difference explains it.
      expect(await w.report(w.day)).toMatchObject({ balanced: true, items: [['BANK_ONLY', 'SIMREPEAT000000001', '-787200.00']] });
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

  it('a return after the payout was paid twice is not booked as the payout coming back: which payment came back is for a person', async () => {
    const w = await reconciliationWorld(39);
    try {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout, status, supplierCode } = await w.disbursed(w.at(w.day, 10));
      expect(status).toBe('SETTLED');
      await w.close(w.day);
      await w.importDay(w.day, 'CSV', (content) => {
        const rows = content.split('\r\n');
        const paid = rows.find((row) => row.includes(',PAYOUT,'))!;
        rows[1] = rows[1]!.replace(',0.00,1212800.00,', ',0.00,425600.00,');
        return rows.join('\r\n').replace(`${paid}\r\n`, `${paid}\r\n${paid.replace(paid.split(',')[8]!, 'SIMREPEAT000000003')}\r\n`);
      });
      // The next day the beneficiary's bank sends one of the two payments back.
      const next = addDays(w.day, 1);
      await w.close(next);
      const imported = await w.importDay(next, 'CSV', (content) =>
        w.withReturns(content, next, payout.payoutReference, '787200.00', ['SIMRETURN000000003'], { from: ',1212800.00,1212800.00,', to: ',425600.00,1212800.00,' }),
      );
      expect(imported.returnsBooked).toBe(0);
      // The supplier was paid once: the ledger keeps the payout settled and the supplier's account empty.
      expect((await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe('SETTLED');
      expect(await w.balance(supplierCode)).toBe('0.00');
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'SIMRETURN000000003' } });
      const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      expect([item.outcome, item.status, item.payoutId, item.bookedTransactionId]).toEqual(['BANK_ONLY', 'OPEN', payout.id, null]);
      expect(item.detail).toBe(`payout ${payout.payoutReference} came back after the ledger settled it, but the bank paid it more than once (line SIMREPEAT000000003): which payment came back is for a person to find out with the bank; the return is not booked`);
      // The repeat and its return are both open, and they explain the bank's balance together.
      expect(await w.report(next)).toMatchObject({ balanced: true, items: [['BANK_ONLY', 'SIMREPEAT000000003', '-787200.00'], ['BANK_ONLY', 'SIMRETURN000000003', '787200.00']] });
      // Neither will be booked by the payout's own process, so a person can put each right.
      const repeat = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT', outcome: 'BANK_ONLY' } });
      const later = w.at(addDays(next, 1), 9);
      await expect(proposeItemResolution(w.db.prisma, w.operatorActor, repeat.id, { kind: 'WRITE_OFF', amount: '-787200.00', note: '银行重复出款 the bank paid the payout twice' }, later)).resolves.toMatchObject({ id: repeat.id });
      await expect(proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '787200.00', note: '重复出款退回 the second payment came back' }, later)).resolves.toMatchObject({ id: item.id });
    } finally {
      await w.drop();
    }
  });

  it('a payout the bank returns twice is booked back once; the second return is bank-only', async () => {
    const w = await reconciliationWorld(41);
    try {
      const { payout, supplierCode, next } = await w.payoutSettledOnStatement();
      const imported = await w.importDay(next, 'CSV', (content) =>
        w.withReturns(content, next, payout.payoutReference, '787200.00', ['SIMRETURN000000004', 'SIMRETURN000000005'], { from: ',1212800.00,1212800.00,', to: ',1212800.00,2787200.00,' }),
      );
      expect(imported.returnsBooked).toBe(1);
      expect((await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe('RETURNED');
      expect(await w.balance(supplierCode)).toBe('787200.00');
      const itemOf = async (bankReference: string) => {
        const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference } });
        return w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      };
      expect(await itemOf('SIMRETURN000000004')).toMatchObject({ outcome: 'BANK_ONLY', status: 'RESOLVED', rule: 'RETURN_BOOKED' });
      expect(await itemOf('SIMRETURN000000005')).toMatchObject({ outcome: 'BANK_ONLY', status: 'OPEN', rule: null });

      // At the next import the payout is returned, and the second line is named for what it is.
      const after = addDays(next, 1);
      await w.close(after);
      await w.importDay(after, 'CSV', (content) => content.replaceAll(',1212800.00,1212800.00,', ',2787200.00,2787200.00,'));
      expect(await itemOf('SIMRETURN000000005')).toMatchObject({
        outcome: 'BANK_ONLY',
        status: 'OPEN',
        payoutId: payout.id,
        detail: `the return of payout ${payout.payoutReference} is the bank's line SIMRETURN000000004 of ${next}; the bank shows it again: 787200.00 CNY the ledger never booked`,
      });
    } finally {
      await w.drop();
    }
  });

  it('the repeat is written off as a shortage with four eyes, and the days after balance without it', async () => {
    const w = await reconciliationWorld(43);
    try {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout } = await w.disbursed(w.at(w.day, 10));
      await w.close(w.day);
      await w.importDay(w.day, 'CSV', (content) => {
        const rows = content.split('\r\n');
        const paid = rows.find((row) => row.includes(',PAYOUT,'))!;
        rows[1] = rows[1]!.replace(',0.00,1212800.00,', ',0.00,425600.00,');
        return rows.join('\r\n').replace(`${paid}\r\n`, `${paid}\r\n${paid.replace(paid.split(',')[8]!, 'SIMREPEAT000000006')}\r\n`);
      });
      const repeat = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT', outcome: 'BANK_ONLY' } });
      const next = addDays(w.day, 1);
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      await proposeItemResolution(w.db.prisma, w.operatorActor, repeat.id, { kind: 'WRITE_OFF', amount: '-787200.00', note: '银行重复出款，追偿未果 the bank paid the payout twice' }, w.at(next, 9));
      const { item } = await decideItemResolution(w.db.prisma, checker, repeat.id, true, w.at(next, 10));
      expect([item.outcome, item.status, item.payoutId, item.rule]).toEqual(['BANK_ONLY', 'RESOLVED', payout.id, null]);
      // The matched line still holds the payout; the written-off one is explained by its own posting.
      expect(await w.db.prisma.reconciliationItem.count({ where: { payoutId: payout.id, kind: 'PAYOUT', outcome: 'MATCHED', status: 'RESOLVED' } })).toBe(1);
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('425600.00');
      await w.close(next);
      await w.importDay(next, 'CSV', (content) => content.replaceAll(',1212800.00,1212800.00,', ',425600.00,425600.00,'));
      expect(await w.report(next)).toMatchObject({ balanced: true, items: [] });
    } finally {
      await w.drop();
    }
  });
});
