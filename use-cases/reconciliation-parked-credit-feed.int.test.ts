import { describe, expect, it } from 'vitest';
import { addDays, type IsoDate } from '../domain/business-date';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A credit the statement showed before the feed did, parked in suspense by operators
// (docs/reconciliation.md, "When the feed reports parked money"), then reported by the feed: under
// the statement's bank reference, or under the feed's own (a bank whose statement references
// differ from its feed's, matched by virtual account, amount and value date). One bank line is
// booked once, whichever path saw it first, and every day's report balances to the cent.

type World = Awaited<ReturnType<typeof reconciliationWorld>>;

/** Operators park every bank-only credit of `date`'s statement in suspense, with four eyes, at `when`. */
async function parkBankOnlyCredits(w: World, date: IsoDate, when: Date) {
  const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
  const items = await w.db.prisma.reconciliationItem.findMany({ where: { outcome: 'BANK_ONLY', kind: 'INBOUND_CREDIT', status: 'OPEN', firstStatementDate: new Date(`${date}T00:00:00.000Z`) }, orderBy: { amount: 'asc' } });
  for (const item of items) {
    await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: item.amount.toFixed(2), note: '来源不明，先挂账 unknown for now' }, when);
    await decideItemResolution(w.db.prisma, checker, item.id, true, when);
  }
  const exceptions = await w.db.prisma.inboundException.findMany({ where: { reason: 'RECONCILIATION' }, orderBy: { amount: 'asc' } });
  expect(exceptions).toHaveLength(items.length);
  return { checker, exceptions };
}

describe('a statement credit parked in suspense, then reported by the feed', () => {
  it('is booked out of suspense into the account paid, once, triggers what any credit does, and the next days balance to the cent', async () => {
    const w = await reconciliationWorld(39);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const { financing, collectionVan } = await w.disbursed(w.at(d1, 10));
      // The feed is late for two credits: a repayment, which this bank's statement lists under
      // another reference than its feed, and a top-up under the same one.
      const repayment = await w.receive(w.at(d1, 15), collectionVan, '100000.00', '还款 repayment');
      const topUp = await w.receive(w.at(d1, 16), w.funding.virtualAccountNumber!, '7000.00');
      await w.close(d1);
      await w.importDay(d1, 'CSV', (content) => content.replaceAll(repayment.bankReference, 'STMTREF000000901'));
      expect(await w.report(d1)).toEqual({
        balanced: true,
        fixed: {
          BANK_CREDITS: '1107000.00',
          BANK_DEBITS: '-787200.00',
          BANK_CLOSING: '319800.00',
          FUNDER_FUNDING: '212000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '212800.00',
          EXPLAINED_CLOSING: '319800.00',
        },
        items: expect.arrayContaining([
          ['BANK_ONLY', 'STMTREF000000901', '100000.00'],
          ['BANK_ONLY', topUp.bankReference, '7000.00'],
        ]),
      });
      expect((await w.report(d1)).items).toHaveLength(2);

      // Day 2, 09:00: operators park both; 11:00: the feed reports both.
      const d2 = addDays(d1, 1);
      const { exceptions } = await parkBankOnlyCredits(w, d1, w.at(d2, 9));
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('107000.00');
      const results = await w.feed(w.at(d2, 11));
      expect(results.map((result) => [result.bankReference, result.credit?.outcome, result.exception])).toEqual([
        [repayment.bankReference, 'MATCHED', null],
        [topUp.bankReference, 'MATCHED', null],
      ]);
      // The bank holds 319,800.00 and so does the ledger, once; the money left suspense for the accounts paid.
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('319800.00');
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('0.00');
      expect(await w.balance(w.funding.code)).toBe('219000.00');
      expect(await w.balance(`financing:${financing.id}:COLLECTION:CNY`)).toBe('100000.00');

      for (const [exception, feedReference, statementReference, rule] of [
        [exceptions.find((e) => e.amount === '100000.00')!, repayment.bankReference, 'STMTREF000000901', 'ACCOUNT_AMOUNT_VALUE_DATE'],
        [exceptions.find((e) => e.amount === '7000.00')!, topUp.bankReference, topUp.bankReference, 'BANK_REFERENCE'],
      ] as const) {
        const credit = await w.db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: feedReference } });
        const posting = await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: credit.transactionId } });
        expect(posting).toMatchObject({ code: 'SUSPENSE_APPLIED', idempotencyKey: `inbound:${feedReference}:match`, metadata: expect.objectContaining({ exceptionId: exception.id, statementBankReference: statementReference }) });
        // The parked money is resolved by that posting and names the feed's line.
        expect(await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: exception.id } })).toMatchObject({
          status: 'RESOLVED',
          resolutionKind: 'APPLY',
          applyToAccountId: credit.accountId,
          resolutionTransactionId: credit.transactionId,
          feedBankReference: feedReference,
        });
        // The statement line's item, resolved by the parking, is matched to the credit: no other
        // line or ledger-only check counts the credit again, and the parking still dates the line.
        const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { inboundCreditId: credit.id } });
        expect(item).toMatchObject({ outcome: 'MATCHED', status: 'RESOLVED', rule, resolutionId: expect.any(String) });
        expect((await w.db.prisma.bankStatementLine.findUniqueOrThrow({ where: { id: item.statementLineId! } })).bankReference).toBe(statementReference);
        expect((await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: item.bookedTransactionId! } })).code).toBe('RECONCILIATION_PARKED');
      }
      // The repayment wakes its financing as any repayment does.
      expect(await w.db.prisma.financingWakeUp.findMany({ where: { cause: `inbound:${repayment.bankReference}` }, select: { financingId: true, signal: true } })).toEqual([{ financingId: financing.id, signal: 'REPAYMENT_RECEIVED' }]);

      // The feed read from the start again (a lost cursor) books nothing a second time.
      await w.db.prisma.bankCursor.update({ where: { name: 'inbound-credits' }, data: { cursor: null } });
      const again = await w.feed(w.at(d2, 12));
      expect(again.filter((result) => [repayment.bankReference, topUp.bankReference].includes(result.bankReference)).map((result) => result.replayed)).toEqual([true, true]);
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('319800.00');

      // Day 2's report: no bank movement, the money in the accounts it was paid to, nothing open.
      await w.playDay(d2);
      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '319800.00',
          BANK_CLOSING: '319800.00',
          FUNDER_FUNDING: '219000.00',
          COLLECTION: '100000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '319800.00',
          EXPLAINED_CLOSING: '319800.00',
        },
        items: [],
      });
      // And the day after: still nothing ledger-only.
      const d3 = addDays(d1, 2);
      await w.playDay(d3);
      expect((await w.report(d3)).items).toEqual([]);
      expect((await w.report(d3)).balanced).toBe(true);
      expect(await w.db.prisma.reconciliationItem.count({ where: { outcome: 'LEDGER_ONLY' } })).toBe(0);
      // Day 1's report is as it was.
      expect((await w.storedReport(d1)).version).toBe(1);
    } finally {
      await w.drop();
    }
  });

  it('books nothing when operators already applied or wrote off the parked money, and tells them when it went elsewhere', async () => {
    const w = await reconciliationWorld(41);
    try {
      const d1 = w.day;
      const applied = await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, '5000.00');
      const writtenOff = await w.receive(w.at(d1, 12), w.funding.virtualAccountNumber!, '3000.00');
      await w.close(d1);
      await w.importDay(d1, 'CSV', (content) => content.replaceAll(applied.bankReference, 'STMTREF000000911').replaceAll(writtenOff.bankReference, 'STMTREF000000912'));
      const d2 = addDays(d1, 1);
      const { checker, exceptions } = await parkBankOnlyCredits(w, d1, w.at(d2, 9));
      const [small, large] = exceptions as [(typeof exceptions)[0], (typeof exceptions)[0]];
      // Operators find the 5,000.00 was the funder's and apply it there; nobody claims the 3,000.00.
      await proposeExceptionResolution(w.db.prisma, w.operatorActor, large.id, { accountId: w.funding.id, note: '资金方确认 the funder confirmed it' }, w.at(d2, 9.5));
      await decideExceptionResolution(w.db.prisma, checker, large.id, true, w.at(d2, 9.75));
      await proposeExceptionResolution(w.db.prisma, w.operatorActor, small.id, { writeOff: true, note: '查无付款人，核销 nobody claims it' }, w.at(d2, 9.5));
      await decideExceptionResolution(w.db.prisma, checker, small.id, true, w.at(d2, 9.75));
      expect(await w.balance(w.funding.code)).toBe('5000.00');

      // Then the feed reports both under its own references: the same money, already where operators put it.
      const results = await w.feed(w.at(d2, 11));
      expect(results.map((result) => [result.bankReference, result.credit, result.exception?.id])).toEqual([
        [applied.bankReference, null, large.id],
        [writtenOff.bankReference, null, small.id],
      ]);
      expect(await w.db.prisma.inboundCredit.count()).toBe(0);
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('8000.00');
      expect(await w.balance(w.funding.code)).toBe('5000.00');
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('0.00');
      expect((await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: large.id } })).feedBankReference).toBe(applied.bankReference);
      expect((await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: small.id } })).feedBankReference).toBe(writtenOff.bankReference);
      // The money applied where the payer paid it needs nobody; the money written off does: the payer meant the funder.
      const notices = () => w.db.prisma.notification.findMany({ where: { kind: 'PARKED_CREDIT_REPORTED_AFTER_RESOLUTION' } });
      const operatorParties = await w.db.prisma.party.count({ where: { roles: { has: 'PLATFORM' } } });
      expect(await notices()).toHaveLength(operatorParties);
      for (const notice of await notices()) expect([notice.body.includes(writtenOff.bankReference), notice.body.includes('written off'), notice.body.includes(applied.bankReference)]).toEqual([true, true, false]);

      // Read again, the lines are answered as kept: nothing booked, nobody told twice.
      await w.db.prisma.bankCursor.update({ where: { name: 'inbound-credits' }, data: { cursor: null } });
      expect((await w.feed(w.at(d2, 12))).map((result) => [result.credit, result.replayed])).toEqual([
        [null, true],
        [null, true],
      ]);
      expect(await w.db.prisma.inboundCredit.count()).toBe(0);
      expect(await notices()).toHaveLength(operatorParties);

      await w.playDay(d2);
      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: { BANK_OPENING: '8000.00', BANK_CLOSING: '8000.00', FUNDER_FUNDING: '5000.00', PLATFORM_OTHER: '3000.00', LEDGER_ESCROW_BANK: '8000.00', EXPLAINED_CLOSING: '8000.00' },
        items: [],
      });
    } finally {
      await w.drop();
    }
  });

  it("books nothing when the feed reports the parked line's bank reference with another amount, and tells the operators", async () => {
    const w = await reconciliationWorld(45);
    try {
      const d1 = w.day;
      const received = await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, '4000.00');
      await w.close(d1);
      // The bank's statement says 4,000.50 under the reference its feed will report as 4,000.00.
      await w.importDay(d1, 'CSV', (content) => content.replace(',0.00,4000.00,', ',0.00,4000.50,').replace('CREDIT,4000.00,', 'CREDIT,4000.50,'));
      const d2 = addDays(d1, 1);
      const { exceptions } = await parkBankOnlyCredits(w, d1, w.at(d2, 9));
      const results = await w.feed(w.at(d2, 11));
      expect(results.map((result) => [result.bankReference, result.credit, result.exception?.id])).toEqual([[received.bankReference, null, exceptions[0]!.id]]);
      expect(await w.db.prisma.inboundCredit.count()).toBe(0);
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('4000.50');
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('4000.50');
      expect(await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: exceptions[0]!.id } })).toMatchObject({ status: 'OPEN', feedBankReference: received.bankReference });
      expect(await w.db.prisma.notification.count({ where: { kind: 'PARKED_CREDIT_REPORTED_DIFFERENTLY' } })).toBe(await w.db.prisma.party.count({ where: { roles: { has: 'PLATFORM' } } }));
    } finally {
      await w.drop();
    }
  });

  it('is taken once when the feed and an operator apply the same parked money at the same time', async () => {
    const w = await reconciliationWorld(43);
    try {
      const d1 = w.day;
      const amounts = ['1000.00', '2000.00', '3000.00'];
      const received: Awaited<ReturnType<World['receive']>>[] = [];
      for (const [index, amount] of amounts.entries()) received.push(await w.receive(w.at(d1, 11 + index), w.funding.virtualAccountNumber!, amount));
      await w.close(d1);
      await w.importDay(d1, 'CSV', (content) => received.reduce((edited, credit, index) => edited.replaceAll(credit.bankReference, `STMTREF00000092${index}`), content));
      const d2 = addDays(d1, 1);
      const { checker, exceptions } = await parkBankOnlyCredits(w, d1, w.at(d2, 9));
      for (const exception of exceptions) await proposeExceptionResolution(w.db.prisma, w.operatorActor, exception.id, { accountId: w.funding.id, note: '资金方确认 the funder confirmed it' }, w.at(d2, 9.5));

      const settled = await Promise.allSettled([w.feed(w.at(d2, 11)), ...exceptions.map((exception) => decideExceptionResolution(w.db.prisma, checker, exception.id, true, w.at(d2, 11)))]);
      // The feed never fails; an approval that came second finds the money taken.
      expect(settled[0].status).toBe('fulfilled');
      for (const approval of settled.slice(1)) if (approval.status === 'rejected') expect(approval.reason).toMatchObject({ code: 'WRONG_STATE' });

      // Whoever took each, it left suspense once, into the funder's account.
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('6000.00');
      expect(await w.balance(w.funding.code)).toBe('6000.00');
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('0.00');
      expect(await w.db.prisma.ledgerTransaction.count({ where: { code: 'SUSPENSE_APPLIED' } })).toBe(3);
      const byFeed = settled.slice(1).filter((approval) => approval.status === 'rejected').length;
      expect(await w.db.prisma.inboundCredit.count()).toBe(byFeed);
      for (const exception of await w.db.prisma.inboundException.findMany({ where: { reason: 'RECONCILIATION' } })) expect([exception.status, exception.feedBankReference]).toEqual(['RESOLVED', expect.any(String)]);
      // Applied where the payer paid it, whoever did: nobody is told.
      expect(await w.db.prisma.notification.count({ where: { kind: 'PARKED_CREDIT_REPORTED_AFTER_RESOLUTION' } })).toBe(0);
    } finally {
      await w.drop();
    }
  });
});
