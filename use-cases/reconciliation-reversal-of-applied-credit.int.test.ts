import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The bank's reversal of a credit operators applied out of suspense is taken back from the account
// it was applied to.
//
// Day 1: the funder tops up 1,000,000.00 at 09:00. At 10:00 a payer sends 50,000.00 to a mistyped
// virtual account; the feed parks it in suspense, and operators apply it, with four eyes, to the
// funder's funding account (1,050,000.00). At 15:00 the bank reverses that credit (冲正). The
// money is in the funder's account, where operators put it: RECOVER takes it back from there
// (1,000,000.00 left), and suspense, which no longer holds it, is left alone.

describe("the bank's reversal of a credit applied out of suspense", () => {
  it('is recovered from the account the credit was applied to', async () => {
    const w = await reconciliationWorld(85);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const stray = await w.credit(w.at(d1, 10), '9558800000000008585', '50000.00');
      const exception = await w.db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: stray.bankReference } });
      const checker = await w.operatorChecker();
      await proposeExceptionResolution(w.db.prisma, w.operatorActor, exception.id, { accountId: w.funding.id, note: '误填账号，划入资金方 applied to the funder' }, w.at(d1, 11));
      await decideExceptionResolution(w.db.prisma, checker, exception.id, true, w.at(d1, 12));
      expect({ funding: await w.balance(w.funding.code), suspense: await w.balance(w.platform.SUSPENSE.code) }).toEqual({ funding: '1050000.00', suspense: '0.00' });

      const reversal = await w.reversedOnStatement(stray.bankReference, d1);
      const next = addDays(d1, 1);
      await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正追回' }, w.at(next, 9));
      await decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(next, 10));
      expect({ funding: await w.balance(w.funding.code), suspense: await w.balance(w.platform.SUSPENSE.code), escrow: await w.balance(w.platform.ESCROW_BANK.code) }).toEqual({
        funding: '1000000.00',
        suspense: '0.00',
        escrow: '1000000.00',
      });
    } finally {
      await w.drop();
    }
  });
});
