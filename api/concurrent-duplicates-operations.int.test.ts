import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode, type PlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { ESCROW_ACCOUNT_NUMBER, statementCsv, statementDay } from '../test/support/authorization-world';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
import { createFinancingParties, disburseDirectly } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { escrowAccountIs } from '../test/support/escrow-account';

// Duplicate delivery over real HTTP of the operators' maker-checker mutations, the ones that
// move money by hand or decide what money parked in suspense becomes: each sent three times at
// once with one request id, then a fourth time (test/support/duplicate-delivery.ts). Every copy
// gets the same answer and the effect is counted where it lives: the proposals' rows, the
// ledger transactions under their idempotency keys.
//
// Covered here: proposeLedgerAdjustment, approveLedgerAdjustment, rejectLedgerAdjustment;
// proposeInboundExceptionResolution, approveInboundExceptionResolution (applied to an account,
// and written off), rejectInboundExceptionResolution; importBankStatement;
// proposeReconciliationItemResolution, approveReconciliationItemResolution,
// rejectReconciliationItemResolution; recordOfflineRepayment, approveOfflineRepayment,
// rejectOfflineRepayment.

const ERRORS = `... on WrongStateError { currentState } ... on Error { code message }`;
const ADJUSTMENT = `__typename ... on LedgerAdjustment { id status reason decisionNote transaction { id code } } ${ERRORS}`;
const PROPOSE_ADJUSTMENT = `mutation ($input: ProposeLedgerAdjustmentInput!) { proposeLedgerAdjustment(input: $input) { ${ADJUSTMENT} } }`;
const APPROVE_ADJUSTMENT = `mutation ($id: ID!, $note: String) { approveLedgerAdjustment(id: $id, note: $note) { ${ADJUSTMENT} } }`;
const REJECT_ADJUSTMENT = `mutation ($id: ID!, $note: String!) { rejectLedgerAdjustment(id: $id, note: $note) { ${ADJUSTMENT} } }`;
const EXCEPTION = `__typename ... on InboundException { id status proposalNote applyTo { id } resolution { id code } } ${ERRORS}`;
const PROPOSE_RESOLUTION = `mutation ($id: ID!, $input: ProposeInboundExceptionResolutionInput!) { proposeInboundExceptionResolution(id: $id, input: $input) { ${EXCEPTION} } }`;
const APPROVE_RESOLUTION = `mutation ($id: ID!) { approveInboundExceptionResolution(id: $id) { ${EXCEPTION} } }`;
const REJECT_RESOLUTION = `mutation ($id: ID!) { rejectInboundExceptionResolution(id: $id) { ${EXCEPTION} } }`;
// `importedBefore` is left out of the shared answer: a copy served after the first import is truthfully told it changed nothing.
const IMPORT_STATEMENT = `mutation ($input: ImportBankStatementInput!) { importBankStatement(input: $input) { __typename ... on ImportBankStatementResult { statement { id bankStatementId entryCount } } ... on Error { code message } } }`;
const ITEM = `__typename ... on ReconciliationItem { id status pendingResolution { kind proposedAt } resolution { status proposedAt transaction { id code } exception { id } } resolutions { status proposedAt } } ${ERRORS}`;
const OFFLINE = `__typename ... on OfflineRepayment { id status bankReference decidedAt matchedCredit { bankReference } } ${ERRORS}`;
const RECORD_OFFLINE = `mutation ($input: OfflineRepaymentInput!) { recordOfflineRepayment(input: $input) { ${OFFLINE} } }`;
const APPROVE_OFFLINE = `mutation ($id: ID!) { approveOfflineRepayment(id: $id) { ${OFFLINE} } }`;
const REJECT_OFFLINE = `mutation ($id: ID!) { rejectOfflineRepayment(id: $id) { ${OFFLINE} } }`;
const PROPOSE_ITEM = `mutation ($id: ID!, $input: ProposeReconciliationItemResolutionInput!) { proposeReconciliationItemResolution(id: $id, input: $input) { ${ITEM} } }`;
const APPROVE_ITEM = `mutation ($id: ID!) { approveReconciliationItemResolution(id: $id) { ${ITEM} } }`;
const REJECT_ITEM = `mutation ($id: ID!) { rejectReconciliationItemResolution(id: $id) { ${ITEM} } }`;

describe('operators’ maker-checker mutations delivered three times at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let platform: PlatformAccounts;
  let operatorMaker: TestActor;
  let operatorChecker: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    platform = await ensurePlatformAccounts(db.prisma);
    await escrowAccountIs(db.prisma, ESCROW_ACCOUNT_NUMBER);
    operatorMaker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
    operatorChecker = await createActor(db.prisma, { partyId: operatorMaker.partyId, userRoles: ['CHECKER'] });
  });

  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await api?.close();
    await db?.drop();
  });

  const { send, deliveredThrice } = duplicateDelivery(() => db.prisma, () => api);

  it('proposeLedgerAdjustment, approveLedgerAdjustment, rejectLedgerAdjustment: one proposal, one decision, one posting', async () => {
    const account = (view: { id: string }) => globalId('LedgerAccount', view.id);
    const proposal = (reason: string) => ({
      reason,
      entries: [
        { accountId: account(platform.ESCROW_BANK), direction: 'DEBIT', amount: '12.34', currency: 'CNY' },
        { accountId: account(platform.SUSPENSE), direction: 'CREDIT', amount: '12.34', currency: 'CNY' },
      ],
    });
    const approving = `长款挂账 ${randomUUID()}`;
    const proposed = await deliveredThrice(operatorMaker.token, PROPOSE_ADJUSTMENT, { input: proposal(approving) });
    expect(proposed).toMatchObject({ __typename: 'LedgerAdjustment', status: 'PENDING', reason: approving, transaction: null });
    expect(await db.prisma.ledgerAdjustment.count({ where: { reason: approving } })).toBe(1);

    const approved = await deliveredThrice(operatorChecker.token, APPROVE_ADJUSTMENT, { id: proposed.id, note: '核对银行流水' });
    expect(approved).toMatchObject({ __typename: 'LedgerAdjustment', id: proposed.id, status: 'APPROVED', transaction: { code: 'MANUAL_ADJUSTMENT' } });
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: `ledger-adjustment:${rowId(proposed.id)}` } })).toBe(1);
    expect(await db.prisma.ledgerEntry.count({ where: { transactionId: rowId(approved.transaction.id) } })).toBe(2);
    // Another request on the decided adjustment is still refused, and posts nothing.
    expect(await send(operatorChecker.token, APPROVE_ADJUSTMENT, { id: proposed.id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'APPROVED' });
    expect(await send(operatorChecker.token, REJECT_ADJUSTMENT, { id: proposed.id, note: '重复' })).toMatchObject({ __typename: 'WrongStateError', currentState: 'APPROVED' });

    const rejecting = `短款挂账 ${randomUUID()}`;
    const second = await send(operatorMaker.token, PROPOSE_ADJUSTMENT, { input: proposal(rejecting) });
    const rejected = await deliveredThrice(operatorChecker.token, REJECT_ADJUSTMENT, { id: second.id, note: '银行未见此笔' });
    expect(rejected).toMatchObject({ __typename: 'LedgerAdjustment', id: second.id, status: 'REJECTED', decisionNote: '银行未见此笔', transaction: null });
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: `ledger-adjustment:${rowId(second.id)}` } })).toBe(0);
  });

  it('proposeInboundExceptionResolution, approveInboundExceptionResolution, rejectInboundExceptionResolution: one proposal, one decision, the money moved once', async () => {
    const funder = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['ADMIN'] });
    await openPartyAccounts(db.prisma, { id: funder.partyId, roles: ['FUNDER'] });
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    const parked = async (amount: string) => {
      const line = { bankReference: `DUP-${randomUUID().slice(0, 12)}`, virtualAccountNumber: '1234567890123456789', amount, currency: 'CNY', payerName: '前海恒信', payerAccountNumber: '6222020200990011223', remittanceInformation: 'wrong number', receivedAt: new Date() };
      return globalId('InboundException', (await receiveInboundCredit(db.prisma, line)).exception!.id);
    };

    const applied = await parked('2500.00');
    const applyTo = { accountId: globalId('LedgerAccount', funding.id), note: '资金方充值填错账号' };
    expect(await deliveredThrice(operatorMaker.token, PROPOSE_RESOLUTION, { id: applied, input: applyTo })).toMatchObject({ __typename: 'InboundException', status: 'PROPOSED', applyTo: { id: applyTo.accountId } });
    const resolved = await deliveredThrice(operatorChecker.token, APPROVE_RESOLUTION, { id: applied });
    expect(resolved).toMatchObject({ __typename: 'InboundException', status: 'RESOLVED', resolution: { code: 'SUSPENSE_APPLIED' } });
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `inbound-exception:${rowId(applied)}:` } } })).toBe(1);
    expect((await getBalance(db.prisma, funding.id)).posted.toFixed(2)).toBe('2500.00');
    // Another request on the resolved exception is still refused.
    expect(await send(operatorChecker.token, APPROVE_RESOLUTION, { id: applied })).toMatchObject({ __typename: 'WrongStateError', currentState: 'RESOLVED' });
    expect(await send(operatorMaker.token, PROPOSE_RESOLUTION, { id: applied, input: applyTo })).toMatchObject({ __typename: 'WrongStateError', currentState: 'RESOLVED' });

    const writtenOff = await parked('0.07');
    expect(await deliveredThrice(operatorMaker.token, PROPOSE_RESOLUTION, { id: writtenOff, input: { writeOff: true, note: '无法识别付款人' } })).toMatchObject({ __typename: 'InboundException', status: 'PROPOSED' });
    expect(await deliveredThrice(operatorChecker.token, APPROVE_RESOLUTION, { id: writtenOff })).toMatchObject({ __typename: 'InboundException', status: 'RESOLVED', resolution: { code: 'WRITE_OFF' } });
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `inbound-exception:${rowId(writtenOff)}:` } } })).toBe(1);

    const rejected = await parked('10.00');
    await send(operatorMaker.token, PROPOSE_RESOLUTION, { id: rejected, input: { ...applyTo, note: 'perhaps the funder' } });
    expect(await deliveredThrice(operatorChecker.token, REJECT_RESOLUTION, { id: rejected })).toMatchObject({ __typename: 'InboundException', status: 'OPEN', proposalNote: null, resolution: null });
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `inbound-exception:${rowId(rejected)}:` } } })).toBe(0);
    // Rejected is open again: a new proposal (a new request) is taken.
    expect(await send(operatorMaker.token, PROPOSE_RESOLUTION, { id: rejected, input: applyTo })).toMatchObject({ __typename: 'InboundException', status: 'PROPOSED' });
  });

  it('importBankStatement, proposeReconciliationItemResolution, approveReconciliationItemResolution, rejectReconciliationItemResolution: one statement, one proposal, one decision, one posting', async () => {
    const content = statementCsv(statementDay());
    const imported = await deliveredThrice(operatorMaker.token, IMPORT_STATEMENT, { input: { format: 'CSV', content } });
    expect(imported).toMatchObject({ __typename: 'ImportBankStatementResult', statement: { entryCount: 1 } });
    expect(await db.prisma.bankStatement.count({ where: { bankStatementId: imported.statement.bankStatementId } })).toBe(1);
    const [item, ...others] = await db.prisma.reconciliationItem.findMany({ where: { outcome: 'BANK_ONLY' } });
    expect(others).toEqual([]);
    const id = globalId('ReconciliationItem', item!.id);
    const input = { kind: 'SUSPENSE', amount: '1234.56', note: '银行多记一笔来账' };

    const rejecting = await deliveredThrice(operatorMaker.token, PROPOSE_ITEM, { id, input });
    expect(rejecting).toMatchObject({ __typename: 'ReconciliationItem', pendingResolution: { kind: 'SUSPENSE' } });
    expect(await deliveredThrice(operatorChecker.token, REJECT_ITEM, { id })).toMatchObject({ __typename: 'ReconciliationItem', pendingResolution: null, resolutions: [{ status: 'REJECTED' }] });

    expect(await deliveredThrice(operatorMaker.token, PROPOSE_ITEM, { id, input })).toMatchObject({ __typename: 'ReconciliationItem', pendingResolution: { kind: 'SUSPENSE' } });
    const resolved = await deliveredThrice(operatorChecker.token, APPROVE_ITEM, { id });
    expect(resolved).toMatchObject({ __typename: 'ReconciliationItem', status: 'RESOLVED', resolution: { status: 'APPROVED', transaction: { code: 'RECONCILIATION_PARKED' } } });
    expect(await db.prisma.reconciliationResolution.count({ where: { itemId: item!.id } })).toBe(2);
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `reconciliation-item:${item!.id}:` } } })).toBe(1);
    expect(await db.prisma.inboundException.count({ where: { reason: 'RECONCILIATION' } })).toBe(1);
    // Another request on the resolved item is still refused.
    expect(await send(operatorMaker.token, PROPOSE_ITEM, { id, input })).toMatchObject({ __typename: expect.stringMatching(/Error$/) });
    expect(await send(operatorChecker.token, REJECT_ITEM, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'RESOLVED' });
  });

  it('recordOfflineRepayment, approveOfflineRepayment, rejectOfflineRepayment: one record, one decision', async () => {
    const disbursed = await disburseDirectly(db.prisma, await createFinancingParties(db.prisma), '800000.00');
    const record = (bankReference: string) => ({ input: { financingId: disbursed.financingGid, amount: '300000.00', bankReference, note: '核心企业线下电汇 paid by wire' } });
    const approving = `RCPT-${randomUUID().slice(0, 8)}`;
    const recorded = await deliveredThrice(operatorMaker.token, RECORD_OFFLINE, record(approving));
    expect(recorded).toMatchObject({ __typename: 'OfflineRepayment', status: 'PENDING', bankReference: approving });
    expect(await db.prisma.offlineRepayment.count({ where: { bankReference: approving } })).toBe(1);
    expect(await deliveredThrice(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'OfflineRepayment', id: recorded.id, status: 'APPROVED', matchedCredit: null });
    // A new request is still refused: another decision, or the same bank reference recorded again.
    expect(await send(operatorChecker.token, REJECT_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'APPROVED' });
    expect(await send(operatorMaker.token, RECORD_OFFLINE, record(approving))).toMatchObject({ __typename: 'ValidationError', code: 'DUPLICATE_BANK_REFERENCE' });

    const rejecting = await send(operatorMaker.token, RECORD_OFFLINE, record(`RCPT-${randomUUID().slice(0, 8)}`));
    expect(await deliveredThrice(operatorChecker.token, REJECT_OFFLINE, { id: rejecting.id })).toMatchObject({ __typename: 'OfflineRepayment', id: rejecting.id, status: 'REJECTED' });
    expect(await db.prisma.offlineRepayment.count({ where: { financingId: disbursed.financingId } })).toBe(2);
  });
});
