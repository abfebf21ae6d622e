import { describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { enrollSupplier } from '../prisma/stores/program-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { decideReceivable, registerReceivable } from '../prisma/stores/receivable-store';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { createActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Money that reaches a financing's collection account through suspense: a statement line the
// feed had not reported, parked by operators and then booked out of suspense by the feed; and a
// payer's line parked for a wrong account number and applied by operators.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('money reaching a collection account through suspense', () => {
  it("moves a parked statement credit the feed booked into a pending financing's collection account out of it when the financing ends", async () => {
    const w = await reconciliationWorld(23);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      const when = w.at(d1, 9);
      // A supplier applies for 800,000.00 on day 1; the core enterprise has not acknowledged yet.
      const supplier = await createActor(w.db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
      await openPartyAccounts(w.db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
      await enrollSupplier(w.db.prisma, await actorOf(w.db.prisma, w.parties.admin), w.parties.programId, supplier.creditCode);
      const supplierActor = await actorOf(w.db.prisma, supplier);
      const { receivable } = await registerReceivable(w.db.prisma, supplierActor, registrationInput(w.parties.core.creditCode, { dueDate: addDays(businessDateOf(when), 90) }, when), { now: when, confirmationWindowMs: 7 * DAY_MS });
      await decideReceivable(w.db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: w.parties.core.userId, partyId: w.parties.core.partyId }, `test:${receivable.id}:confirm`, when);
      const { financing } = await applyForFinancing(w.db.prisma, supplierActor, { receivableId: receivable.id, programId: w.parties.programId, amount: '800000.00', idempotencyKey: `test-${receivable.id}` }, TEST_FINANCING_WINDOWS, when);
      const collectionCode = `financing:${financing.id}:COLLECTION:CNY`;
      const collectionVan = (await findAccountByCode(w.db.prisma, collectionCode))!.virtualAccountNumber!;

      // The core enterprise pays 100,000.00 into the collection account at 15:00; the feed misses it.
      const paid = await w.receive(w.at(d1, 15), collectionVan, '100000.00', '还款 repayment');
      await w.close(d1);
      await w.importDay(d1);
      // Day 2, 09:00: operators park the statement's bank-only credit; 11:00: the feed reports it under the same reference.
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'BANK_ONLY', kind: 'INBOUND_CREDIT', status: 'OPEN' } });
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '100000.00', note: '来源待查，先挂账 unknown for now' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 9));
      const fed = await w.feed(w.at(d2, 11));
      expect(fed.map((row) => [row.bankReference, row.credit?.outcome ?? null, row.financingId])).toEqual([[paid.bankReference, 'MATCHED', financing.id]]);
      expect(await w.balance(collectionCode)).toBe('100000.00');

      // Day 2, 12:00: the supplier withdraws the application. The payer's money must go back to suspense, for a refund.
      await decideFinancing(w.db.prisma, financing.id, { kind: 'WITHDRAW', reason: '不再需要' }, { userId: supplier.userId, partyId: supplier.partyId }, `test:${financing.id}:withdraw`, w.at(d2, 12));
      const collection = await findAccountByCode(w.db.prisma, collectionCode);
      const open = await w.db.prisma.inboundException.findMany({ where: { financingId: financing.id, status: 'OPEN' } });
      expect({
        closed: collection!.closedAt !== null,
        collection: await w.balance(collectionCode),
        suspense: await w.balance(w.platform.SUSPENSE.code),
        openExceptions: open.map((row) => [row.reason, row.heldAmount?.toFixed(2)]),
      }).toEqual({ closed: true, collection: '0.00', suspense: '100000.00', openExceptions: [['FINANCING_ENDED', '100000.00']] });
    } finally {
      console.log('ledger invariants:', JSON.stringify(await verifyLedgerInvariants(w.db.prisma)));
      await w.bank.close();
      await w.db.drop();
    }
  });

  it("refunds to the payer what it over-paid through a line operators applied from suspense", async () => {
    const w = await reconciliationWorld(24);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const { financing, collectionVan } = await w.disbursed(w.at(d1, 10));
      // The core enterprise pays 1,010,000.00 (10,000.00 beyond the receivable's 1,000,000.00) with one digit of the number wrong.
      const wrongVan = `${collectionVan.slice(0, -1)}${collectionVan.endsWith('9') ? '8' : '9'}`;
      await w.credit(w.at(d1, 14), wrongVan, '1010000.00', '还款 repayment');
      const parked = await w.db.prisma.inboundException.findFirstOrThrow({ where: { reason: 'UNKNOWN_ACCOUNT' } });
      expect(parked.payerAccountNumber).toBe('6222000000000001');
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      await proposeExceptionResolution(w.db.prisma, w.operatorActor, parked.id, { accountId: financing.collectionAccountId!, note: '付款人账号填错一位 one digit wrong' }, w.at(d1, 15));
      await decideExceptionResolution(w.db.prisma, checker, parked.id, true, w.at(d1, 15));
      const step = await serviceFinancing(w.db.prisma, financing.id, d1, `test:${financing.id}:step`, w.at(d1, 16));
      expect(step.settled).toBe(true);
      const overpaid = await w.db.prisma.inboundException.findFirstOrThrow({ where: { reason: 'OVERPAID', financingId: financing.id } });
      let refund: string;
      try {
        refund = (await proposeExceptionResolution(w.db.prisma, w.operatorActor, overpaid.id, { refund: true, note: '多付款项原路退回 refund the over-payment' }, w.at(d1, 17))).status;
      } catch (error) {
        refund = `refused ${(error as { code?: string }).code}: ${(error as Error).message}`;
      }
      expect({ heldAmount: overpaid.heldAmount?.toFixed(2), payerName: overpaid.payerName, payerAccountNumber: overpaid.payerAccountNumber, refund }).toEqual({
        heldAmount: '10000.00',
        payerName: parked.payerName,
        payerAccountNumber: '6222000000000001',
        refund: 'PROPOSED',
      });
    } finally {
      await w.bank.close();
      await w.db.drop();
    }
  });
});
