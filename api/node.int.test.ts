import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding } from '../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { proposeOfflineRepayment } from '../prisma/stores/offline-receipt-store';
import { proposeAdjustment } from '../prisma/stores/ledger-adjustment-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { allocateCollection } from '../prisma/stores/servicing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';

// Global object identification (Relay's Node), scoped like every other read: node(id) finds an
// object for whoever may see it through any other field, and answers null to everyone else,
// exactly as for an id that does not exist. One object of every Node type, asked for by its
// owner, by another party, and by an operator.

type Who = 'owner' | 'outsider' | 'operator' | 'obligor';

interface Case {
  typename: string;
  rowId: string;
  /** Who must find it; the others get null. */
  seenBy: Who[];
}

const NODE = `query ($id: ID!) { node(id: $id) { __typename id } }`;
const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;

describe('node(id) and nodes(ids)', () => {
  let db: TestDatabase;
  let api: TestApi;
  const actors = {} as Record<Who, TestActor>;
  let cases: Case[];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    actors.owner = supplier;
    actors.outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    actors.operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'] });
    actors.obligor = parties.core;
    const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });

    // A silent financing taken to disbursement and one repayment, the way its workflow would.
    const bankAccount = await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '招商银行深圳分行' });
    const { financing } = await applyForFinancing(db.prisma, await actorOf(db.prisma, supplier), { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: 'node-test' }, TEST_FINANCING_WINDOWS);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), 'node:approve');
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), 'node:confirm');
    const vanOf = async (code: string) => (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
    const credit = (bankReference: string, virtualAccountNumber: string, amount: string) =>
      recordInboundCredit(db.prisma, { bankReference, virtualAccountNumber, amount, currency: 'CNY', payerName: 'payer', payerAccountNumber: '6222000011112222', remittanceInformation: 'test', receivedAt: new Date() });
    await credit('NODE-TOPUP', await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), '800000.00');
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    const payout = await disburse(db.prisma, financing.id);
    const collected = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id }, include: { collectionAccount: true } });
    const inbound = await credit('NODE-REPAY', collected.collectionAccount!.virtualAccountNumber!, '100000.00');
    const allocation = await allocateCollection(db.prisma, financing.id, 'node:allocation');
    const parked = await credit('NODE-UNKNOWN', '1234567890123456789', '10.00');
    const operator = await actorOf(db.prisma, actors.operator);
    const offline = await proposeOfflineRepayment(db.prisma, operator, { financingId: financing.id, amount: '1.00', bankReference: 'NODE-OFFLINE', note: 'received at the branch' });
    const supplierSettlement = (await findAccountByCode(db.prisma, partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!;
    const funderFunding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    const adjustment = await proposeAdjustment(db.prisma, operator, {
      reason: 'correction',
      entries: [
        { accountId: supplierSettlement.id, direction: 'DEBIT', amount: '1.00', currency: 'CNY' },
        { accountId: funderFunding.id, direction: 'CREDIT', amount: '1.00', currency: 'CNY' },
      ],
    });
    const document = await db.prisma.document.create({ data: { kind: 'FINANCING_TERMS', financingId: financing.id, fileName: 'terms.pdf', contentType: 'application/pdf', sha256: 'ab'.repeat(32), sizeBytes: 4, content: new Uint8Array([37, 80, 68, 70]) } });
    const notification = await db.prisma.notification.create({ data: { partyId: supplier.partyId, kind: 'FINANCING_DISBURSED', subject: 's', body: 'b', financingId: financing.id, dedupeKey: 'node-test' } });
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: supplier.userId }, include: { apiKeys: true } });
    const terms = await db.prisma.programTerms.findFirstOrThrow({ where: { programId: parties.programId } });
    const disbursement = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });

    const supplierSide: Who[] = ['owner', 'operator'];
    cases = [
      { typename: 'Party', rowId: supplier.partyId, seenBy: supplierSide },
      { typename: 'User', rowId: supplier.userId, seenBy: supplierSide },
      { typename: 'ApiKey', rowId: user.apiKeys[0]!.id, seenBy: supplierSide },
      // The core enterprise owes the receivable, so it sees it; a silent financing it must not see.
      { typename: 'Receivable', rowId: receivable.id, seenBy: ['owner', 'operator', 'obligor'] },
      { typename: 'Financing', rowId: financing.id, seenBy: supplierSide },
      { typename: 'Program', rowId: parties.programId, seenBy: ['owner', 'operator', 'obligor'] },
      { typename: 'ProgramTerms', rowId: terms.id, seenBy: ['owner', 'operator', 'obligor'] },
      { typename: 'LedgerAccount', rowId: supplierSettlement.id, seenBy: supplierSide },
      { typename: 'LedgerTransaction', rowId: disbursement.disbursementTransactionId!, seenBy: supplierSide },
      { typename: 'Payout', rowId: payout!.id, seenBy: supplierSide },
      { typename: 'RepaymentAllocation', rowId: allocation!.id, seenBy: supplierSide },
      { typename: 'Document', rowId: document.id, seenBy: supplierSide },
      { typename: 'PartyBankAccount', rowId: bankAccount.id, seenBy: supplierSide },
      { typename: 'InboundCredit', rowId: inbound.credit.id, seenBy: ['operator'] },
      { typename: 'OfflineRepayment', rowId: offline.id, seenBy: ['operator'] },
      { typename: 'InboundException', rowId: parked.exception!.id, seenBy: ['operator'] },
      { typename: 'LedgerAdjustment', rowId: adjustment.id, seenBy: ['operator'] },
      // An inbox is its own party's only, operators' included.
      { typename: 'Notification', rowId: notification.id, seenBy: ['owner'] },
    ];
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('finds every kind of object for whoever may see it, and null for everyone else', async () => {
    const answers: string[] = [];
    for (const { typename, rowId } of cases) {
      const id = globalId(typename, rowId);
      for (const who of ['owner', 'outsider', 'operator', 'obligor'] as const) {
        const response = await api.request<{ node: { __typename: string; id: string } | null }>(actors[who].token, NODE, { id });
        expect(response.errors, `${typename} as ${who}`).toBeUndefined();
        const found = response.data!.node;
        answers.push(`${typename} as ${who}: ${found ? `${found.__typename}` : 'null'}`);
        if (found) expect(found.id).toBe(id);
      }
    }
    const expected = cases.flatMap(({ typename, seenBy }) => (['owner', 'outsider', 'operator', 'obligor'] as const).map((who) => `${typename} as ${who}: ${seenBy.includes(who) ? typename : 'null'}`));
    expect(answers).toEqual(expected);
  });

  it('answers nodes(ids) in order, null for what the caller may not see', async () => {
    const financing = cases.find((item) => item.typename === 'Financing')!;
    const party = cases.find((item) => item.typename === 'Party')!;
    const ids = [globalId('Financing', financing.rowId), globalId('Party', actors.outsider.partyId), globalId('Party', party.rowId)];
    const response = await api.request<{ nodes: Array<{ __typename: string; id: string } | null> }>(actors.owner.token, NODES, { ids });
    expect(response.data!.nodes).toEqual([{ __typename: 'Financing', id: ids[0] }, null, { __typename: 'Party', id: ids[2] }]);
  });

  it('refuses more ids than a page holds', async () => {
    const ids = Array.from({ length: 101 }, () => globalId('Party', actors.owner.partyId));
    const response = await api.request(actors.owner.token, NODES, { ids });
    expect(response.data).toEqual({ nodes: null });
    expect(response.errors?.[0]).toMatchObject({ path: ['nodes'], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('answers an id that does not exist exactly like one that is not yours', async () => {
    const missing = globalId('Financing', '00000000-0000-4000-8000-000000000000');
    const financing = globalId('Financing', cases.find((item) => item.typename === 'Financing')!.rowId);
    const byNode = await api.request<{ node: null }>(actors.outsider.token, NODE, { id: missing });
    const notYours = await api.request<{ node: null }>(actors.outsider.token, NODE, { id: financing });
    expect(byNode).toMatchObject({ status: 200, data: { node: null } });
    expect(notYours).toMatchObject({ status: 200, data: { node: null } });
    expect(byNode.errors).toBeUndefined();
    expect(notYours.errors).toBeUndefined();
  });

  it('refuses an id it never gave out, or one naming another type, as BAD_USER_INPUT', async () => {
    const party = globalId('Party', actors.owner.partyId);
    for (const id of ['not-an-id', Buffer.from('Financing:42').toString('base64url'), '00000000-0000-4000-8000-000000000000']) {
      const response = await api.request(actors.owner.token, NODE, { id });
      expect(response.errors?.[0]?.extensions, id).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    const wrongType = await api.request(actors.owner.token, `query ($id: ID!) { financing(id: $id) { id } }`, { id: party });
    expect(wrongType.errors?.[0]).toMatchObject({ path: ['financing'], extensions: { code: 'BAD_USER_INPUT' } });
  });
});
