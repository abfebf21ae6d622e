import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding } from '../prisma/stores/disbursement-store';
import { EVENT_REPLAY_EVENTS_MAX } from '../prisma/stores/domain-event-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { notifyParties } from '../prisma/stores/operator-notices';
import { allocateCollection } from '../prisma/stores/servicing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { publishEvents } from '../test/support/publish-events';
import { actorOf } from '../test/support/receivables';
import { subscribe, type SseResult, type SseSubscription } from '../test/support/sse';

// Subscriptions over server-sent events, against the real HTTP server: each delivers what its
// query would show the caller and nothing else (a silent financing never reaches its obligor,
// another party's account is not found), a subscriber that comes back with the last event id it
// saw gets what it missed, and every API process delivers to its own subscribers whatever
// process or worker committed the change.

const FINANCING_UPDATED = `subscription ($id: ID, $after: String) { financingUpdated(id: $id, after: $after) { id status financingNumber } }`;
const RECEIVABLE_UPDATED = `subscription { receivableUpdated { id status } }`;
const REPAYMENT_RECEIVED = `subscription { repaymentReceived { id collected { amount currency } financing { id } } }`;
const ACCOUNT_ACTIVITY = `subscription ($accountId: ID!) { accountActivity(accountId: $accountId) { id code entries { account { id } direction amount { amount } } } }`;
const NOTIFICATION_ADDED = `subscription { notificationAdded { id kind subject } }`;
const EXCEPTION_RAISED = `subscription { exceptionRaised { __typename ... on InboundException { id detail } ... on ReconciliationItem { id } } }`;

const statusesOf = (results: SseResult[]) => results.map((result) => result.data?.financingUpdated?.status as string);

describe('subscriptions over server-sent events', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let supplier: TestActor;
  let outsider: TestActor;
  let operator: TestActor;
  const open: SseSubscription[] = [];

  const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
  const listen = async (token: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, url = api.url) => {
    const subscription = await subscribe(url, token, query, variables, headers);
    open.push(subscription);
    return subscription;
  };
  const credit = (bankReference: string, virtualAccountNumber: string, amount: string) =>
    recordInboundCredit(db.prisma, { bankReference, virtualAccountNumber, amount, currency: 'CNY', payerName: 'payer', payerAccountNumber: '6222000011112222', remittanceInformation: 'test', receivedAt: new Date() });
  const vanOf = async (code: string) => (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;

  /** A financing under the parties' program, applied for by a freshly enrolled supplier with its own confirmed receivable. */
  async function applied(key: string) {
    const { supplier: applicant, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const { financing } = await applyForFinancing(db.prisma, await actorOf(db.prisma, applicant), { receivableId: receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: key }, TEST_FINANCING_WINDOWS);
    return { applicant, financing };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'] });
  }, 60_000);

  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await api?.close();
    await db?.drop();
  });

  it('delivers a silent financing, its repayment and its postings to the supplier and funder only, and exceptions to operators only', async () => {
    const { supplier: applicant, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    supplier = applicant;
    const settlement = (await findAccountByCode(db.prisma, partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!;
    const settlementId = globalId('LedgerAccount', settlement.id);

    // The setup's own events (the receivable registered and confirmed) are published before
    // anyone subscribes, and every subscriber resumes after the last of them: what follows is
    // this test's changes only, however soon after its commit the relay published each.
    await publishEvents(db.url);
    const since = { 'last-event-id': String((await db.prisma.domainEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n) };
    const supplierFinancings = await listen(supplier.token, FINANCING_UPDATED, {}, since);
    const funderFinancings = await listen(parties.funder.token, FINANCING_UPDATED, {}, since);
    const obligorFinancings = await listen(parties.core.token, FINANCING_UPDATED, {}, since);
    const outsiderFinancings = await listen(outsider.token, FINANCING_UPDATED, {}, since);
    const operatorFinancings = await listen(operator.token, FINANCING_UPDATED, {}, since);
    const supplierReceivables = await listen(supplier.token, RECEIVABLE_UPDATED, {}, since);
    const obligorReceivables = await listen(parties.core.token, RECEIVABLE_UPDATED, {}, since);
    const funderRepayments = await listen(parties.funder.token, REPAYMENT_RECEIVED, {}, since);
    const obligorRepayments = await listen(parties.core.token, REPAYMENT_RECEIVED, {}, since);
    const outsiderRepayments = await listen(outsider.token, REPAYMENT_RECEIVED, {}, since);
    const supplierActivity = await listen(supplier.token, ACCOUNT_ACTIVITY, { accountId: settlementId }, since);
    const outsiderActivity = await listen(outsider.token, ACCOUNT_ACTIVITY, { accountId: settlementId }, since);
    const obligorActivity = await listen(parties.core.token, ACCOUNT_ACTIVITY, { accountId: settlementId }, since);
    const operatorExceptions = await listen(operator.token, EXCEPTION_RAISED, {}, since);
    const supplierExceptions = await listen(supplier.token, EXCEPTION_RAISED, {}, since);
    const obligorNotifications = await listen(parties.core.token, NOTIFICATION_ADDED, {}, since);
    const funderNotifications = await listen(parties.funder.token, NOTIFICATION_ADDED, {}, since);
    const supplierNotifications = await listen(supplier.token, NOTIFICATION_ADDED, {}, since);

    // The silent financing, taken to disbursement and one repayment the way its workflow would.
    await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '招商银行深圳分行' });
    const { financing } = await applyForFinancing(db.prisma, await actorOf(db.prisma, supplier), { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: 'subscriptions' }, TEST_FINANCING_WINDOWS);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), 'subscriptions:approve');
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), 'subscriptions:confirm');
    await credit('SUBS-TOPUP', await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), '800000.00');
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, financing.id);
    const collected = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id }, include: { collectionAccount: true } });
    await credit('SUBS-REPAY', collected.collectionAccount!.virtualAccountNumber!, '100000.00');
    const allocation = (await allocateCollection(db.prisma, financing.id, 'subscriptions:allocation'))!;
    await credit('SUBS-UNKNOWN', '1234567890123456789', '10.00');
    // A notice to the supplier and the funder, sent twice as a retried activity would: one message each, one event each.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await notifyParties(db.prisma, [supplier.partyId, parties.funder.partyId], { kind: 'FINANCING_DISBURSED', subject: 'disbursed', body: 'the money went out', financingId: financing.id }, `subscriptions:${financing.id}:disbursed`);
    }

    const transitions = await db.prisma.financingTransition.findMany({ where: { financingId: financing.id }, orderBy: { id: 'asc' } });
    const financingId = globalId('Financing', financing.id);
    await supplierFinancings.waitFor(transitions.length);
    expect(supplierFinancings.results.map((result) => result.data?.financingUpdated?.id)).toEqual(transitions.map(() => financingId));
    // Each result is the financing as it is when delivered; the last is its state now.
    expect(statusesOf(supplierFinancings.results).at(-1)).toBe((await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).status);
    expect((await funderFinancings.waitFor(transitions.length)).length).toBe(transitions.length);
    expect((await operatorFinancings.waitFor(transitions.length)).length).toBe(transitions.length);
    // Ids only grow, and every result carries the id to resume after.
    const ids = supplierFinancings.results.map((result) => BigInt(result.extensions!.eventId!));
    expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);

    await funderRepayments.waitFor(1);
    expect(funderRepayments.results[0]?.errors).toBeUndefined();
    expect(funderRepayments.results.map((result) => result.data?.repaymentReceived?.id)).toEqual([globalId('RepaymentAllocation', allocation.id)]);
    const disbursement = await db.prisma.ledgerTransaction.findMany({ where: { entries: { some: { accountId: settlement.id } } }, orderBy: { createdAt: 'asc' } });
    await supplierActivity.waitFor(disbursement.length);
    expect(supplierActivity.results.map((result) => result.data?.accountActivity?.id)).toEqual(disbursement.map((transaction) => globalId('LedgerTransaction', transaction.id)));
    // Only the entries on the supplier's own accounts, as ledgerTransaction(id) shows them.
    for (const result of supplierActivity.results) for (const entry of result.data!.accountActivity.entries) expect(entry.account.id).toBe(settlementId);
    await operatorExceptions.waitFor(1);
    expect(operatorExceptions.results[0]!.data?.exceptionRaised?.__typename).toBe('InboundException');
    await supplierReceivables.waitFor(1);
    expect(supplierReceivables.results.map((result) => result.data?.receivableUpdated?.id)).toContain(globalId('Receivable', receivable.id));

    // The others: refused outright, or told nothing at all.
    expect(supplierExceptions.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(outsiderActivity.results[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(obligorActivity.results[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await Promise.all([obligorFinancings, outsiderFinancings, obligorRepayments, outsiderRepayments, obligorReceivables, obligorNotifications].map((subscription) => subscription.settle(500)));
    expect(obligorFinancings.results).toEqual([]);
    expect(outsiderFinancings.results).toEqual([]);
    expect(obligorRepayments.results).toEqual([]);
    expect(outsiderRepayments.results).toEqual([]);
    // The receivable changed for the supplier; to its obligor it stayed confirmed, so nothing happened.
    expect(obligorReceivables.results).toEqual([]);
    expect(JSON.stringify(obligorNotifications.results)).not.toContain(financing.id);
    // Each inbox's own messages, to its own party only.
    let delivered = 0;
    for (const [party, stream] of [[supplier, supplierNotifications], [parties.funder, funderNotifications], [parties.core, obligorNotifications]] as const) {
      const inbox = await db.prisma.notification.findMany({ where: { partyId: party.partyId }, orderBy: { createdAt: 'asc' } });
      await stream.waitFor(inbox.length);
      await stream.settle(300);
      expect(stream.results.map((result) => result.data?.notificationAdded?.id).sort()).toEqual(inbox.map((row) => globalId('Notification', row.id)).sort());
      delivered += inbox.length;
    }
    expect(delivered).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('sends what a subscriber missed when it comes back with the last event id it saw, and refuses one too far back', async () => {
    const { applicant, financing } = await applied('subscriptions:resume');
    const financingId = globalId('Financing', financing.id);
    // What the supplier's screen saw before it lost its connection: the application.
    const before = await listen(applicant.token, FINANCING_UPDATED, { id: financingId, after: '0' });
    await before.waitFor(1);
    const lastSeen = before.results.at(-1)!.extensions!.eventId!;
    // The same id is the event's SSE id, which an EventSource sends back as Last-Event-ID by itself.
    expect(before.ids.at(-1)).toBe(lastSeen);
    before.close();

    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), 'subscriptions:resume:approve');
    const missed = (await db.prisma.financingTransition.count({ where: { financingId: financing.id } })) - before.results.length;
    expect(missed).toBeGreaterThan(0);

    const byHeader = await listen(applicant.token, FINANCING_UPDATED, { id: financingId }, { 'last-event-id': lastSeen });
    const byArgument = await listen(applicant.token, FINANCING_UPDATED, { id: financingId, after: lastSeen });
    for (const resumed of [byHeader, byArgument]) {
      await resumed.waitFor(missed);
      expect(resumed.results.length).toBe(missed);
      expect(resumed.results.every((result) => BigInt(result.extensions!.eventId!) > BigInt(lastSeen))).toBe(true);
    }
    // Then live, each event once: the next change arrives after the replay.
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), 'subscriptions:resume:confirm');
    const live = (await db.prisma.financingTransition.count({ where: { financingId: financing.id } })) - before.results.length;
    for (const resumed of [byHeader, byArgument]) {
      await resumed.waitFor(live);
      await resumed.settle(300);
      expect(resumed.results.length).toBe(live);
      expect(new Set(resumed.results.map((result) => result.extensions!.eventId)).size).toBe(live);
    }

    // An id older than the replay window is refused with its own code.
    const newest = await db.prisma.domainEvent.aggregate({ _max: { id: true } });
    await db.prisma.domainEvent.create({ data: { id: newest._max.id! + BigInt(EVENT_REPLAY_EVENTS_MAX) + 1n, type: 'NOTIFICATION_ADDED', subjectId: financing.id, partyIds: [], operators: false } });
    const tooOld = await listen(applicant.token, FINANCING_UPDATED, { after: String(newest._max.id!) });
    await tooOld.waitFor(1);
    expect(tooOld.results[0]?.errors?.[0]?.extensions?.code).toBe('EVENT_REPLAY_WINDOW_EXCEEDED');
    const notAnId = await listen(applicant.token, FINANCING_UPDATED, { after: 'yesterday' });
    await notAnId.waitFor(1);
    expect(notAnId.results[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  }, 60_000);

  it('delivers from every API process on the database to its own subscribers', async () => {
    const second = await startTestApi(db.prisma);
    try {
      const onFirst = await listen(parties.funder.token, FINANCING_UPDATED);
      const onSecond = await listen(parties.funder.token, FINANCING_UPDATED, {}, {}, second.url);
      const { financing } = await applied('subscriptions:two-processes');
      await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), 'subscriptions:two-processes:approve');
      const transitions = await db.prisma.financingTransition.count({ where: { financingId: financing.id } });
      for (const subscription of [onFirst, onSecond]) {
        await subscription.waitFor(transitions);
        expect(subscription.results.map((result) => result.data?.financingUpdated?.id)).toEqual(Array(transitions).fill(globalId('Financing', financing.id)));
      }
      expect(onSecond.results.map((result) => result.extensions!.eventId)).toEqual(onFirst.results.map((result) => result.extensions!.eventId));
    } finally {
      await second.close();
    }
  }, 60_000);
});
