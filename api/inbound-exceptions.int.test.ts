import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// The operators' queue of bank credits parked in suspense, over real HTTP: a connection, oldest
// first, for platform operators only.

const EXCEPTIONS = `query ($first: Int, $after: String, $status: InboundExceptionStatus) {
  inboundExceptions(first: $first, after: $after, status: $status) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id bankReference reason detail status virtualAccountNumber amount { amount currency } payerName payerAccount receivedAt credit { outcome } financing { id } } }
  } }`;

describe('inboundExceptions', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;
  let supplier: TestActor;
  const ids: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['VIEWER'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    await ensurePlatformAccounts(db.prisma);
    const line = { virtualAccountNumber: '1234567890123456789', payerName: '广州云海', payerAccountNumber: '6222020200990011223', remittanceInformation: 'invoice 42', receivedAt: new Date('2026-12-01T02:00:00Z') };
    ids.push((await receiveInboundCredit(db.prisma, { ...line, bankReference: 'EXC-1', amount: '88.80', currency: 'CNY' })).exception!.id);
    ids.push((await receiveInboundCredit(db.prisma, { ...line, bankReference: 'EXC-2', amount: '5.00', currency: 'GBP' })).exception!.id);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('lists the parked credits for an operator, oldest first, with their bank lines', async () => {
    const first = await api.call(operator.token, EXCEPTIONS, { first: 1 });
    expect(first).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    expect(first.edges.map((edge: any) => edge.node)).toEqual([
      {
        id: globalId('InboundException', ids[0]!),
        bankReference: 'EXC-1',
        reason: 'UNKNOWN_ACCOUNT',
        detail: 'no virtual account has the number 1234567890123456789',
        status: 'OPEN',
        virtualAccountNumber: '1234567890123456789',
        amount: { amount: '88.80', currency: 'CNY' },
        payerName: '广州云海',
        payerAccount: '**** 1223',
        receivedAt: '2026-12-01T02:00:00.000Z',
        credit: { outcome: 'SUSPENSE' },
        financing: null,
      },
    ]);
    const rest = await api.call(operator.token, EXCEPTIONS, { first: 1, after: first.pageInfo.endCursor, status: 'OPEN' });
    expect(rest.edges.map((edge: any) => [edge.node.bankReference, edge.node.reason, edge.node.amount, edge.node.credit])).toEqual([['EXC-2', 'NOT_BOOKABLE', { amount: '5', currency: 'GBP' }, null]]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(await api.call(operator.token, EXCEPTIONS, { status: 'RESOLVED' })).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('is refused to every other party, and their node(id) answers null', async () => {
    const refused = await api.request(supplier.token, EXCEPTIONS, {});
    expect(refused.data).toEqual({ inboundExceptions: null });
    expect(refused.errors).toEqual([expect.objectContaining({ path: ['inboundExceptions'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    const node = await api.request(supplier.token, `query ($id: ID!) { node(id: $id) { id } }`, { id: globalId('InboundException', ids[0]!) });
    expect(node.data).toEqual({ node: null });
  });

  describe('resolving one with four eyes', () => {
    const RESULT = `__typename ... on InboundException { id status applyTo { id code } proposalNote proposedAt resolvedAt resolution { code entries { direction amount { amount currency } } } } ... on Error { code message } ... on WrongStateError { currentState }`;
    const PROPOSE = `mutation ($id: ID!, $input: ProposeInboundExceptionResolutionInput!) { proposeInboundExceptionResolution(id: $id, input: $input) { ${RESULT} } }`;
    const APPROVE = `mutation ($id: ID!) { approveInboundExceptionResolution(id: $id) { ${RESULT} } }`;
    const REJECT = `mutation ($id: ID!) { rejectInboundExceptionResolution(id: $id) { ${RESULT} } }`;
    let maker: TestActor;
    let checker: TestActor;
    let funder: TestActor;
    let fundingCode: string;

    beforeAll(async () => {
      maker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER'] });
      checker = await createActor(db.prisma, { partyId: maker.partyId, userRoles: ['CHECKER'] });
      funder = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['ADMIN'] });
      await openPartyAccounts(db.prisma, { id: funder.partyId, roles: ['FUNDER'] });
      fundingCode = partyAccountCode(funder.partyId, 'FUNDER_FUNDING', 'CNY');
    });

    const posted = async (code: string) => (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
    const accountId = async (code: string) => globalId('LedgerAccount', (await findAccountByCode(db.prisma, code))!.id);
    const parked = async (bankReference: string, amount: string) =>
      globalId('InboundException', (await receiveInboundCredit(db.prisma, { bankReference, virtualAccountNumber: '1234567890123456789', amount, currency: 'CNY', payerName: '前海恒信', payerAccountNumber: '6222020200990011223', remittanceInformation: 'wrong number', receivedAt: new Date() })).exception!.id);

    it('moves the money to the account one operator named only once another approves, and only once', async () => {
      const id = await parked('EXC-APPLY', '250000.00');
      const input = { accountId: await accountId(fundingCode), note: '资金方充值填错账号 the funder mistyped its top-up number' };
      const suspense = await posted(platformAccountCode('SUSPENSE', 'CNY'));
      expect(await api.call(supplier.token, PROPOSE, { id, input })).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await api.call(checker.token, PROPOSE, { id, input })).toMatchObject({ __typename: 'ForbiddenError' });
      const proposed = await api.call(maker.token, PROPOSE, { id, input });
      expect(proposed).toMatchObject({ __typename: 'InboundException', status: 'PROPOSED', applyTo: { id: input.accountId, code: fundingCode }, proposalNote: input.note, resolvedAt: null, resolution: null });
      expect(await api.call(maker.token, PROPOSE, { id, input })).toMatchObject({ __typename: 'WrongStateError', currentState: 'PROPOSED' });
      // Proposed is not moved.
      expect(await posted(fundingCode)).toBe('0.00');
      expect(await api.call(maker.token, APPROVE, { id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
      expect(await api.call(supplier.token, APPROVE, { id })).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect(await posted(fundingCode)).toBe('0.00');

      const approved = await api.call(checker.token, APPROVE, { id });
      expect(approved).toMatchObject({
        __typename: 'InboundException',
        status: 'RESOLVED',
        resolvedAt: expect.any(String),
        resolution: { code: 'SUSPENSE_APPLIED', entries: [{ direction: 'DEBIT', amount: { amount: '250000.00', currency: 'CNY' } }, { direction: 'CREDIT', amount: { amount: '250000.00', currency: 'CNY' } }] },
      });
      expect(await posted(fundingCode)).toBe('250000.00');
      expect(await posted(platformAccountCode('SUSPENSE', 'CNY'))).toBe((Number(suspense) - 250000).toFixed(2));
      expect(await api.call(checker.token, APPROVE, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'RESOLVED' });
      expect(await api.call(checker.token, REJECT, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'RESOLVED' });
      expect(await posted(fundingCode)).toBe('250000.00');
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    });

    it('leaves the money parked when the checker rejects, and refuses what cannot take it', async () => {
      const id = await parked('EXC-REJECT', '10.00');
      const suspense = await posted(platformAccountCode('SUSPENSE', 'CNY'));
      const wrongAccounts: Array<[string, string, Record<string, unknown>]> = [
        ['the platform\'s fee income', platformAccountCode('FEE_INCOME', 'CNY'), { __typename: 'ValidationError' }],
        ['suspense itself', platformAccountCode('SUSPENSE', 'CNY'), { __typename: 'ValidationError' }],
      ];
      for (const [name, code, expected] of wrongAccounts) expect(await api.call(maker.token, PROPOSE, { id, input: { accountId: await accountId(code), note: 'x' } }), name).toMatchObject(expected);
      const unbookable = ids[1]!;
      expect(await api.call(maker.token, PROPOSE, { id: globalId('InboundException', unbookable), input: { accountId: await accountId(fundingCode), note: 'x' } })).toMatchObject({ __typename: 'WrongStateError', currentState: 'OPEN' });

      await api.call(maker.token, PROPOSE, { id, input: { accountId: await accountId(fundingCode), note: 'perhaps the funder' } });
      expect(await api.call(checker.token, REJECT, { id })).toMatchObject({ __typename: 'InboundException', status: 'OPEN', applyTo: null, proposalNote: null, proposedAt: null });
      expect(await posted(platformAccountCode('SUSPENSE', 'CNY'))).toBe(suspense);
      expect(await api.call(checker.token, APPROVE, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'OPEN' });
    });
  });
});
