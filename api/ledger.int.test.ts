import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAccounts, openPartyAccounts, type PlatformAccounts } from '../prisma/stores/chart-of-accounts';
import type { LedgerAccountView } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { postTransaction } from '../prisma/stores/ledger/postings';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// The ledger through the API over real HTTP: who sees which accounts and entries, balances
// and paginated statements, the trial balance, and the one mutation that moves money (a
// manual adjustment, which needs a second operator).

type Result = Record<string, any>;

// Lookups answer the plain type (null when the object is not the caller's); every amount is Money.
const ACCOUNT_FIELDS = `__typename id code purpose currency virtualAccountNumber maskedVirtualAccountNumber ownerParty { id }
  balance { posted { amount currency } pending { amount currency } available { amount currency } debitsPosted { amount currency } creditsPosted { amount currency } }`;
const ACCOUNTS = `query ($filter: LedgerAccountFilter, $first: Int) { accounts(filter: $filter, first: $first) {
  edges { node { id code purpose ownerParty { id } } } pageInfo { hasNextPage } } }`;
const ACCOUNT = `query ($id: ID!) { account(id: $id) { ${ACCOUNT_FIELDS} } }`;
const STATEMENT = `query ($id: ID!, $from: DateTime!, $to: DateTime!, $first: Int, $after: String) { account(id: $id) {
  statement(from: $from, to: $to, first: $first, after: $after) { openingBalance { amount } closingBalance { amount }
    lines { code direction amount { amount } runningBalance { amount } } pageInfo { hasNextPage endCursor } } } }`;
const TRANSACTION = `query ($id: ID!) { ledgerTransaction(id: $id) { __typename id code metadata entries { account { id } direction amount { amount currency } } } }`;
/** Every line of the trial balance on one page: the test's ledger has far fewer accounts than a page holds. */
const TRIAL = `query { trialBalance { __typename balanced totalDebit { amount currency } totalCredit { amount currency } totalsByType { type debit { amount } credit { amount } }
  lines(first: 100) { edges { node { account { code } debit { amount } credit { amount } } } pageInfo { hasNextPage } } } }`;
const ADJUSTMENT_FIELDS = `__typename ... on LedgerAdjustment { id status reason maker { id } checker { id } decisionNote entries { account { id } direction amount { amount } }
  transaction { id code metadata entries { account { id } direction amount { amount } } } } ... on Error { code message }`;
const PROPOSE = `mutation ($input: ProposeLedgerAdjustmentInput!) { proposeLedgerAdjustment(input: $input) { ${ADJUSTMENT_FIELDS} } }`;
const APPROVE = `mutation ($id: ID!, $note: String) { approveLedgerAdjustment(id: $id, note: $note) { ${ADJUSTMENT_FIELDS} } }`;
const REJECT = `mutation ($id: ID!, $note: String!) { rejectLedgerAdjustment(id: $id, note: $note) { ${ADJUSTMENT_FIELDS} } }`;

describe('ledger API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let platform: PlatformAccounts;
  let maker: TestActor;
  let checker: TestActor;
  let makerAndChecker: TestActor;
  let supplier: TestActor;
  let otherSupplier: TestActor;
  let supplierAccount: LedgerAccountView;
  let otherSupplierAccount: LedgerAccountView;
  let sequence = 0;
  const day = (n: number) => new Date(Date.UTC(2026, 5, n, 2));
  /** The API's id of an account the test opened through the stores. */
  const accountId = (account: { id: string }) => globalId('LedgerAccount', account.id);
  const userId = (actor: TestActor) => globalId('User', actor.userId);

  async function gql(actor: TestActor, query: string, variables?: Record<string, unknown>): Promise<Result> {
    const response = await api.request<Result>(actor.token, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data as Result;
  }

  /** Money paid in from outside to a party's virtual account: bank receipt, then matched. */
  async function payIn(to: LedgerAccountView, amount: string, effectiveAt: Date): Promise<string> {
    sequence += 1;
    await postTransaction(db.prisma, {
      idempotencyKey: `api:receipt:${sequence}`,
      code: 'INBOUND_RECEIPT',
      effectiveAt,
      entries: [
        { accountId: platform.ESCROW_BANK.id, direction: 'DEBIT', amount, currency: 'CNY' },
        { accountId: platform.INBOUND_CLEARING.id, direction: 'CREDIT', amount, currency: 'CNY' },
      ],
    });
    const matched = await postTransaction(db.prisma, {
      idempotencyKey: `api:match:${sequence}`,
      code: 'INBOUND_MATCHED',
      effectiveAt,
      entries: [
        { accountId: platform.INBOUND_CLEARING.id, direction: 'DEBIT', amount, currency: 'CNY' },
        { accountId: to.id, direction: 'CREDIT', amount, currency: 'CNY' },
      ],
    });
    return matched.transactionId;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    platform = await ensurePlatformAccounts(db.prisma);
    maker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
    checker = await createActor(db.prisma, { partyId: maker.partyId, userRoles: ['CHECKER'] });
    makerAndChecker = await createActor(db.prisma, { partyId: maker.partyId, userRoles: ['MAKER', 'CHECKER'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
    otherSupplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    [supplierAccount] = (await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] })) as [LedgerAccountView];
    [otherSupplierAccount] = (await openPartyAccounts(db.prisma, { id: otherSupplier.partyId, roles: ['SUPPLIER'] })) as [LedgerAccountView];
    await payIn(supplierAccount, '1000.00', day(1));
    for (let index = 1; index <= 4; index += 1) await payIn(supplierAccount, `${index}00.00`, day(10 + index));
    await payIn(otherSupplierAccount, '55.00', day(2));
  });

  afterAll(async () => {
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await api.close();
    await db.drop();
  });

  it('shows a party its own accounts only; operators see every account, the platform’s included', async () => {
    const own = await gql(supplier, ACCOUNTS);
    expect(own.accounts.edges.map((edge: Result) => edge.node.id)).toEqual([accountId(supplierAccount)]);
    // A party cannot widen its view with the operators' filters.
    const widened = await gql(supplier, ACCOUNTS, { filter: { ownerPartyId: globalId('Party', otherSupplier.partyId) } });
    expect(widened.accounts.edges.map((edge: Result) => edge.node.id)).toEqual([accountId(supplierAccount)]);

    const all = await gql(maker, ACCOUNTS, { first: 100 });
    const ids = all.accounts.edges.map((edge: Result) => edge.node.id);
    expect(all.accounts.pageInfo.hasNextPage).toBe(false);
    expect(ids).toEqual(expect.arrayContaining([accountId(supplierAccount), accountId(otherSupplierAccount), accountId(platform.ESCROW_BANK)]));
    const platformOnly = await gql(maker, ACCOUNTS, { filter: { platformOnly: true }, first: 100 });
    expect(platformOnly.accounts.edges.every((edge: Result) => edge.node.ownerParty === null)).toBe(true);
    expect(platformOnly.accounts.edges.map((edge: Result) => edge.node.purpose)).toEqual(expect.arrayContaining(['ESCROW_BANK', 'SUSPENSE', 'FEE_INCOME']));
  });

  it('gives the owner its balances and full account number; another party gets null, as for an account that does not exist', async () => {
    const own = (await gql(supplier, ACCOUNT, { id: accountId(supplierAccount) })).account;
    expect(own.__typename).toBe('LedgerAccount');
    const cny = (amount: string) => ({ amount, currency: 'CNY' });
    expect(own.balance).toEqual({ posted: cny('2000.00'), pending: cny('2000.00'), available: cny('2000.00'), debitsPosted: cny('0.00'), creditsPosted: cny('2000.00') });
    expect(own.virtualAccountNumber).toBe(supplierAccount.virtualAccountNumber);
    expect(own.maskedVirtualAccountNumber).toMatch(/^\d{4} \*{4} \*{4} \*{3}\d \d{3}$/);

    const foreign = (await gql(otherSupplier, ACCOUNT, { id: accountId(supplierAccount) })).account;
    expect(foreign).toBeNull();
    const platformAccount = (await gql(supplier, ACCOUNT, { id: accountId(platform.ESCROW_BANK) })).account;
    expect(platformAccount).toBeNull();
    expect((await gql(supplier, ACCOUNT, { id: globalId('LedgerAccount', '00000000-0000-4000-8000-000000000000') })).account).toBeNull();
    expect((await gql(maker, ACCOUNT, { id: accountId(platform.ESCROW_BANK) })).account.balance.posted).toEqual(cny('2055.00'));
  });

  it('pages through a statement with running balances', async () => {
    const variables = { id: accountId(supplierAccount), from: day(5).toISOString(), to: day(30).toISOString(), first: 3 };
    const first = (await gql(supplier, STATEMENT, variables)).account.statement;
    expect(first).toMatchObject({ openingBalance: { amount: '1000.00' }, closingBalance: { amount: '2000.00' } });
    expect(first.lines.map((line: Result) => line.runningBalance.amount)).toEqual(['1100.00', '1300.00', '1600.00']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await gql(supplier, STATEMENT, { ...variables, after: first.pageInfo.endCursor })).account.statement;
    expect(second.lines).toEqual([{ code: 'INBOUND_MATCHED', direction: 'CREDIT', amount: { amount: '400.00' }, runningBalance: { amount: '2000.00' } }]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    // A page larger than a statement allows is bad input to a query: a GraphQL error, not a statement.
    const tooMany = await api.request<Result>(supplier.token, STATEMENT, { ...variables, first: 100_000 });
    expect(tooMany.data).toEqual({ account: null });
    expect(tooMany.errors).toEqual([
      expect.objectContaining({ path: ['account', 'statement'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path: ['first'] })] }) }),
    ]);
  });

  it('shows a transaction to a party only through its own entries', async () => {
    const transactionId = await payIn(supplierAccount, '1.00', new Date());
    const id = globalId('LedgerTransaction', transactionId);
    const asSupplier = (await gql(supplier, TRANSACTION, { id })).ledgerTransaction;
    expect(asSupplier.entries).toEqual([{ account: { id: accountId(supplierAccount) }, direction: 'CREDIT', amount: { amount: '1.00', currency: 'CNY' } }]);
    expect((await gql(otherSupplier, TRANSACTION, { id })).ledgerTransaction).toBeNull();
    const asOperator = (await gql(maker, TRANSACTION, { id })).ledgerTransaction;
    expect(asOperator.entries).toHaveLength(2);
  });

  it('gives the trial balance to operators only, balanced', async () => {
    // A query the role may never use is refused as a whole: a GraphQL error, and no trial balance.
    const refused = await api.request<Result>(supplier.token, TRIAL);
    expect(refused.data).toEqual({ trialBalance: null });
    expect(refused.errors).toEqual([expect.objectContaining({ path: ['trialBalance'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    const trial = (await gql(maker, TRIAL)).trialBalance;
    expect(trial.balanced).toBe(true);
    expect(trial.totalDebit).toEqual(trial.totalCredit);
    expect(trial.lines.pageInfo.hasNextPage).toBe(false);
    const lines = trial.lines.edges.map((edge: Result) => edge.node);
    expect(lines.find((line: Result) => line.account.code === platform.ESCROW_BANK.code)).toMatchObject({ debit: { amount: '2056.00' }, credit: { amount: '0.00' } });
  });

  it('moves money by hand only with a second operator: propose, refuse self-approval, approve, post once', async () => {
    const entries = [
      { accountId: accountId(platform.SUSPENSE), direction: 'DEBIT', amount: '10.50', currency: 'CNY' },
      { accountId: accountId(supplierAccount), direction: 'CREDIT', amount: '10.50', currency: 'CNY' },
    ];
    const input = { reason: '长款退回: bank credit matched by hand', entries };
    expect((await gql(supplier, PROPOSE, { input })).proposeLedgerAdjustment.__typename).toBe('ForbiddenError');
    expect((await gql(checker, PROPOSE, { input })).proposeLedgerAdjustment.__typename).toBe('ForbiddenError');
    const unbalanced = (await gql(maker, PROPOSE, { input: { ...input, entries: [entries[0], { ...entries[1], amount: '10.49' }] } })).proposeLedgerAdjustment;
    expect(unbalanced).toMatchObject({ __typename: 'ValidationError', code: 'TRANSACTION_UNBALANCED' });

    const proposed = (await gql(makerAndChecker, PROPOSE, { input })).proposeLedgerAdjustment;
    expect(proposed).toMatchObject({ status: 'PENDING', maker: { id: userId(makerAndChecker) }, checker: null, transaction: null });
    expect((await gql(makerAndChecker, APPROVE, { id: proposed.id })).approveLedgerAdjustment).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect((await gql(maker, APPROVE, { id: proposed.id })).approveLedgerAdjustment.__typename).toBe('ForbiddenError');
    expect((await gql(supplier, ACCOUNT, { id: accountId(supplierAccount) })).account.balance.posted.amount).toBe('2001.00');

    const approved = (await gql(checker, APPROVE, { id: proposed.id, note: 'checked against the bank statement' })).approveLedgerAdjustment;
    expect(approved).toMatchObject({ status: 'APPROVED', checker: { id: userId(checker) }, decisionNote: 'checked against the bank statement' });
    expect(approved.transaction.code).toBe('MANUAL_ADJUSTMENT');
    // The metadata is the ledger's own record, with the rows' ids.
    expect(JSON.parse(approved.transaction.metadata)).toEqual({ adjustmentId: rowId(proposed.id), makerUserId: makerAndChecker.userId, checkerUserId: checker.userId });
    expect((await gql(supplier, ACCOUNT, { id: accountId(supplierAccount) })).account.balance.posted.amount).toBe('2011.50');

    // Decided once: approving again is a wrong state, and posts nothing.
    expect((await gql(checker, APPROVE, { id: proposed.id })).approveLedgerAdjustment).toMatchObject({ __typename: 'WrongStateError', code: 'WRONG_STATE' });
    expect((await gql(supplier, ACCOUNT, { id: accountId(supplierAccount) })).account.balance.posted.amount).toBe('2011.50');
  });

  it('rejects an adjustment without moving money; an approval that would overdraw stays pending', async () => {
    const overdraw = {
      reason: 'would overdraw the supplier',
      entries: [
        { accountId: accountId(otherSupplierAccount), direction: 'DEBIT', amount: '55.01', currency: 'CNY' },
        { accountId: accountId(platform.SUSPENSE), direction: 'CREDIT', amount: '55.01', currency: 'CNY' },
      ],
    };
    const proposed = (await gql(maker, PROPOSE, { input: overdraw })).proposeLedgerAdjustment;
    expect((await gql(checker, APPROVE, { id: proposed.id })).approveLedgerAdjustment).toMatchObject({ __typename: 'LimitExceededError', code: 'EXCEEDS_AVAILABLE_BALANCE' });
    const rejected = (await gql(checker, REJECT, { id: proposed.id, note: 'the supplier does not hold that much' })).rejectLedgerAdjustment;
    expect(rejected).toMatchObject({ status: 'REJECTED', transaction: null, checker: { id: userId(checker) } });
    expect((await gql(otherSupplier, ACCOUNT, { id: accountId(otherSupplierAccount) })).account.balance.posted.amount).toBe('55.00');
  });

  it('has no other mutation that moves money', async () => {
    const response = await api.request<Result>(maker.token, '{ __schema { mutationType { fields { name } } } }');
    const names: string[] = response.data?.__schema.mutationType.fields.map((field: Result) => field.name) ?? [];
    // A voucher transfer moves a claim on a core enterprise in the memo book, never money; its
    // certificate, rendered again by an operator, moves nothing at all.
    const voucherTransfers = ['acceptVoucherTransfer', 'approveVoucherTransfer', 'cancelVoucherTransfer', 'proposeVoucherTransfer', 'refuseVoucherTransfer', 'rejectVoucherTransfer', 'renderTransferCertificate'];
    expect(names.filter((name) => /ledger|hold|posting|transfer|balance/i.test(name)).sort()).toEqual(['approveLedgerAdjustment', 'proposeLedgerAdjustment', 'rejectLedgerAdjustment', ...voucherTransfers].sort());
  });
});
