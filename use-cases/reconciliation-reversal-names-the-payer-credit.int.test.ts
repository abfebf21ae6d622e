import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The bank's reversal (冲正) of one payer's credit takes back that payer's credit, not another
// payer's credit of the same amount to the same virtual account.
//
// Day 1: a funder tops up 1,000,000.00 (09:00). Two companies each pay 50,000.00 to a virtual
// account no one has: payer A (account 6222000000000000111) at 10:00, payer B (account
// 6222000000000000222) at 11:00. The feed reports both and the ledger parks each in suspense as
// an OPEN inbound exception of 50,000.00 (UNKNOWN_ACCOUNT), waiting to be refunded to its payer;
// suspense holds 100,000.00. At 15:00 the bank reverses payer A's credit: its statement shows the
// reversal, a debit of 50,000.00 to that virtual account naming payer A's account as debtor.
//
// Day 2: operators recover the reversed credit (RECOVER, four eyes). A serious payments product
// takes back payer A's 50,000.00, which the bank sent back: payer A's exception is settled, and
// payer B's 50,000.00, still in the bank, stays parked for its refund to payer B. Here the
// reversal is linked to the latest credit of that amount to that account, payer B's: RECOVER
// settles payer B's exception (B's money can no longer be refunded to B), while payer A's stays
// OPEN and its refund would pay A a second time out of other customers' money.

describe("the bank's reversal of one payer's credit", () => {
  it("takes back that payer's credit, not another payer's of the same amount to the same account", async () => {
    const w = await reconciliationWorld(84);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      const van = '9558800000000008484';
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      w.clock.now = w.at(d1, 10);
      const fromA = await w.bank.receiveInboundCredit({ virtualAccountNumber: van, amount: '50000.00', currency: 'CNY', payerName: '甲方贸易有限公司', payerAccountNumber: '6222000000000000111', remittanceInformation: '货款 A' });
      await w.feed(w.at(d1, 10));
      w.clock.now = w.at(d1, 11);
      const fromB = await w.bank.receiveInboundCredit({ virtualAccountNumber: van, amount: '50000.00', currency: 'CNY', payerName: '乙方实业有限公司', payerAccountNumber: '6222000000000000222', remittanceInformation: '货款 B' });
      await w.feed(w.at(d1, 11));
      const creditA = await w.db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: fromA.bankReference } });
      const exceptionA = await w.db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: fromA.bankReference } });
      const exceptionB = await w.db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: fromB.bankReference } });
      expect([exceptionA.status, exceptionB.status]).toEqual(['OPEN', 'OPEN']);
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('100000.00');

      const reversal = await w.reversedOnStatement(fromA.bankReference, d1);
      const line = await w.db.prisma.bankStatementLine.findUniqueOrThrow({ where: { id: reversal.statementLineId! } });
      expect(line.debtorAccountNumber).toBe('6222000000000000111');

      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正追回' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(d2, 10));

      const after = async (id: string) => (await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id } })).status;
      expect({
        linkedCredit: (await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: reversal.id } })).inboundCreditId,
        payerA: await after(exceptionA.id),
        payerB: await after(exceptionB.id),
        suspense: await w.balance(w.platform.SUSPENSE.code),
      }).toEqual({ linkedCredit: creditA.id, payerA: 'RESOLVED', payerB: 'OPEN', suspense: '50000.00' });
    } finally {
      await w.drop();
    }
  });
});
