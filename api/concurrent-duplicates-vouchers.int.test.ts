import { randomUUID } from 'node:crypto';
import DecimalJs from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { uniqueInvoiceNumber } from '../test/support/receivables';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Duplicate delivery over real HTTP of the voucher mutations: each sent three times at once with
// one idempotency key and one request id, then a fourth time (test/support/duplicate-delivery.ts).
// The effect is counted where it lives: one voucher, part and transfer per request, one hold per
// transfer, resolved once, and the parts of a voucher adding up to its amount in the memo book.
//
// Covered here: issueVoucher, approveVoucherTransfer, acceptVoucherTransfer (of an issue and of a
// transfer), refuseVoucherTransfer (of an issue and of a transfer), proposeVoucherTransfer,
// rejectVoucherTransfer, cancelVoucherTransfer, applyForVoucherFinancing. An issue is decided by
// the transfer mutations: there are no others.

const ERRORS = `... on WrongStateError { currentState } ... on Error { code message }`;
const TRANSFER = `__typename ... on VoucherTransfer { id transferNumber status amount { amount currency } toPart { id } } ${ERRORS}`;
const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id voucherNumber status amount { amount currency } parts { id } } ... on Error { code message } } }`;
const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) { ${TRANSFER} } }`;
const DECIDE = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${TRANSFER} } }`;
const DECIDE_WITH_REASON = (name: string) => `mutation ($id: ID!, $reason: String!) { ${name}(id: $id, reason: $reason) { ${TRANSFER} } }`;
// The financing moves on while its workflow runs: the copies' answers are compared on what names it.
const APPLY = `mutation ($input: ApplyForVoucherFinancingInput!) { applyForVoucherFinancing(input: $input) { __typename ... on Financing { id financingNumber principal { amount currency } receivable { id faceAmount { amount } } } ${ERRORS} } }`;

describe('voucher mutations delivered three times at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let coreChecker: TestActor;
  let tier1: TestActor;
  let tier1Checker: TestActor;
  let tier2: TestActor;
  const today = businessDateOf(new Date());

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma, { ...VOUCHER_PROGRAM_TERMS, assignmentMode: 'SILENT' });
    coreChecker = await createActor(db.prisma, { partyId: parties.core.partyId, userRoles: ['CHECKER'] });
    tier1 = await createVoucherHolder(db.prisma, '深圳市华强精密电子有限公司');
    tier1Checker = await createActor(db.prisma, { partyId: tier1.partyId, userRoles: ['CHECKER'] });
    tier2 = await createVoucherHolder(db.prisma, '东莞市精工模具有限公司');
  });

  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const { send, deliveredThrice } = duplicateDelivery(() => db.prisma, () => api);

  const invoice = (amount: string) => ({ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount, issueDate: addDays(today, -10) });
  const issueInput = (amount: string) => ({
    input: { holderCreditCode: tier1.creditCode, contractNumber: 'HT-2026-0815', currency: 'CNY', amount, dueDate: addDays(today, 120), invoices: [invoice(amount)], idempotencyKey: `dup-issue-${randomUUID()}` },
  });
  const proposeInput = (fromPartId: string, amount: string) => ({
    input: { fromPartId, recipientCreditCode: tier2.creditCode, contractNumber: 'CG-2026-0101', currency: 'CNY', amount, invoices: [invoice(amount)], idempotencyKey: `dup-transfer-${randomUUID()}` },
  });
  const decideOnce = async (name: string, by: TestActor, id: string, reason?: string) => send(by.token, reason === undefined ? DECIDE(name) : DECIDE_WITH_REASON(name), { id, reason }, randomUUID());
  const issueTransferOf = async (voucherId: string) => globalId('VoucherTransfer', (await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: rowId(voucherId), fromPartId: null } })).id);

  /** What a voucher's parts hold, in the parts' rows and in the memo book: both must add up to the voucher's amount. */
  async function partsOf(voucherId: string): Promise<{ rows: string; book: string; count: number }> {
    const parts = await db.prisma.voucherPart.findMany({ where: { voucherId: rowId(voucherId), status: { in: ['ACTIVE', 'FINANCING', 'FINANCED'] } } });
    let rows = new DecimalJs(0);
    let book = new DecimalJs(0);
    for (const part of parts) {
      rows = rows.plus(part.heldAmount.toString());
      book = book.plus((await getBalance(db.prisma, part.claimAccountId)).posted.toString());
    }
    return { rows: rows.toFixed(2), book: book.toFixed(2), count: parts.length };
  }

  /** A voucher issued and accepted by tier 1, with one request each. */
  async function activeVoucher(amount: string): Promise<{ voucherId: string; rootPartId: string }> {
    const issued = await send(parties.core.token, ISSUE, issueInput(amount), randomUUID());
    const transferId = await issueTransferOf(issued.id);
    expect(await decideOnce('approveVoucherTransfer', coreChecker, transferId)).toMatchObject({ status: 'PENDING_ACCEPTANCE' });
    expect(await decideOnce('acceptVoucherTransfer', tier1, transferId)).toMatchObject({ status: 'ACCEPTED' });
    return { voucherId: issued.id, rootPartId: issued.parts[0].id };
  }

  it('issueVoucher, approveVoucherTransfer, acceptVoucherTransfer: one voucher, one hold, accepted once', async () => {
    const issued = await deliveredThrice(parties.core.token, ISSUE, issueInput('3000000.00'));
    expect(issued).toMatchObject({ __typename: 'Voucher', status: 'PENDING_APPROVAL', amount: { amount: '3000000.00' } });
    expect(issued.parts).toHaveLength(1);
    expect(await db.prisma.voucher.count({ where: { issuerPartyId: parties.core.partyId, amount: '3000000' } })).toBe(1);
    const transfers = await db.prisma.voucherTransfer.findMany({ where: { voucherId: rowId(issued.id) } });
    expect(transfers).toHaveLength(1);
    const holdId = transfers[0]!.holdId;
    expect(await db.prisma.voucherPart.count({ where: { voucherId: rowId(issued.id) } })).toBe(1);

    const transferId = globalId('VoucherTransfer', transfers[0]!.id);
    expect(await deliveredThrice(coreChecker.token, DECIDE('approveVoucherTransfer'), { id: transferId })).toMatchObject({ __typename: 'VoucherTransfer', status: 'PENDING_ACCEPTANCE' });
    expect(await deliveredThrice(tier1.token, DECIDE('acceptVoucherTransfer'), { id: transferId })).toMatchObject({ __typename: 'VoucherTransfer', status: 'ACCEPTED' });
    expect(await db.prisma.ledgerHold.findUniqueOrThrow({ where: { id: holdId } })).toMatchObject({ status: 'POSTED' });
    expect(await partsOf(issued.id)).toEqual({ rows: '3000000.00', book: '3000000.00', count: 1 });
    expect(await db.prisma.voucher.findUniqueOrThrow({ where: { id: rowId(issued.id) } })).toMatchObject({ status: 'ACTIVE' });
  });

  it('refuseVoucherTransfer of an issue: refused once, the hold voided once', async () => {
    const issued = await send(parties.core.token, ISSUE, issueInput('1000000.00'), randomUUID());
    const transferId = await issueTransferOf(issued.id);
    expect(await decideOnce('approveVoucherTransfer', coreChecker, transferId)).toMatchObject({ status: 'PENDING_ACCEPTANCE' });
    expect(await deliveredThrice(tier1.token, DECIDE_WITH_REASON('refuseVoucherTransfer'), { id: transferId, reason: '合同未签署' })).toMatchObject({ __typename: 'VoucherTransfer', status: 'REFUSED' });
    const transfer = await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(transferId) } });
    expect(await db.prisma.ledgerHold.findUniqueOrThrow({ where: { id: transfer.holdId } })).toMatchObject({ status: 'VOIDED' });
    expect(await partsOf(issued.id)).toEqual({ rows: '0.00', book: '0.00', count: 0 });
  });

  it('proposeVoucherTransfer, approveVoucherTransfer, acceptVoucherTransfer: one new part, one hold, the parts adding up', async () => {
    const { voucherId, rootPartId } = await activeVoucher('2000000.00');
    const proposed = await deliveredThrice(tier1.token, PROPOSE, proposeInput(rootPartId, '1200000.00'));
    expect(proposed).toMatchObject({ __typename: 'VoucherTransfer', status: 'PENDING_APPROVAL', amount: { amount: '1200000.00' } });
    const transfers = await db.prisma.voucherTransfer.findMany({ where: { voucherId: rowId(voucherId), fromPartId: rowId(rootPartId) } });
    expect(transfers).toHaveLength(1);
    expect(await db.prisma.ledgerHold.count({ where: { id: transfers[0]!.holdId, status: 'PENDING' } })).toBe(1);
    expect(await db.prisma.voucherPart.count({ where: { voucherId: rowId(voucherId) } })).toBe(2);

    expect(await deliveredThrice(tier1Checker.token, DECIDE('approveVoucherTransfer'), { id: proposed.id })).toMatchObject({ status: 'PENDING_ACCEPTANCE' });
    expect(await deliveredThrice(tier2.token, DECIDE('acceptVoucherTransfer'), { id: proposed.id })).toMatchObject({ status: 'ACCEPTED', toPart: { id: proposed.toPart.id } });
    expect(await db.prisma.ledgerHold.findUniqueOrThrow({ where: { id: transfers[0]!.holdId } })).toMatchObject({ status: 'POSTED' });
    expect(await partsOf(voucherId)).toEqual({ rows: '2000000.00', book: '2000000.00', count: 2 });
    const tier2Part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(proposed.toPart.id) } });
    expect(tier2Part.heldAmount.toFixed(2)).toBe('1200000.00');
  });

  it('rejectVoucherTransfer, cancelVoucherTransfer, refuseVoucherTransfer: each once, each hold voided once', async () => {
    const { voucherId, rootPartId } = await activeVoucher('900000.00');
    const propose = async () => send(tier1.token, PROPOSE, proposeInput(rootPartId, '300000.00'), randomUUID());
    const holdOf = async (id: string) => db.prisma.ledgerHold.findUniqueOrThrow({ where: { id: (await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(id) } })).holdId } });

    const rejected = await propose();
    expect(await deliveredThrice(tier1Checker.token, DECIDE_WITH_REASON('rejectVoucherTransfer'), { id: rejected.id, reason: '金额有误' })).toMatchObject({ status: 'REJECTED' });
    expect(await holdOf(rejected.id)).toMatchObject({ status: 'VOIDED' });

    const cancelled = await propose();
    expect(await deliveredThrice(tier1.token, DECIDE_WITH_REASON('cancelVoucherTransfer'), { id: cancelled.id, reason: '合同变更' })).toMatchObject({ status: 'CANCELLED' });
    expect(await holdOf(cancelled.id)).toMatchObject({ status: 'VOIDED' });

    const refused = await propose();
    expect(await decideOnce('approveVoucherTransfer', tier1Checker, refused.id)).toMatchObject({ status: 'PENDING_ACCEPTANCE' });
    expect(await deliveredThrice(tier2.token, DECIDE_WITH_REASON('refuseVoucherTransfer'), { id: refused.id, reason: '未收到货物' })).toMatchObject({ status: 'REFUSED' });
    expect(await holdOf(refused.id)).toMatchObject({ status: 'VOIDED' });

    expect(await partsOf(voucherId)).toEqual({ rows: '900000.00', book: '900000.00', count: 1 });
    // What the part has available is whole again: a new transfer of all of it is accepted for approval.
    expect(await send(tier1.token, PROPOSE, proposeInput(rootPartId, '900000.00'), randomUUID())).toMatchObject({ __typename: 'VoucherTransfer', status: 'PENDING_APPROVAL' });
  });

  it('applyForVoucherFinancing: one receivable, one financing, the part held for the funder once', async () => {
    const { rootPartId } = await activeVoucher('1500000.00');
    const financing = await deliveredThrice(tier1.token, APPLY, { input: { partId: rootPartId, programId: globalId('Program', parties.programId), amount: '1200000.00', idempotencyKey: `dup-voucher-apply-${randomUUID()}` } });
    expect(financing).toMatchObject({ __typename: 'Financing', principal: { amount: '1200000.00', currency: 'CNY' }, receivable: { faceAmount: { amount: '1500000.00' } } });
    expect(await db.prisma.receivable.count({ where: { voucherPartId: rowId(rootPartId) } })).toBe(1);
    expect(await db.prisma.financing.count({ where: { receivableId: rowId(financing.receivable.id) } })).toBe(1);
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(rootPartId) } })).toMatchObject({ status: 'FINANCING' });
  });
});
