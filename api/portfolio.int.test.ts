import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../prisma/client';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { createProgram, enrollSupplier } from '../prisma/stores/program-store';
import { decideReceivable } from '../prisma/stores/receivable-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf, registerDirectly } from '../test/support/receivables';
import { addDays, businessDateOf, dateColumn } from '../domain/business-date';

// The funder's book over real HTTP: `portfolio` and `repaymentsDue`. They read the servicing
// columns of the financing table, so the financings are applied for through the store and then
// put into their servicing states by writing those columns directly, as the money workflows
// would have; no worker runs. Every expected figure is computed by hand in the comments.

type Result = Record<string, any>;

const OWED = 'count principal { amount currency } interest { amount } fees { amount } penalty { amount } total { amount }';
const PORTFOLIO = `query ($currency: String) { portfolio(currency: $currency) { __typename
  currency outstanding { ${OWED} } overdue { ${OWED} }
  settled { count principal { amount currency } repaid { amount } penaltyCollected { amount } }
  pending { count principal { amount } }
  byObligor { obligor { partyId } count outstanding { amount } overdue { amount } }
  bySupplier { supplier { partyId } count outstanding { amount } overdue { amount } } } }`;
const DUE = `query ($withinDays: Int, $first: Int, $after: String) { repaymentsDue(withinDays: $withinDays, first: $first, after: $after) { __typename
  edges { cursor node { id status dueDate } } pageInfo { hasNextPage endCursor } } }`;

/** The global ids of financings the test made through the store, as the API answers them. */
const financingIds = (...ids: Array<string | undefined>): string[] =>
  ids.map((id) => {
    if (id === undefined) throw new Error('no such financing among those the test made');
    return globalId('Financing', id);
  });
const partyId = (actor: TestActor): string => globalId('Party', actor.partyId);

describe('portfolio and repaymentsDue API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let other: FinancingParties;
  let coreB: TestActor;
  let programB: string;
  let s1: TestActor;
  let s2: TestActor;
  let outsider: TestActor;
  const today = businessDateOf(new Date());
  const f: Record<string, string> = {};

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  /** A receivable of 1,000,000.00 from `supplier` on `core`, confirmed by the core enterprise. */
  async function confirmedReceivable(supplier: TestActor, core: TestActor) {
    const receivable = await registerDirectly(db.prisma, supplier, core.creditCode);
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: core.userId, partyId: core.partyId }, `test:${receivable.id}:confirm`);
    return receivable;
  }

  async function apply(supplier: TestActor, programId: string, receivableId: string, amount: string): Promise<string> {
    const { financing } = await applyForFinancing(db.prisma, await actorOf(db.prisma, supplier), { receivableId, programId, amount, idempotencyKey: `apply-${receivableId}` }, TEST_FINANCING_WINDOWS);
    return financing.id;
  }

  /**
   * Writes the servicing columns as disbursement (and repayment) would have left them. The
   * value date moves with the due date (a 90-day tenor) because the table requires it earlier.
   */
  async function service(id: string, dueInDays: number, data: Prisma.FinancingUpdateInput) {
    const dueDate = addDays(today, dueInDays);
    await db.prisma.financing.update({ where: { id }, data: { dueDate: dateColumn(dueDate), valueDate: dateColumn(addDays(dueDate, -90)), tenorDays: 90, disbursedAt: new Date(), ...data } });
  }

  async function disbursed(of: FinancingParties, amount: string, dueInDays: number, status: 'DISBURSED' | 'OVERDUE' = 'DISBURSED') {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, of);
    const id = await apply(fixture.supplier, of.programId, fixture.receivable.id, amount);
    await service(id, dueInDays, { status, principalOutstanding: amount, ...(status === 'OVERDUE' ? { overdueSince: dateColumn(addDays(today, dueInDays + 4)) } : {}) });
    return id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    other = await createFinancingParties(db.prisma);
    outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });

    // A second program of the same funder with another core enterprise, under silent
    // assignment: its obligor must not see the financing, the funder must.
    coreB = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '东莞海川电子科技有限公司' });
    await openPartyAccounts(db.prisma, { id: coreB.partyId, roles: ['CORE_ENTERPRISE'] });
    const funder = await db.prisma.party.findUniqueOrThrow({ where: { id: parties.funder.partyId } });
    const admin = await actorOf(db.prisma, parties.admin);
    programB = (await createProgram(db.prisma, admin, { name: '海川保理计划', funderCreditCode: funder.creditCode, coreCreditCode: coreB.creditCode, currency: 'CNY', terms: { ...TEST_PROGRAM_TERMS, assignmentMode: 'SILENT' } })).id;

    // S1: F1 on core A and F2 on core B. S2: F3 (overdue) on core A, F4 (settled). S3: F5, F6 pending and F7 withdrawn.
    const first = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    s1 = first.supplier;
    await enrollSupplier(db.prisma, admin, programB, s1.creditCode);
    const second = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    s2 = second.supplier;
    const third = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);

    f.F1 = await apply(s1, parties.programId, first.receivable.id, '100000.00');
    f.F2 = await apply(s1, programB, (await confirmedReceivable(s1, coreB)).id, '90000.00');
    f.F3 = await apply(s2, parties.programId, second.receivable.id, '300000.00');
    f.F4 = await apply(s2, parties.programId, (await confirmedReceivable(s2, parties.core)).id, '150000.00');
    f.F5 = await apply(third.supplier, parties.programId, third.receivable.id, '50000.00');
    f.F6 = await apply(third.supplier, parties.programId, (await confirmedReceivable(third.supplier, parties.core)).id, '10000.00');
    f.F7 = await apply(third.supplier, parties.programId, (await confirmedReceivable(third.supplier, parties.core)).id, '20000.00');

    // Owed: F1 100,000.00 + 1,500.25 + 100.10 = 101,600.35; F2 90,000.00 + 0.01 = 90,000.01;
    // F3 300,000.00 + 1,234.57 penalty = 301,234.57.
    await service(f.F1, 10, { status: 'DISBURSED', principalOutstanding: '100000.00', interestOutstanding: '1500.25', feesOutstanding: '100.10' });
    await service(f.F2, 40, { status: 'PAYOUT_FAILED', principalOutstanding: '90000.00', feesOutstanding: '0.01' });
    await service(f.F3, -10, { status: 'OVERDUE', principalOutstanding: '300000.00', penaltyOutstanding: '1234.57', penaltyAccrued: '1234.57', overdueSince: dateColumn(addDays(today, -6)) });
    // Repaid: 150,000.00 + 2,250.00 + 150.00 + 88.88 = 152,488.88.
    await service(f.F4, -30, { status: 'SETTLED', repaidPrincipal: '150000.00', repaidInterest: '2250.00', repaidFees: '150.00', repaidPenalty: '88.88', penaltyAccrued: '88.88', settledAt: new Date() });
    // F5 stays PENDING_ACKNOWLEDGEMENT as applied; F6 waits for funding; F7 was withdrawn and counts nowhere.
    await db.prisma.financing.update({ where: { id: f.F6 }, data: { status: 'FUNDING_PENDING' } });
    await db.prisma.financing.update({ where: { id: f.F7 }, data: { status: 'WITHDRAWN' } });

    // Another funder's book: a disbursed 400,000.00 due in five days.
    f.F8 = await disbursed(other, '400000.00', 5);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it("adds up a funder's own book to the cent", async () => {
    const portfolio = await call(parties.funder.token, PORTFOLIO);
    expect(portfolio).toEqual({
      __typename: 'Portfolio',
      currency: 'CNY',
      // F1 + F2 + F3: principal 490,000.00; interest 1,500.25; fees 100.11; penalty 1,234.57; total 492,834.93.
      outstanding: {
        count: 3,
        principal: { amount: '490000.00', currency: 'CNY' },
        interest: { amount: '1500.25' },
        fees: { amount: '100.11' },
        penalty: { amount: '1234.57' },
        total: { amount: '492834.93' },
      },
      overdue: { count: 1, principal: { amount: '300000.00', currency: 'CNY' }, interest: { amount: '0.00' }, fees: { amount: '0.00' }, penalty: { amount: '1234.57' }, total: { amount: '301234.57' } },
      settled: { count: 1, principal: { amount: '150000.00', currency: 'CNY' }, repaid: { amount: '152488.88' }, penaltyCollected: { amount: '88.88' } },
      // F5 50,000.00 + F6 10,000.00.
      pending: { count: 2, principal: { amount: '60000.00' } },
      // Core A: F1 + F3 = 402,834.92; core B: F2 = 90,000.01 (larger as a number, smaller as text: the order is numeric).
      byObligor: [
        { obligor: { partyId: partyId(parties.core) }, count: 2, outstanding: { amount: '402834.92' }, overdue: { amount: '301234.57' } },
        { obligor: { partyId: partyId(coreB) }, count: 1, outstanding: { amount: '90000.01' }, overdue: { amount: '0.00' } },
      ],
      // S2: F3 = 301,234.57; S1: F1 + F2 = 191,600.36.
      bySupplier: [
        { supplier: { partyId: partyId(s2) }, count: 1, outstanding: { amount: '301234.57' }, overdue: { amount: '301234.57' } },
        { supplier: { partyId: partyId(s1) }, count: 2, outstanding: { amount: '191600.36' }, overdue: { amount: '0.00' } },
      ],
    });
    // The checker, another user of the same funder, reads the same book.
    expect(await call(parties.funderChecker.token, PORTFOLIO)).toEqual(portfolio);
  });

  it('keeps each funder to its own book; operators see every funder and other parties are refused', async () => {
    const theirs = await call(other.funder.token, PORTFOLIO);
    expect(theirs.outstanding).toMatchObject({ count: 1, principal: { amount: '400000.00' }, total: { amount: '400000.00' } });
    expect(theirs.settled).toMatchObject({ count: 0, principal: { amount: '0.00' }, repaid: { amount: '0.00' } });
    expect(theirs.byObligor).toEqual([{ obligor: { partyId: partyId(other.core) }, count: 1, outstanding: { amount: '400000.00' }, overdue: { amount: '0.00' } }]);

    // 492,834.93 + 400,000.00.
    const all = await call(parties.admin.token, PORTFOLIO);
    expect(all.outstanding).toMatchObject({ count: 4, principal: { amount: '890000.00' }, total: { amount: '892834.93' } });
    expect(all.byObligor.map((row: Result) => [row.obligor.partyId, row.outstanding.amount])).toEqual([
      [partyId(parties.core), '402834.92'],
      [partyId(other.core), '400000.00'],
      [partyId(coreB), '90000.01'],
    ]);

    for (const refused of [s1, parties.core, outsider]) {
      const response = await api.request<{ portfolio: Result }>(refused.token, PORTFOLIO);
      expect(response.errors).toHaveLength(1);
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(response.data?.portfolio ?? null).toBeNull();
    }

    // Another currency: nothing booked in it, all zeros.
    const usd = await call(parties.funder.token, PORTFOLIO, { currency: 'USD' });
    expect(usd).toMatchObject({ currency: 'USD', outstanding: { count: 0, principal: { amount: '0.00', currency: 'USD' }, total: { amount: '0.00' } }, pending: { count: 0 }, byObligor: [], bySupplier: [] });
  });

  it('lists repayments due to each party it concerns, earliest first, overdue ones included', async () => {
    const ids = async (token: string, withinDays?: number) => {
      const result = await call(token, DUE, withinDays === undefined ? {} : { withinDays });
      expect(result.__typename, JSON.stringify(result)).toBe('QueryRepaymentsDueConnection');
      return result.edges.map((edge: Result) => edge.node.id);
    };
    // Default 30 days: F3 (due 10 days ago, overdue), F1 (in 10 days); F2 is due in 40.
    expect(await ids(parties.funder.token)).toEqual(financingIds(f.F3, f.F1));
    expect(await ids(parties.funder.token, 40)).toEqual(financingIds(f.F3, f.F1, f.F2));
    const due = await call(parties.funder.token, DUE, { withinDays: 40 });
    expect(due.edges.map((edge: Result) => [edge.node.status, edge.node.dueDate])).toEqual([
      ['OVERDUE', addDays(today, -10)],
      ['DISBURSED', addDays(today, 10)],
      ['PAYOUT_FAILED', addDays(today, 40)],
    ]);
    // The supplier its own; core A what it owes under open assignment (not F2, silent, on core B).
    expect(await ids(s1.token, 40)).toEqual(financingIds(f.F1, f.F2));
    expect(await ids(parties.core.token, 40)).toEqual(financingIds(f.F3, f.F1));
    expect(await ids(coreB.token, 40)).toEqual([]);
    expect(await ids(other.funder.token)).toEqual(financingIds(f.F8));
    expect(await ids(outsider.token, 366)).toEqual([]);
    // Operators: everything, across funders.
    expect(await ids(parties.admin.token, 40)).toEqual(financingIds(f.F3, f.F8, f.F1, f.F2));
  });

  it('includes a due date of exactly today + withinDays and excludes the next day; pages by due date then id', async () => {
    const third = await createFinancingParties(db.prisma);
    const g = {
      overdue: await disbursed(third, '10000.00', -30, 'OVERDUE'),
      today: await disbursed(third, '10000.00', 0),
      atLimitA: await disbursed(third, '10000.00', 7),
      atLimitB: await disbursed(third, '10000.00', 7),
      dayAfter: await disbursed(third, '10000.00', 8),
    };
    // Same due date: the row ids decide the order (a global id's text need not sort the same).
    const atLimit = [g.atLimitA, g.atLimitB].sort();
    const ids = async (withinDays: number) => (await call(third.funder.token, DUE, { withinDays })).edges.map((edge: Result) => edge.node.id);

    expect(await ids(0)).toEqual(financingIds(g.overdue, g.today));
    expect(await ids(6)).toEqual(financingIds(g.overdue, g.today));
    expect(await ids(7)).toEqual(financingIds(g.overdue, g.today, ...atLimit));
    expect(await ids(8)).toEqual(financingIds(g.overdue, g.today, ...atLimit, g.dayAfter));
    expect(await ids(366)).toEqual(financingIds(g.overdue, g.today, ...atLimit, g.dayAfter));

    // Two at a time, following the cursor, gives the same order with nothing repeated or lost.
    const paged: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page += 1) {
      const result = await call(third.funder.token, DUE, { withinDays: 8, first: 2, ...(after ? { after } : {}) });
      paged.push(...result.edges.map((edge: Result) => edge.node.id));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(paged).toEqual(financingIds(g.overdue, g.today, ...atLimit, g.dayAfter));
  });

  it('refuses a withinDays below 0 or above 366, and an unknown currency, as bad input', async () => {
    /** The one GraphQL error of a refused query, and that it answered no data for the field. */
    const refusal = async (query: string, variables: Record<string, unknown>) => {
      const response = await api.request<Result>(parties.funder.token, query, variables);
      expect(response.errors, JSON.stringify(variables)).toHaveLength(1);
      expect(Object.values(response.data ?? {}).filter((value) => value !== null)).toEqual([]);
      return response.errors?.[0]?.extensions;
    };
    for (const withinDays of [-1, 367, 1000]) {
      expect(await refusal(DUE, { withinDays }), String(withinDays)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VALIDATION_FAILED', issues: [{ path: ['withinDays'] }] });
    }
    expect(await refusal(PORTFOLIO, { currency: 'XYZ' })).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CURRENCY_NOT_SUPPORTED', issues: [{ path: ['currency'] }] });
    expect(await refusal(PORTFOLIO, { currency: 'YUAN' })).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: ['currency'] }] });
  });
});
