import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { createProgram, enrollSupplier } from '../prisma/stores/program-store';
import { allocateCollection } from '../prisma/stores/servicing-store';
import { proposeUserRoles } from '../prisma/stores/user-role-change-store';
import { newWebhookSecret, sealWebhookSecret } from '../prisma/stores/webhook-secret-box';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, disburseApplied, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';

// What a party can learn of others through answers the existing authorization and
// silent-assignment tests do not ask: errors of decisions and quotes on a silently financed
// receivable, a receivable's history as another funder sees it, the users behind a role change,
// and the registry once a silent financing is settled.

type Result = Record<string, any>;

const QUOTE = `query ($r: ID!, $p: ID!) { quoteFinancing(receivableId: $r, programId: $p, amount: "100000.00") { __typename ... on Error { code message } ... on WrongStateError { currentState } } }`;
const CONFIRM = `mutation ($id: ID!) { confirmReceivable(id: $id) { __typename ... on Error { code message } ... on WrongStateError { currentState } } }`;
const REJECT = `mutation ($id: ID!) { rejectReceivable(id: $id, reason: "not ours") { __typename ... on Error { code message } ... on WrongStateError { currentState } } }`;
const HISTORY = `query ($id: ID!) { receivable(id: $id) { status history { toStatus reason actorName actorParty { legalName creditCode } } } }`;
const ROLE_CHANGES = `query ($id: ID!) { node(id: $id) { ... on User { roleChanges { totalCount edges { node { status proposedBy { email displayName roles party { legalName roles users { totalCount edges { node { email displayName roles } } } } } } } } } } }`;
const REGISTRY = `query ($code: String!, $invoiceCode: String!, $invoiceNumber: String!) {
  registryCheck(obligorCreditCode: $code, invoiceCode: $invoiceCode, invoiceNumber: $invoiceNumber) { encumbered registrationNumber status } }`;

describe('confidentiality of answers not covered elsewhere', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let silentSupplier: TestActor;
  /** Financed under silent assignment (FINANCED, its payout failed for want of an account). */
  let silentReceivableId: string;
  let silentFinancingId: string;
  /** Confirmed and never financed: what the core enterprise would be told with no financing. */
  let plainReceivableId: string;
  let invoice: { invoiceCode: string; invoiceNumber: string };
  let registryBefore: Result;

  const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });

  async function data(token: string, query: string, variables: Record<string, unknown>): Promise<Result> {
    const body = await api.request<Record<string, Result>>(token, query, variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return Object.values(body.data!)[0]!;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    const silent = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    silentSupplier = silent.supplier;
    silentReceivableId = silent.receivable.id;
    plainReceivableId = (await enrolledSupplierWithConfirmedReceivable(db.prisma, parties)).receivable.id;
    const [first] = await db.prisma.receivableInvoice.findMany({ where: { receivableId: silentReceivableId }, orderBy: { lineNumber: 'asc' } });
    invoice = { invoiceCode: first!.invoiceCode, invoiceNumber: first!.invoiceNumber };
    registryBefore = await data(parties.core.token, REGISTRY, { code: parties.core.creditCode, ...invoice });

    // A silent financing of it, approved by two people, funded and disbursed.
    const { financing } = await applyForFinancing(db.prisma, silent.actor, { receivableId: silentReceivableId, programId: parties.programId, amount: '800000.00', idempotencyKey: 'gaps-silent' }, TEST_FINANCING_WINDOWS);
    silentFinancingId = financing.id;
    await disburseApplied(db.prisma, parties, financing.id, { acknowledge: false });
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: silentReceivableId } })).status).toBe('FINANCED');
    // The obligor is told CONFIRMED, as the existing tests check.
    expect((await data(parties.core.token, HISTORY, { id: globalId('Receivable', silentReceivableId) })).status).toBe('CONFIRMED');
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('quoteFinancing answers the obligor of a silent financing as for a receivable nobody financed', async () => {
    const program = globalId('Program', parties.programId);
    const plain = await data(parties.core.token, QUOTE, { r: globalId('Receivable', plainReceivableId), p: program });
    const silent = await data(parties.core.token, QUOTE, { r: globalId('Receivable', silentReceivableId), p: program });
    expect(silent.__typename).toBe(plain.__typename);
    expect(JSON.stringify(silent)).not.toMatch(/FINANCED|FINANCING_PENDING/);
  });

  it('confirmReceivable and rejectReceivable refuse the obligor of a silent financing as for a merely confirmed receivable', async () => {
    const plainConfirm = await data(parties.core.token, CONFIRM, { id: globalId('Receivable', plainReceivableId) });
    const silentConfirm = await data(parties.core.token, CONFIRM, { id: globalId('Receivable', silentReceivableId) });
    const plainReject = await data(parties.core.token, REJECT, { id: globalId('Receivable', plainReceivableId) });
    const silentReject = await data(parties.core.token, REJECT, { id: globalId('Receivable', silentReceivableId) });
    expect({ confirm: silentConfirm, reject: silentReject }).toEqual({ confirm: plainConfirm, reject: plainReject });
    // Nothing changed.
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: silentReceivableId } })).status).toBe('FINANCED');
  });

  it("does not show a funder another funder's financing of the same receivable in its history", async () => {
    const admin = await actorOf(db.prisma, parties.admin);
    const rival = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER', 'CHECKER'], legalName: '渤海汇金商业保理有限公司' });
    await openPartyAccounts(db.prisma, { id: rival.partyId, roles: ['FUNDER'] });
    const rivalProgram = await createProgram(db.prisma, admin, { name: '渤海汇金暗保理计划', funderCreditCode: rival.creditCode, coreCreditCode: parties.core.creditCode, currency: 'CNY', terms: { ...TEST_PROGRAM_TERMS, assignmentMode: 'SILENT' } });
    const { supplier, receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await enrollSupplier(db.prisma, admin, rivalProgram.id, supplier.creditCode);
    // The rival funder is asked first and declines; then the program's funder is asked.
    const { financing: declined } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: rivalProgram.id, amount: '100000.00', idempotencyKey: 'gaps-rival' }, TEST_FINANCING_WINDOWS);
    await decideFinancing(db.prisma, declined.id, { kind: 'REJECT', reason: '授信审批未通过 credit committee declined' }, as(rival), `gaps:${declined.id}:reject`);
    const { financing: current } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: 'gaps-current' }, TEST_FINANCING_WINDOWS);
    const rivalUser = await db.prisma.user.findUniqueOrThrow({ where: { id: rival.userId } });
    const rivalParty = await db.prisma.party.findUniqueOrThrow({ where: { id: rival.partyId } });
    const funderParty = await db.prisma.party.findUniqueOrThrow({ where: { id: parties.funder.partyId } });

    const seenByFunder = await data(parties.funder.token, HISTORY, { id: globalId('Receivable', receivable.id) });
    const seenByRival = await data(rival.token, HISTORY, { id: globalId('Receivable', receivable.id) });
    const leaks = [
      ...[rivalParty.legalName, rivalParty.creditCode, rivalUser.displayName, declined.financingNumber, '授信审批未通过'].filter((secret) => JSON.stringify(seenByFunder).includes(secret)).map((secret) => `funder sees ${secret}`),
      ...[funderParty.legalName, current.financingNumber].filter((secret) => JSON.stringify(seenByRival).includes(secret)).map((secret) => `declined funder sees ${secret}`),
    ];
    expect(leaks).toEqual([]);
  });

  it("does not show a party's administrator the platform's users through a role change an operator proposed", async () => {
    const colleague = await createActor(db.prisma, { partyId: silentSupplier.partyId, userRoles: ['MAKER'] });
    const secondOperator = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['CHECKER'] });
    await proposeUserRoles(db.prisma, await actorOf(db.prisma, parties.admin), { userId: colleague.userId, roles: ['MAKER', 'CHECKER'] });
    // The supplier's own administrator looks at its own user.
    const seen = await data(silentSupplier.token, ROLE_CHANGES, { id: globalId('User', colleague.userId) });
    const platform = await db.prisma.party.findUniqueOrThrow({ where: { id: parties.admin.partyId } });
    const leaks = [parties.admin.email, secondOperator.email, platform.legalName].filter((secret) => JSON.stringify(seen).includes(secret));
    expect(leaks).toEqual([]);
  });

  it('does not send a funder that declined, by webhook, the id of the financing another funder took', async () => {
    const admin = await actorOf(db.prisma, parties.admin);
    const rival = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['ADMIN', 'MAKER', 'CHECKER'], legalName: '华润商业保理（深圳）有限公司' });
    await openPartyAccounts(db.prisma, { id: rival.partyId, roles: ['FUNDER'] });
    await db.prisma.webhookEndpoint.create({ data: { partyId: rival.partyId, url: 'https://erp.rival-funder.example/hooks', eventTypes: ['RECEIVABLE_UPDATED'], status: 'ACTIVE', secretCiphertext: sealWebhookSecret(newWebhookSecret()), createdByUserId: rival.userId } });
    const rivalProgram = await createProgram(db.prisma, admin, { name: '华润暗保理计划', funderCreditCode: rival.creditCode, coreCreditCode: parties.core.creditCode, currency: 'CNY', terms: { ...TEST_PROGRAM_TERMS, assignmentMode: 'SILENT' } });
    const { supplier, receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await enrollSupplier(db.prisma, admin, rivalProgram.id, supplier.creditCode);
    const { financing: declined } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: rivalProgram.id, amount: '50000.00', idempotencyKey: 'gaps-hook-rival' }, TEST_FINANCING_WINDOWS);
    await decideFinancing(db.prisma, declined.id, { kind: 'REJECT', reason: 'declined' }, as(rival), `gaps:${declined.id}:reject`);
    const { financing: current } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '50000.00', idempotencyKey: 'gaps-hook-current' }, TEST_FINANCING_WINDOWS);
    const DELIVERIES = `{ webhookDeliveries(first: 20) { totalCount edges { node { eventType payload } } } }`;
    // Once the relay has published the receivable's event of the second application, every
    // delivery of the events before it is written (a delivery is written with its event).
    let published = null;
    for (let tries = 0; tries < 40 && !published; tries += 1) {
      published = await db.prisma.domainEvent.findFirst({ where: { type: 'RECEIVABLE_UPDATED', financingId: current.id } });
      if (!published) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(published?.partyIds).toEqual(expect.not.arrayContaining([rival.partyId]));
    const seen = await data(rival.token, DELIVERIES, {});
    // Its own application and its own rejection; nothing of the financing that followed.
    const statuses = seen.edges.map((edge: Result) => JSON.parse(edge.node.payload).data.status);
    expect(statuses.sort()).toEqual(['CONFIRMED', 'FINANCING_PENDING']);
    expect(JSON.stringify(seen)).not.toContain(current.id);
  });

  it("tells a funder that declined the receivable's status and history as if no other funder had been asked, and the other funder the same of the first", async () => {
    const admin = await actorOf(db.prisma, parties.admin);
    const rival = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER', 'CHECKER'], legalName: '中关村科技租赁商业保理有限公司' });
    await openPartyAccounts(db.prisma, { id: rival.partyId, roles: ['FUNDER'] });
    const rivalProgram = await createProgram(db.prisma, admin, { name: '中关村暗保理计划', funderCreditCode: rival.creditCode, coreCreditCode: parties.core.creditCode, currency: 'CNY', terms: { ...TEST_PROGRAM_TERMS, assignmentMode: 'SILENT' } });
    const { supplier, receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await enrollSupplier(db.prisma, admin, rivalProgram.id, supplier.creditCode);
    const { financing: declined } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: rivalProgram.id, amount: '20000.00', idempotencyKey: 'gaps-status-rival' }, TEST_FINANCING_WINDOWS);
    await decideFinancing(db.prisma, declined.id, { kind: 'REJECT', reason: 'declined' }, as(rival), `gaps:${declined.id}:reject`);
    const { financing: current } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '20000.00', idempotencyKey: 'gaps-status-current' }, TEST_FINANCING_WINDOWS);
    const id = globalId('Receivable', receivable.id);
    const COUNT = `query ($status: [ReceivableStatus!]) { receivables(filter: { status: $status }) { totalCount } }`;
    const count = async (token: string, status: string) => (await data(token, COUNT, { status: [status] })).totalCount;

    const bySupplier = await data(supplier.token, HISTORY, { id });
    const byRival = await data(rival.token, HISTORY, { id });
    const byFunder = await data(parties.funder.token, HISTORY, { id });
    expect([bySupplier.status, byRival.status, byFunder.status]).toEqual(['FINANCING_PENDING', 'CONFIRMED', 'FINANCING_PENDING']);
    // Each funder reads the receivable's own rows and its own financing's, and no other's.
    const rows = (seen: Result) => seen.history.map((row: Result) => `${row.toStatus} ${row.reason ?? ''}`);
    const lifecycle = rows(bySupplier).filter((row: string) => !row.includes('financing FIN-'));
    expect(lifecycle.length).toBeGreaterThan(0);
    expect(rows(byRival)).toEqual([...lifecycle, `FINANCING_PENDING financing ${declined.financingNumber} applied for`, `CONFIRMED financing ${declined.financingNumber} rejected`]);
    expect(rows(byFunder)).toEqual([...lifecycle, `FINANCING_PENDING financing ${current.financingNumber} applied for`]);
    // The rival's lists count it as CONFIRMED, as the receivable looks to it.
    expect({ pending: await count(rival.token, 'FINANCING_PENDING'), confirmed: await count(rival.token, 'CONFIRMED') }).toEqual({ pending: 0, confirmed: 1 });
  });

  it("does not show a supplier the program's and the obligor's limits it is not shown in limits", async () => {
    const PROGRAM = `query ($id: ID!) { program(id: $id) { limits { edges { node { kind granted { amount } } } } terms { programLimit { amount } obligorLimit { amount } } termsHistory { edges { node { programLimit { amount } obligorLimit { amount } } } } } }`;
    const id = globalId('Program', parties.programId);
    const funderView = await data(parties.funder.token, PROGRAM, { id });
    const hidden = funderView.limits.edges.filter((edge: Result) => edge.node.kind !== 'SUPPLIER').map((edge: Result) => `${edge.node.kind} ${edge.node.granted.amount}`);
    const supplierView = await data(silentSupplier.token, PROGRAM, { id });
    expect(supplierView.limits.edges.map((edge: Result) => edge.node.kind)).toEqual(['SUPPLIER']);
    const leaks = hidden.filter((limit: string) => JSON.stringify(supplierView.terms).includes(`"${limit.split(' ')[1]}"`));
    expect(leaks).toEqual([]);
  });

  it("does not show a supplier the program's and the obligor's limits through its financing's terms or the terms' own id", async () => {
    const FINANCING = `query ($id: ID!) { financing(id: $id) { terms { id programLimit { amount } obligorLimit { amount } supplierLimit { amount } } } }`;
    const NODE = `query ($id: ID!) { node(id: $id) { ... on ProgramTerms { programLimit { amount } obligorLimit { amount } } } }`;
    const { terms } = await data(silentSupplier.token, FINANCING, { id: globalId('Financing', silentFinancingId) });
    expect(terms).toMatchObject({ programLimit: null, obligorLimit: null, supplierLimit: { amount: expect.any(String) } });
    expect(await data(silentSupplier.token, NODE, { id: terms.id })).toEqual({ programLimit: null, obligorLimit: null });
    // The funder that granted them still reads them there.
    const byFunder = (await data(parties.funder.token, FINANCING, { id: globalId('Financing', silentFinancingId) })).terms;
    expect(byFunder).toMatchObject({ programLimit: { amount: expect.any(String) }, obligorLimit: { amount: expect.any(String) } });
  });

  it("refuses a user another user's API key it may not see exactly as an unknown key", async () => {
    const viewer = await createActor(db.prisma, { partyId: silentSupplier.partyId, userRoles: ['VIEWER'] });
    const colleague = await createActor(db.prisma, { partyId: silentSupplier.partyId, userRoles: ['MAKER'] });
    const key = await db.prisma.apiKey.findFirstOrThrow({ where: { userId: colleague.userId } });
    const NODE = `query ($id: ID!) { node(id: $id) { id } }`;
    const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename ... on Error { code message } } }`;
    expect(await data(viewer.token, NODE, { id: globalId('ApiKey', key.id) })).toBeNull();
    const unknown = await data(viewer.token, REVOKE, { id: globalId('ApiKey', '00000000-0000-4000-8000-000000000001') });
    const colleagues = await data(viewer.token, REVOKE, { id: globalId('ApiKey', key.id) });
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).toBeNull();
    expect({ __typename: colleagues.__typename, code: colleagues.code }).toEqual({ __typename: unknown.__typename, code: unknown.code });
  });

  it('answers the registry check to the obligor as before the silent financing, once it is settled', async () => {
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: silentFinancingId }, include: { collectionAccount: true } });
    const owed = financing.principalOutstanding.plus(financing.interestOutstanding).plus(financing.feesOutstanding).plus(financing.penaltyOutstanding);
    await recordInboundCredit(db.prisma, {
      bankReference: `GAPS-REPAY-${financing.id}`,
      virtualAccountNumber: financing.collectionAccount!.virtualAccountNumber!,
      amount: owed.toFixed(2),
      currency: 'CNY',
      payerName: '深圳市华强精密电子有限公司',
      payerAccountNumber: '6222020200112233445',
      remittanceInformation: 'repayment',
      receivedAt: new Date(),
    });
    await allocateCollection(db.prisma, financing.id, `gaps:${financing.id}:allocation`);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: silentReceivableId } })).status).toBe('SETTLED');
    const seen = await data(parties.core.token, HISTORY, { id: globalId('Receivable', silentReceivableId) });
    expect(seen.status).toBe('CONFIRMED');
    const registry = await data(parties.core.token, REGISTRY, { code: parties.core.creditCode, ...invoice });
    expect(registry).toEqual(registryBefore);
  });
});
