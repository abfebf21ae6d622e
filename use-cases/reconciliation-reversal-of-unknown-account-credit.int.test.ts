import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Money the bank took back is not still held in suspense for a refund.
//
// Day 1: a funder tops up 1,000,000.00 (09:00). At 11:00 the bank credits 50,000.00 to a virtual
// account no one has; the feed reports it and the ledger parks it in suspense (UNKNOWN_ACCOUNT: DR
// escrow, CR suspense 50,000.00, an OPEN inbound exception waiting to be applied or refunded to
// the payer). At 15:00 the bank reverses that credit (冲正): the money went back where it came
// from, and the statement shows the reversal, a BANK_ONLY item of −50,000.00 naming the credit.
//
// Day 2: operators resolve the reversal with four eyes (RECOVER, the money taken back from where
// the credit went; or, where the product refuses that, the shortage written off). Either way the
// 50,000.00 the bank no longer holds must no longer be held in suspense for the payer: a serious
// payments product does not let operators refund (or apply) money a second time that the bank has
// already sent back. Here RECOVER is refused ("nobody to recover from"), the shortage is written
// off to the reconciliation loss, and suspense still holds the 50,000.00 in an OPEN exception, whose
// refund to the payer is then accepted: 50,000.00 of other customers' money would leave the escrow.

describe("the bank's reversal of a credit parked for an unknown virtual account", () => {
  it('once resolved, leaves nothing of the reversed credit in suspense to refund to the payer', async () => {
    const w = await reconciliationWorld(83);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const stray = await w.credit(w.at(d1, 11), '9558800000000008383', '50000.00');
      const exception = await w.db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: stray.bankReference } });
      expect([exception.reason, exception.status]).toEqual(['UNKNOWN_ACCOUNT', 'OPEN']);
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('50000.00');

      const reversal = await w.reversedOnStatement(stray.bankReference, d1);
      expect(await w.report(d1)).toMatchObject({ balanced: true, fixed: { BANK_CLOSING: '1000000.00', SUSPENSE: '50000.00' } });
      expect([reversal.outcome, reversal.status]).toEqual(['BANK_ONLY', 'OPEN']);
      expect(reversal.detail).toContain(`the ledger booked ${stray.bankReference} of that amount`);

      const checker = await w.operatorChecker();
      const resolveAs = async (kind: 'RECOVER' | 'WRITE_OFF', hours: number) => {
        await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind, amount: '-50000.00', note: '银行冲正 the bank took the credit back' }, w.at(d2, hours));
        await decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(d2, hours + 0.5));
      };
      await resolveAs('RECOVER', 9).catch(() => resolveAs('WRITE_OFF', 10));
      expect((await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: reversal.id } })).status).toBe('RESOLVED');
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('1000000.00');

      // The bank sent the 50,000.00 back: nothing of it is left in suspense to pay the payer again.
      const refund = await proposeExceptionResolution(w.db.prisma, w.operatorActor, exception.id, { refund: true, note: '退回付款人 refund to the payer' }, w.at(d2, 11)).then(
        (proposed) => proposed.status,
        (error: unknown) => (error as { code?: string }).code ?? 'REFUSED',
      );
      expect({ suspense: await w.balance(w.platform.SUSPENSE.code), refund }).toEqual({ suspense: '0.00', refund: expect.not.stringMatching(/^PROPOSED$/) });
    } finally {
      await w.drop();
    }
  });
});
