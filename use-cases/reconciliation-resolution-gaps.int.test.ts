import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Differences resolved by hand (docs/reconciliation.md, "Resolving an item"), in the cases where
// no later statement or booking will ever explain them.

describe('resolving a difference no process will explain', () => {
  it('a payout the ledger booked FAILED that the bank did pay can be written off as a shortage', async () => {
    const w = await reconciliationWorld(35);
    try {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout, status } = await w.disbursed(w.at(w.day, 10), { behaviour: 'FAIL', reason: 'beneficiary account frozen' });
      expect(status).toBe('FAILED');
      await w.close(w.day);
      // The bank's answer was wrong: its statement shows the payout paid after all.
      await w.importDay(w.day, 'CSV', (content) => {
        const rows = content.split('\r\n');
        const statementId = rows[1]!.split(',')[1]!;
        const paid = `ENTRY,${statementId},,CNY,,,,,SIMPAIDANYWAY00001,PAYOUT,DEBIT,787200.00,${w.day},${w.day},${payout.payoutReference},${payout.payoutReference},,${w.bank.escrowAccountNumber},深圳市华强精密电子有限公司,6222020200112233445,融资放款`;
        rows[1] = rows[1]!.replace(',0.00,2000000.00,', ',0.00,1212800.00,');
        return [...rows.slice(0, -1), paid, ''].join('\r\n');
      });
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'SIMPAIDANYWAY00001' } });
      const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      expect([item.outcome, item.status, item.payoutId]).toEqual(['BANK_ONLY', 'OPEN', payout.id]);
      // FAILED is final: no answer of the bank, return or retry will ever book this line.
      expect((await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe('FAILED');

      // The only way left to put the ledger right is the shortage written off, with four eyes.
      const next = addDays(w.day, 1);
      const proposed = proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'WRITE_OFF', amount: '-787200.00', note: '银行实际已付款，账务记为失败 the bank paid a payout the ledger booked as failed' }, w.at(next, 9));
      await expect(proposed).resolves.toMatchObject({ id: item.id });
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const { item: resolved } = await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(next, 10));
      expect([resolved.outcome, resolved.status, resolved.payoutId]).toEqual(['BANK_ONLY', 'RESOLVED', payout.id]);
      // The ledger's escrow account is the bank's again, and the next day has nothing to explain.
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('1212800.00');
      await w.close(next);
      await w.importDay(next, 'CSV', (content) => content.replaceAll(',2000000.00,2000000.00,', ',1212800.00,1212800.00,'));
      expect(await w.report(next)).toMatchObject({ balanced: true, items: [] });
    } finally {
      await w.drop();
    }
  });

  it('a payout still in flight is left to its own process: a hand resolution of its line is refused', async () => {
    const w = await reconciliationWorld(36);
    try {
      // The bank pays, but its answer is lost: the ledger holds the payout in flight until it asks again.
      const { item } = await w.payoutInFlightOnStatement();
      // The payout's own process books it when the bank's answer comes: a hand posting would book it twice.
      await expect(proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'WRITE_OFF', amount: '-787200.00', note: 'in flight' }, w.at(addDays(w.day, 1), 9))).rejects.toMatchObject({ code: 'WRONG_STATE' });
    } finally {
      await w.drop();
    }
  });

  it('a credit parked in suspense from the statement is not booked again when the feed reports it under its own reference', async () => {
    const w = await reconciliationWorld(37);
    try {
      // The money reaches the bank; the feed has not reported it yet.
      const received = await w.receive(w.at(w.day, 11), w.funding.virtualAccountNumber!, '5000.00', '保理资金 funding');
      await w.close(w.day);
      // This bank's statement references differ from its feed's (docs/reconciliation.md, rule 2).
      await w.importDay(w.day, 'CSV', (content) => content.replaceAll(received.bankReference, 'STMTREF000000777'));
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'STMTREF000000777' } });
      const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      expect([item.outcome, item.status]).toEqual(['BANK_ONLY', 'OPEN']);

      // Operators park it in suspense, with four eyes.
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const next = addDays(w.day, 1);
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '5000.00', note: '来源不明，先挂账 unknown for now' }, w.at(next, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(next, 10));

      // Then the feed reports the same money, under the feed's reference.
      await w.feed(w.at(next, 11));
      // The bank holds 5,000.00: so must the ledger's escrow account, once.
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('5000.00');
    } finally {
      await w.drop();
    }
  });
});
