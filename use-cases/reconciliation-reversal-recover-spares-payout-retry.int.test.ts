import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { requestBalancePayout } from '../prisma/stores/balance-payout-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Recovering a reversed credit leaves alone what a supplier's settlement account holds for a
// payout's retry, as a withdrawal does.
//
// Day 1: the funder tops up 2,000,000.00; a supplier finances 800,000.00 at 10:00 and its payout of
// the net 787,200.00 fails at the bank, so the 787,200.00 waits in its settlement account for the
// supplier's corrected account and retryPayout. At 11:00 a payer sends 50,000.00 to the supplier's
// settlement account, and the supplier withdraws those 50,000.00 (all it may: the rest is spoken
// for). At 15:00 the bank reverses the 50,000.00 credit (冲正). The supplier's account holds
// 787,200.00, every cent of it the financing's proceeds. Recovering the reversal from it would
// take 50,000.00 of the proceeds the retry must pay out; the recovery is refused
// EXCEEDS_AVAILABLE_BALANCE, changing nothing, and the shortage is pursued or written off.

describe("recovering a bank's reversal from a supplier's settlement account", () => {
  it('does not take the proceeds that wait there for a payout retry', async () => {
    const w = await reconciliationWorld(84);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { status, supplierActor, supplierCode } = await w.disbursed(w.at(d1, 10), { behaviour: 'FAIL' });
      expect(status).toBe('FAILED');
      const settlement = (await w.db.prisma.ledgerAccount.findUniqueOrThrow({ where: { code: supplierCode } })).virtualAccountNumber!;
      const stray = await w.credit(w.at(d1, 11), settlement, '50000.00');
      await requestBalancePayout(w.db.prisma, supplierActor, { purpose: 'WITHDRAWAL', amount: '50000.00', currency: 'CNY', idempotencyKey: 'withdraw-stray' }, w.at(d1, 12));
      expect(await w.balance(supplierCode)).toBe('787200.00');
      const reversal = await w.reversedOnStatement(stray.bankReference, d1);

      const next = addDays(d1, 1);
      const checker = await w.operatorChecker();
      await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正追回' }, w.at(next, 9));
      await expect(decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(next, 10))).rejects.toMatchObject({ code: 'EXCEEDS_AVAILABLE_BALANCE' });
      expect(await w.balance(supplierCode)).toBe('787200.00');
      expect((await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: reversal.id } })).status).toBe('OPEN');
    } finally {
      await w.drop();
    }
  });
});
