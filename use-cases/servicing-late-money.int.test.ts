import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDateOfColumn } from '../domain/business-date';
import { collectionAccountCode, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { getBalance } from '../prisma/stores/ledger/balances';
import { claimRecourse, serviceFinancing } from '../prisma/stores/servicing-store';
import type { Actor } from '../domain/actor';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';

// Money in, servicing and settlement: store by store, at the business times the workflow and
// the feed would give them. 800,000.00 financed against a receivable confirmed for
// 1,000,000.00; 6% up front, ACT/360; penalty 0.18 a year (400.00 a day), 3 grace days.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };

describe('money in, servicing and settlement', () => {
  let db: TestDatabase;
  let maker: Actor;
  let checker: Actor;

  beforeAll(async () => {
    db = await createTestDatabase();
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳前海供应链平台运营有限公司' });
    const second = await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] });
    maker = await actorOf(db.prisma, operator);
    checker = await actorOf(db.prisma, second);
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function balance(code: string): Promise<string> {
    const account = await findAccountByCode(db.prisma, code);
    return account ? (await getBalance(db.prisma, account.id)).posted.toFixed(2) : 'no account';
  }

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  /** Day 0 is 45 business days ago at 10:00; the receivable is due on day 10 (D). Disbursed on day 0. */
  async function disbursedLongAgo(parties: FinancingParties, { payoutAccount = false } = {}) {
    const { id, supplier, dueDate, at, date } = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -45, 10), { payoutAccount });
    const disbursed = await db.prisma.financing.findUniqueOrThrow({ where: { id } });
    expect(isoDateOfColumn(disbursed.dueDate)).toBe(dueDate);
    return { id, supplier, at, date, collectionVan: await vanOf(collectionAccountCode(id, 'CNY')), collectionAccountId: disbursed.collectionAccountId! };
  }

  it('keeps the bank value date of money that reaches the collection account through suspense', async () => {
    const parties = await createFinancingParties(db.prisma);
    const f = await disbursedLongAgo(parties);
    // The core enterprise pays the whole 800,000.00 the day before the due date (day 9), with one
    // digit of the virtual account number wrong: the feed parks it (UNKNOWN_ACCOUNT).
    const wrongVan = `${f.collectionVan.slice(0, -1)}${f.collectionVan.endsWith('9') ? '8' : '9'}`;
    const parked = await receiveInboundCredit(db.prisma, { bankReference: `WRONG-VAN-${f.id}`, virtualAccountNumber: wrongVan, amount: '800000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(9, 15) });
    expect(parked.exception).toMatchObject({ reason: 'UNKNOWN_ACCOUNT', status: 'OPEN' });
    // Operators find out whose it is and apply it to the collection account on day 20 (D+10).
    await proposeExceptionResolution(db.prisma, maker, parked.exception!.id, { accountId: f.collectionAccountId, note: '付款人账号填错一位，归入回款专户 one digit wrong' }, f.at(20, 9));
    await decideExceptionResolution(db.prisma, checker, parked.exception!.id, true, f.at(20, 9, 30));
    // The servicing step of day 20.
    const step = await serviceFinancing(db.prisma, f.id, f.date(20), `test:${f.id}:day-20`, f.at(20, 10));
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const allocations = await db.prisma.repaymentAllocation.findMany({ where: { financingId: f.id } });
    // The bank received the money on day 9, before the due date: nothing was ever overdue.
    expect({
      status: after.status,
      valueDates: allocations.map((row) => isoDateOfColumn(row.valueDate)),
      penaltyPaid: allocations.map((row) => row.penalty.toFixed(2)),
      principalOutstanding: after.principalOutstanding.toFixed(2),
      penaltyOutstanding: after.penaltyOutstanding.toFixed(2),
      chargedDays: step.charged.length,
    }).toEqual({ status: 'SETTLED', valueDates: [f.date(9)], penaltyPaid: ['0.00'], principalOutstanding: '0.00', penaltyOutstanding: '0.00', chargedDays: 0 });
  });

  it('moves money operators applied to a pending financing out of its collection account when the financing ends', async () => {
    const parties = await createFinancingParties(db.prisma);
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `apply-${fixture.receivable.id}` }, TEST_FINANCING_WINDOWS);
    const collectionCode = collectionAccountCode(financing.id, 'CNY');
    const suspenseBefore = await balance(platformAccountCode('SUSPENSE', 'CNY'));
    const parked = await receiveInboundCredit(db.prisma, { bankReference: `UNKNOWN-${financing.id}`, virtualAccountNumber: '9999000011112222', amount: '100000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
    expect(parked.exception).toMatchObject({ reason: 'UNKNOWN_ACCOUNT' });
    await proposeExceptionResolution(db.prisma, maker, parked.exception!.id, { accountId: financing.collectionAccountId!, note: '付款人账号填错，归入回款专户 paid to a wrong number' });
    await decideExceptionResolution(db.prisma, checker, parked.exception!.id, true);
    expect(await balance(collectionCode)).toBe('100000.00');

    await decideFinancing(db.prisma, financing.id, { kind: 'WITHDRAW', reason: '不再需要' }, { userId: fixture.supplier.userId, partyId: fixture.supplier.partyId }, `test:${financing.id}:withdraw`);
    const collection = await findAccountByCode(db.prisma, collectionCode);
    const open = await db.prisma.inboundException.findMany({ where: { financingId: financing.id, status: 'OPEN' } });
    expect({
      collectionClosed: collection!.closedAt !== null,
      collection: await balance(collectionCode),
      suspense: await balance(platformAccountCode('SUSPENSE', 'CNY')),
      openExceptions: open.map((row) => [row.reason, row.heldAmount?.toFixed(2)]),
    }).toEqual({ collectionClosed: true, collection: '0.00', suspense: suspenseBefore === 'no account' ? '100000.00' : (Number(suspenseBefore) + 100000).toFixed(2), openExceptions: [['FINANCING_ENDED', '100000.00']] });
  });

  it('allocates every credit on its own value date, also when more than 100 wait for one step', async () => {
    const parties = await createFinancingParties(db.prisma);
    const f = await disbursedLongAgo(parties);
    // 100 instalments of 100.00 on day 5, then the rest (790,000.00) on day 9, before the due date.
    for (let n = 0; n < 100; n += 1) {
      await receiveInboundCredit(db.prisma, { bankReference: `SMALL-${f.id.slice(0, 8)}-${n}`, virtualAccountNumber: f.collectionVan, amount: '100.00', currency: 'CNY', ...PAYER, receivedAt: f.at(5, 9, n % 60) });
    }
    const last = await receiveInboundCredit(db.prisma, { bankReference: `REST-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '790000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(9, 15) });
    // The worker was down: the first step after is on day 20.
    await serviceFinancing(db.prisma, f.id, f.date(20), `test:${f.id}:day-20`, f.at(20, 10));
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const ofLast = await db.prisma.repaymentAllocation.findUnique({ where: { inboundCreditId: last.credit!.id } });
    expect({
      status: after.status,
      lastValueDate: ofLast ? isoDateOfColumn(ofLast.valueDate) : 'not allocated as itself',
      penaltyAccrued: after.penaltyAccrued.toFixed(2),
      principalOutstanding: after.principalOutstanding.toFixed(2),
    }).toEqual({ status: 'SETTLED', lastValueDate: f.date(9), penaltyAccrued: '0.00', principalOutstanding: '0.00' });
  });

  it('does not take recourse from the supplier for money the core enterprise paid before the recourse day, when the feed reads it a few hours late', async () => {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    const f = await disbursedLongAgo(parties, { payoutAccount: true });
    const supplierCode = partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    // The supplier keeps 900,000.00 of its own in its settlement account.
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await vanOf(supplierCode), amount: '900000.00', currency: 'CNY', ...PAYER, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
    expect(await balance(supplierCode)).toBe('900000.00');
    // The core enterprise pays 811,600.00 (800,000.00 + 29 × 400.00) at 22:00 on D+29 (day 39) ...
    // ... and the recourse step of D+30 (day 40) runs at 00:30, before the feed has read it.
    const recourse = await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    // The feed reads the bank's line at 01:00 on day 40, value-dated 22:00 on day 39.
    const late = await receiveInboundCredit(db.prisma, { bankReference: `LATE-FEED-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '811600.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 22) });
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect({
      recourseClaimed: recourse.claimed,
      status: after.status,
      lateCredit: late.exception ? `parked ${late.exception.reason}` : 'reached the financing',
      supplier: await balance(supplierCode),
    }).toEqual({ recourseClaimed: '812000.00', status: 'SETTLED', lateCredit: 'reached the financing', supplier: '900000.00' });
  });

  /**
   * A program with recourse after 30 days; the supplier keeps `supplierOwn` of its own in its
   * settlement account. The recourse step of D+30 (day 40) runs at 00:30.
   */
  async function recourseAtHalfPastMidnight(supplierOwn: string) {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    const f = await disbursedLongAgo(parties, { payoutAccount: true });
    const supplierCode = partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    const funderCode = partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await vanOf(supplierCode), amount: supplierOwn, currency: 'CNY', ...PAYER, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
    const recourse = await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    const funderAfterRecourse = await balance(funderCode);
    const pay = (reference: string, amount: string, receivedAt: Date) =>
      receiveInboundCredit(db.prisma, { bankReference: `${reference}-${f.id}`, virtualAccountNumber: f.collectionVan, amount, currency: 'CNY', ...PAYER, receivedAt });
    const figures = async () => {
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
      const rows = await db.prisma.repaymentAllocation.findMany({ where: { financingId: f.id }, orderBy: { allocatedAt: 'asc' } });
      const penaltyAccount = await db.prisma.ledgerAccount.findUniqueOrThrow({ where: { id: financing.penaltyAccountId! } });
      return {
        status: financing.status,
        supplier: await balance(supplierCode),
        funderGained: (Number(await balance(funderCode)) - Number(funderAfterRecourse)).toFixed(2),
        collection: await balance(collectionAccountCode(f.id, 'CNY')),
        penaltyUncollected: await balance(penaltyAccount.code),
        recourseClaimed: financing.recourseClaimed.toFixed(2),
        penaltyAccrued: financing.penaltyAccrued.toFixed(2),
        penaltyReversed: financing.penaltyReversed.toFixed(2),
        repaid: [financing.repaidPenalty, financing.repaidPrincipal].map((value) => value.toFixed(2)),
        outstanding: [financing.penaltyOutstanding, financing.principalOutstanding].map((value) => value.toFixed(2)),
        allocations: rows.map((row) => ({
          source: row.source,
          valueDate: isoDateOfColumn(row.valueDate),
          collected: row.collected.toFixed(2),
          penalty: row.penalty.toFixed(2),
          principal: row.principal.toFixed(2),
          recourseReturned: row.recourseReturned.toFixed(2),
        })),
      };
    };
    const notices = async () =>
      (await db.prisma.notification.findMany({ where: { financingId: f.id, kind: 'RECOURSE_RETURNED' } })).map((row) => ({ to: row.partyId, body: row.body })).sort((a, b) => a.to.localeCompare(b.to));
    return { parties, f, recourse, pay, figures, notices };
  }

  it('gives back to the supplier the part of a recourse claim that money the core enterprise paid before it, in part, covers', async () => {
    const { parties, f, recourse, pay, figures, notices } = await recourseAtHalfPastMidnight('900000.00');
    expect(recourse.claimed).toBe('812000.00');
    // 500,000.00 at 22:00 on D+29, read at 01:00 on D+30. By value date: 11,600.00 of penalty
    // (D+1 to D+29) and 488,400.00 of principal on D+29; D+30 owes 311,600.00 × 0.18 / 360 =
    // 155.80 (not 400.00); recourse claims 311,755.80, and the other 500,244.20 goes back.
    const late = await pay('LATE-PART', '500000.00', f.at(39, 22));
    expect(late.exception).toBeNull();
    expect(await figures()).toEqual({
      status: 'SETTLED',
      supplier: '588244.20',
      // The funder keeps what was owed: 500,000.00 in, 500,244.20 back (D+30's 244.20 was not owed).
      funderGained: '-244.20',
      collection: '0.00',
      penaltyUncollected: '0.00',
      recourseClaimed: '311755.80',
      penaltyAccrued: '11755.80',
      penaltyReversed: '244.20',
      repaid: ['11755.80', '800000.00'],
      outstanding: ['0.00', '0.00'],
      allocations: [
        { source: 'RECOURSE', valueDate: f.date(40), collected: '311755.80', penalty: '155.80', principal: '311600.00', recourseReturned: '500244.20' },
        { source: 'REPAYMENT', valueDate: f.date(39), collected: '500000.00', penalty: '11600.00', principal: '488400.00', recourseReturned: '0.00' },
      ],
    });
    const told = await notices();
    expect(told.map((notice) => notice.to).sort()).toEqual([f.supplier.partyId, parties.funder.partyId, parties.core.partyId].sort());
    for (const notice of told) expect(notice.body).toContain(`500244.20 CNY of what recourse took from the supplier's settlement account is returned to it; the penalty of 244.20 CNY charged for ${f.date(40)} was reversed`);
    // The feed reads the line again: nothing moves twice.
    const again = await pay('LATE-PART', '500000.00', f.at(39, 22));
    expect(again.replayed).toBe(true);
    expect((await figures()).supplier).toBe('588244.20');
    expect(await notices()).toHaveLength(3);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('gives back what earlier money covers when recourse paid only part, at the next servicing step', async () => {
    // The supplier holds 500,000.00: recourse takes all of it (12,000.00 of penalty, 488,000.00 of
    // principal) and 312,000.00 stays owed.
    const { f, recourse, pay, figures } = await recourseAtHalfPastMidnight('500000.00');
    expect([recourse.claimed, recourse.outstandingAfter]).toEqual(['500000.00', '312000.00']);
    // 400,000.00 at 22:00 on D+29, read at 01:00; the step of D+30 allocates it at 10:00. By value
    // date: 11,600.00 of penalty and 388,400.00 of principal on D+29; D+30 owes 411,600.00 × 0.18 / 360
    // = 205.80; recourse claims 411,805.80 and the financing is whole; 88,194.20 goes back.
    const late = await pay('LATE-OVERDUE', '400000.00', f.at(39, 22));
    expect(late.exception).toBeNull();
    const step = await serviceFinancing(db.prisma, f.id, f.date(40), `test:${f.id}:day-40`, f.at(40, 10));
    expect({ settled: step.settled, reversals: step.reversals.map((row) => [row.valueDate, row.amount, row.days]) }).toEqual({ settled: true, reversals: [[f.date(39), '194.20', [f.date(40)]]] });
    expect(await figures()).toEqual({
      status: 'SETTLED',
      supplier: '88194.20',
      funderGained: '311805.80',
      collection: '0.00',
      penaltyUncollected: '0.00',
      recourseClaimed: '411805.80',
      penaltyAccrued: '11805.80',
      penaltyReversed: '194.20',
      repaid: ['11805.80', '800000.00'],
      outstanding: ['0.00', '0.00'],
      allocations: [
        { source: 'RECOURSE', valueDate: f.date(40), collected: '411805.80', penalty: '205.80', principal: '411600.00', recourseReturned: '88194.20' },
        { source: 'REPAYMENT', valueDate: f.date(39), collected: '400000.00', penalty: '11600.00', principal: '388400.00', recourseReturned: '0.00' },
      ],
    });
  });

  it('leaves a recourse claim to a person when money the core enterprise paid after it settled the financing and earlier money is read later still', async () => {
    // Recourse takes the supplier's 500,000.00 (12,000.00 of penalty, 488,000.00 of principal);
    // 312,000.00 stays owed and is charged 156.00 a day from D+31. The core enterprise pays the
    // 312,624.00 owed through D+34 on D+34, which settles the financing; then the feed reads
    // 400,000.00 the bank had received at 22:00 on D+29. The later payment paid penalty charged
    // after the claim, which setting the claim aside cannot put back in order: the money is parked
    // for a person, and nothing about the settled financing changes.
    const { f, recourse, pay, figures } = await recourseAtHalfPastMidnight('500000.00');
    expect([recourse.claimed, recourse.outstandingAfter]).toEqual(['500000.00', '312000.00']);
    await pay('AFTER-CLAIM', '312624.00', f.at(44, 9));
    const step = await serviceFinancing(db.prisma, f.id, f.date(44), `test:${f.id}:day-44`, f.at(44, 10));
    expect(step.settled).toBe(true);
    const settled = await figures();
    const early = await pay('BEFORE-CLAIM', '400000.00', f.at(39, 22));
    expect(early.exception?.reason).toBe('FINANCING_SETTLED');
    expect(await figures()).toEqual(settled);
    expect(settled).toMatchObject({ status: 'SETTLED', supplier: '0.00', penaltyUncollected: '0.00', outstanding: ['0.00', '0.00'] });
  });

  it('leaves a recourse claim as it is for money the bank received after it', async () => {
    const { f, recourse, pay, figures, notices } = await recourseAtHalfPastMidnight('900000.00');
    // 811,600.00 reaches the bank at 00:45 on D+30, a quarter of an hour after the claim: the
    // supplier had paid by then, and the money is the payer's, parked for a refund.
    const late = await pay('AFTER-CLAIM', '811600.00', f.at(40, 0, 45));
    expect({ claimed: recourse.claimed, parked: late.exception?.reason }).toEqual({ claimed: '812000.00', parked: 'FINANCING_SETTLED' });
    expect(await figures()).toMatchObject({ status: 'SETTLED', supplier: '88000.00', funderGained: '0.00', collection: '0.00', recourseClaimed: '812000.00', penaltyAccrued: '12000.00', penaltyReversed: '0.00' });
    expect(await notices()).toEqual([]);
  });
});
