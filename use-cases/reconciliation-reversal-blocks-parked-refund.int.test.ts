import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Money the bank has taken back cannot leave suspense while its reversal waits for operators.
//
// Day 1: the bank credits 50,000.00 at 11:00 to a virtual account no one has; the feed parks it in
// suspense (UNKNOWN_ACCOUNT, an OPEN exception to apply or refund to the payer). At 15:00 the bank
// reverses that credit (冲正): the money went back to the payer. The statement, imported after
// midnight, shows the reversal, an open item naming the credit.
//
// Day 2, 09:00: an operator working the suspense queue, who has not seen the reversal, proposes to
// refund the 50,000.00 to the payer, or to apply it. Either would pay out or credit money the bank
// no longer holds: the payer would be paid twice. A serious payments product refuses both until
// the reversal is resolved, and its recovery settles the exception.

describe("a parked credit the bank reversed", () => {
  it('cannot be refunded, applied or written off while the reversal is open; its recovery settles it', async () => {
    const w = await reconciliationWorld(87);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const stray = await w.credit(w.at(d1, 11), '9558800000000008787', '50000.00');
      const exception = await w.db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: stray.bankReference } });
      const reversal = await w.reversedOnStatement(stray.bankReference, d1);
      expect([reversal.status, reversal.inboundCreditId]).toEqual(['OPEN', expect.any(String)]);

      const attempt = (input: { refund?: boolean; accountId?: string; writeOff?: boolean }) =>
        proposeExceptionResolution(w.db.prisma, w.operatorActor, exception.id, { ...input, note: '处理挂账 suspense queue' }, w.at(d2, 9)).then(
          (proposed) => proposed.status,
          (error: unknown) => `${(error as { code?: string }).code}: ${(error as Error).message}`,
        );
      const refused = [await attempt({ refund: true }), await attempt({ accountId: w.funding.id }), await attempt({ writeOff: true })];
      for (const answer of refused) expect(answer).toMatch(/^WRONG_STATE: the bank reversed \(冲正\) credit .* resolve reconciliation item .* \(RECOVER\) first$/);
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('50000.00');

      const checker = await w.operatorChecker();
      await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正，挂账追回' }, w.at(d2, 10));
      await decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(d2, 11));
      const settled = await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: exception.id } });
      expect({ status: settled.status, suspense: await w.balance(w.platform.SUSPENSE.code), escrow: await w.balance(w.platform.ESCROW_BANK.code) }).toEqual({
        status: 'RESOLVED',
        suspense: '0.00',
        escrow: '1000000.00',
      });
    } finally {
      await w.drop();
    }
  });
});
