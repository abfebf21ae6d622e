import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { Decimal } from '../domain/money';
import { collectionAccountCode, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { creditLimitCode } from '../prisma/stores/credit-limit-store';
import { disburse, reserveFunding } from '../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import type { TestActor } from '../test/support/parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';

// Many requests at once on the same hot rows, over real HTTP: applications competing for the
// same program and obligor limits, and inbound credits booked onto the same few accounts while
// every request also runs the bank poller (so pollers race each other for the same credits).
// Whatever PostgreSQL does under that load (lock waits, deadlocks, serialisation failures, a
// twin request committing first), the API must answer every request with its real outcome:
// never INTERNAL_SERVER_ERROR, every application within the limits and no more, every credit
// booked exactly once.

type Result = Record<string, any>;

const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { __typename
  ... on Financing { id status receivable { id status } } ... on Error { code message } } }`;
const SIMULATE = `mutation ($van: String!, $amount: String!) { simulateInboundCredit(virtualAccountNumber: $van, amount: $amount) { __typename
  ... on InboundCredit { bankReference virtualAccountNumber amount { amount } outcome } ... on Error { code message } } }`;

const APPLICATIONS = 20;
const CREDITS = 50;
const APPLICATION_AMOUNT = '100000.00';
const OBLIGOR_LIMIT = '2000000.00';
/** Two financings of this principal are disbursed before the rush; their collection accounts take credits. */
const DISBURSED_PRINCIPAL = '300000.00';
/** Every request also runs the poller over every credit not yet booked: on a loaded machine the rush takes a while. */
const RUSH_TIMEOUT_MS = 180_000;

describe('concurrent applications and inbound credits', () => {
  let db: TestDatabase;
  let bank: BankSimulator;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let applicants: Array<{ supplier: TestActor; receivableId: string }>;
  let collectionCodes: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    bank = new BankSimulator({ pool: db.url });
    // The development bank tools, booked at once: each simulated credit also runs the poller.
    api = await startTestApi(db.prisma, {
      devBank: { simulator: bank, processInbound: () => bookInboundCredits({ prisma: db.prisma, bank, temporal: api.temporal, logger: testLogger }) },
    });
    // An application is the first Update of its financing's workflow: a worker must answer it.
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, bank });
    running = worker.worker.run();
    // The obligor limit is the one that binds: the program's and each supplier's are larger.
    parties = await createFinancingParties(db.prisma, { programLimit: '10000000.00', supplierLimit: '1000000.00', obligorLimit: OBLIGOR_LIMIT });
    collectionCodes = [];
    for (let index = 0; index < 2; index += 1) collectionCodes.push(collectionAccountCode(await disbursedFinancing(index), 'CNY'));
    applicants = [];
    for (let index = 0; index < APPLICATIONS; index += 1) {
      const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
      applicants.push({ supplier: fixture.supplier, receivableId: fixture.receivable.id });
    }
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await bank?.close();
    await db?.drop();
  });

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  async function postedOn(code: string): Promise<Decimal> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted;
  }

  /** What the financing workflow does up to the disbursement, store by store (no payout account: PAYOUT_FAILED). */
  async function disbursedFinancing(index: number): Promise<string> {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: fixture.receivable.id, programId: parties.programId, amount: DISBURSED_PRINCIPAL, idempotencyKey: `setup-${index}` };
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, input, TEST_FINANCING_WINDOWS);
    const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
    await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `setup:${financing.id}:acknowledge`);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), `setup:${financing.id}:approve`);
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `setup:${financing.id}:confirm`);
    await recordInboundCredit(db.prisma, {
      bankReference: `SETUP-TOPUP-${index}`,
      virtualAccountNumber: await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')),
      amount: DISBURSED_PRINCIPAL,
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'top-up',
      receivedAt: new Date(),
    });
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, financing.id);
    return financing.id;
  }

  it('answers every request with its real outcome: limits respected exactly, every credit booked once, the ledger consistent', async () => {
    const fundingCode = partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
    const obligorLimitCode = creditLimitCode({ kind: 'OBLIGOR', funderPartyId: parties.funder.partyId, obligorPartyId: parties.core.partyId, currency: 'CNY' });
    const targets = [fundingCode, ...collectionCodes];
    const vans = await Promise.all(targets.map(vanOf));
    const before = await Promise.all(targets.map(postedOn));
    // Every third credit to each account in turn, each a different amount, so the sums prove which were booked.
    const credits = Array.from({ length: CREDITS }, (_, index) => ({ target: index % targets.length, amount: new Decimal(1000).plus(index).plus(new Decimal(index).dividedBy(100)).toFixed(2) }));

    const responses = await Promise.all([
      ...applicants.map(({ supplier, receivableId }) =>
        api.request<Record<string, Result>>(supplier.token, APPLY, {
          input: { receivableId: globalId('Receivable', receivableId), programId: globalId('Program', parties.programId), amount: APPLICATION_AMOUNT, idempotencyKey: `rush-${receivableId}` },
        }),
      ),
      ...credits.map(({ target, amount }) => api.request<Record<string, Result>>(parties.funder.token, SIMULATE, { van: vans[target], amount })),
    ]);

    // No request failed unexpectedly: every answer is data, typed errors included.
    const failures = responses.filter((response) => response.status !== 200 || response.errors);
    expect(failures.map((response) => ({ status: response.status, errors: response.errors }))).toEqual([]);

    // Exactly the applications the obligor limit has room for: 2,000,000.00 less the 600,000.00 disbursed, in steps of 100,000.00.
    const applied = responses.slice(0, APPLICATIONS).map((response) => response.data!.applyForFinancing!);
    const room = new Decimal(OBLIGOR_LIMIT).minus(new Decimal(DISBURSED_PRINCIPAL).times(2));
    const fitting = room.dividedToIntegerBy(APPLICATION_AMOUNT).toNumber();
    expect(applied.filter((result) => result.__typename === 'Financing')).toHaveLength(fitting);
    expect(applied.filter((result) => result.__typename !== 'Financing').map((result) => [result.__typename, result.code])).toEqual(
      Array.from({ length: APPLICATIONS - fitting }, () => ['LimitExceededError', 'LIMIT_EXCEEDED']),
    );
    for (const result of applied.filter((item) => item.__typename === 'Financing')) expect(result.receivable.status).toBe('FINANCING_PENDING');
    // A refused application left nothing behind: its receivable is CONFIRMED and has no financing.
    const refused = applicants.filter((_, index) => applied[index]!.__typename !== 'Financing').map((applicant) => applicant.receivableId);
    expect(await db.prisma.financing.count({ where: { receivableId: { in: refused } } })).toBe(0);
    expect(await db.prisma.receivable.count({ where: { id: { in: refused }, status: 'CONFIRMED' } })).toBe(refused.length);
    const obligorLimit = await getBalance(db.prisma, (await findAccountByCode(db.prisma, obligorLimitCode))!.id);
    expect(obligorLimit.available.toFixed(2)).toBe(room.minus(new Decimal(APPLICATION_AMOUNT).times(fitting)).toFixed(2));
    const pendingHolds = await db.prisma.ledgerHold.count({ where: { status: 'PENDING', code: 'LIMIT_RESERVATION' } });
    expect(pendingHolds).toBe(fitting * 3);

    // Every credit booked exactly once, matched to the account it was paid to.
    const booked = responses.slice(APPLICATIONS).map((response) => response.data!.simulateInboundCredit!);
    expect(booked.map((credit) => [credit.__typename, credit.outcome])).toEqual(credits.map(() => ['InboundCredit', 'MATCHED']));
    expect(booked.map((credit) => credit.amount.amount)).toEqual(credits.map((credit) => credit.amount));
    const references = booked.map((credit) => credit.bankReference as string);
    expect(new Set(references).size).toBe(CREDITS);
    expect(await db.prisma.inboundCredit.count({ where: { bankReference: { in: references } } })).toBe(CREDITS);
    const keys = references.flatMap((reference) => [`inbound:${reference}:receipt`, `inbound:${reference}:match`]);
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { in: keys } } })).toBe(2 * CREDITS);
    const bankCredits = await bank.listInboundCredits(null, 500);
    expect(bankCredits.credits.filter((credit) => references.includes(credit.bankReference))).toHaveLength(CREDITS);

    // Each account grew by exactly the sum of the credits paid to it.
    for (const [index, code] of targets.entries()) {
      const sum = credits.filter((credit) => credit.target === index).reduce((total, credit) => total.plus(credit.amount), new Decimal(0));
      expect((await postedOn(code)).toFixed(2), code).toBe(before[index]!.plus(sum).toFixed(2));
    }

    // And the ledger as a whole is consistent.
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    for (const book of ['MONEY', 'MEMO'] as const) expect((await trialBalance(db.prisma, 'CNY', book)).balanced).toBe(true);
  }, RUSH_TIMEOUT_MS);
});
