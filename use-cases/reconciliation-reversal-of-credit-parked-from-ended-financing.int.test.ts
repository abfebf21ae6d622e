import { describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { enrollSupplier } from '../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../prisma/stores/receivable-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { createActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The bank's reversal of a credit whose money went back to suspense when its financing ended is
// recovered from suspense, and the payer is not refunded money the bank already took back.
//
// Day 1, 09:00: a supplier applies for 800,000.00 (not yet acknowledged). 11:00: the core
// enterprise pays 100,000.00 into the financing's collection account; the feed books it there
// (credit MATCHED). 12:00: the supplier withdraws the application: the collection account's
// 100,000.00 goes back to suspense as a FINANCING_ENDED exception linked to that credit, held for a
// refund to the payer, and the account is closed. 15:00: the bank reverses the 100,000.00 (冲正):
// the payer has its money back from the bank. The statement shows a BANK_ONLY reversal of
// −100,000.00, linked to the credit.
//
// The ledger holds the reversed money in suspense, as it would had the feed parked the credit
// itself. RECOVER must take it back from there: DR suspense 100,000.00, CR escrow, settling the
// exception so that it can no longer be refunded; suspense 0.00, escrow equal to the bank's
// 1,000,000.00. Refusing it (the closed, empty collection account) leaves 100,000.00 in suspense
// waiting to be refunded to a payer the bank has already repaid, and the shortage to be written off.

const DAY_MS = 24 * 60 * 60 * 1000;

describe("the bank's reversal of a credit parked again when its financing ended", () => {
  it('is recovered from suspense, settling the exception that held it for a refund', async () => {
    const w = await reconciliationWorld(78);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      const when = w.at(d1, 9);
      await w.credit(when, w.funding.virtualAccountNumber!, '1000000.00');
      const supplier = await createActor(w.db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
      await openPartyAccounts(w.db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
      await enrollSupplier(w.db.prisma, await actorOf(w.db.prisma, w.parties.admin), w.parties.programId, supplier.creditCode);
      const supplierActor = await actorOf(w.db.prisma, supplier);
      const { receivable } = await registerReceivable(w.db.prisma, supplierActor, registrationInput(w.parties.core.creditCode, { dueDate: addDays(businessDateOf(when), 90) }, when), { now: when, confirmationWindowMs: 7 * DAY_MS });
      await decideReceivable(w.db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: w.parties.core.userId, partyId: w.parties.core.partyId }, `test:${receivable.id}:confirm`, when);
      const { financing } = await applyForFinancing(w.db.prisma, supplierActor, { receivableId: receivable.id, programId: w.parties.programId, amount: '800000.00', idempotencyKey: `test-${receivable.id}` }, TEST_FINANCING_WINDOWS, when);
      const collectionCode = `financing:${financing.id}:COLLECTION:CNY`;
      const collectionVan = (await findAccountByCode(w.db.prisma, collectionCode))!.virtualAccountNumber!;

      const paid = await w.credit(w.at(d1, 11), collectionVan, '100000.00', '还款 repayment');
      await decideFinancing(w.db.prisma, financing.id, { kind: 'WITHDRAW', reason: '不再需要' }, { userId: supplier.userId, partyId: supplier.partyId }, `test:${financing.id}:withdraw`, w.at(d1, 12));
      const ended = await w.db.prisma.inboundException.findFirstOrThrow({ where: { financingId: financing.id, reason: 'FINANCING_ENDED' } });
      expect({ status: ended.status, held: ended.heldAmount?.toFixed(2), suspense: await w.balance(w.platform.SUSPENSE.code) }).toEqual({ status: 'OPEN', held: '100000.00', suspense: '100000.00' });

      const reversal = await w.reversedOnStatement(paid.bankReference, d1);
      const credit = await w.db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: paid.bankReference } });
      expect([reversal.outcome, reversal.status, reversal.inboundCreditId]).toEqual(['BANK_ONLY', 'OPEN', credit.id]);

      const checker = await w.operatorChecker();
      const recovered = await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind: 'RECOVER', amount: '-100000.00', note: '银行冲正追回' }, w.at(d2, 9))
        .then(() => decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(d2, 10)))
        .then(
          () => 'APPROVED',
          (error: unknown) => `${(error as { code?: string }).code ?? 'REFUSED'}: ${(error as Error).message}`,
        );

      expect({
        recovered,
        suspense: await w.balance(w.platform.SUSPENSE.code),
        escrow: await w.balance(w.platform.ESCROW_BANK.code),
        exception: (await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: ended.id } })).status,
      }).toEqual({ recovered: 'APPROVED', suspense: '0.00', escrow: '1000000.00', exception: 'RESOLVED' });
    } finally {
      await w.drop();
    }
  });
});
