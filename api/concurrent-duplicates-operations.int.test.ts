import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAccounts, type PlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// Duplicate delivery over real HTTP of the operators' maker-checker mutations, the ones that
// move money by hand or decide what money parked in suspense becomes: each sent three times at
// once with one request id, then a fourth time (test/support/duplicate-delivery.ts). Every copy
// gets the same answer and the effect is counted where it lives: the proposals' rows, the
// ledger transactions under their idempotency keys.
//
// Covered here: proposeLedgerAdjustment, approveLedgerAdjustment, rejectLedgerAdjustment.

const ERRORS = `... on WrongStateError { currentState } ... on Error { code message }`;
const ADJUSTMENT = `__typename ... on LedgerAdjustment { id status reason decisionNote transaction { id code } } ${ERRORS}`;
const PROPOSE_ADJUSTMENT = `mutation ($input: ProposeLedgerAdjustmentInput!) { proposeLedgerAdjustment(input: $input) { ${ADJUSTMENT} } }`;
const APPROVE_ADJUSTMENT = `mutation ($id: ID!, $note: String) { approveLedgerAdjustment(id: $id, note: $note) { ${ADJUSTMENT} } }`;
const REJECT_ADJUSTMENT = `mutation ($id: ID!, $note: String!) { rejectLedgerAdjustment(id: $id, note: $note) { ${ADJUSTMENT} } }`;

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

});
