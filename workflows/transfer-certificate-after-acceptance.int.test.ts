import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { getBalance } from '../prisma/stores/ledger/balances';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { uniqueInvoiceNumber } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { testLogger } from '../test/support/logger';
import { createVoucherActivities } from './activities/voucher-activities';
import { workflowIds } from './contracts/workflow-ids';

// The transfer certificate follows the acceptance and never holds it up or undoes it: here the
// rendering is held until the acceptance has been answered and announced, then fails for good.
// The claim has moved all the same, the workflow ends ACCEPTED, and no document is stored; the
// operators are told, and one renders the certificate afterwards, once, from the stored facts.

const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id } ... on Error { code message } } }`;
const DECIDE = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on VoucherTransfer { status certificate { id } } ... on Error { code message } } }`;
const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) { __typename ... on VoucherTransfer { id } ... on Error { code message } } }`;
const RENDER = `mutation ($id: ID!) { renderTransferCertificate(id: $id) { __typename ... on Document { id fileName sha256 } ... on Error { code message } } }`;
const CERTIFICATE = `query ($id: ID!) { node(id: $id) { ... on VoucherTransfer { status certificate { id sha256 } } } }`;

describe('a transfer certificate that cannot be rendered', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let core: TestActor;
  let coreChecker: TestActor;
  let holder: TestActor;
  let holderChecker: TestActor;
  let operator: TestActor;
  const held: string[] = [];
  // Rendering fails until an operator has fixed the cause; then the real activity renders.
  let renderingFails = true;
  let renders = 0;
  let release: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, {
      taskQueue: api.taskQueue,
      activities: {
        async generateTransferCertificate(input) {
          if (!renderingFails) {
            renders += 1;
            return createVoucherActivities({ prisma: db.prisma, logger: testLogger }).generateTransferCertificate({
              transferId: input.transferId,
            });
          }
          held.push(input.transferId);
          await released;
          throw ApplicationFailure.nonRetryable('the font could not be read', 'DocumentRenderingFailed');
        },
      },
    });
    running = worker.worker.run();
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
    coreChecker = await createActor(db.prisma, { partyId: core.partyId, userRoles: ['CHECKER'] });
    holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    holderChecker = await createActor(db.prisma, { partyId: holder.partyId, userRoles: ['CHECKER'] });
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
  });

  afterAll(async () => {
    release?.();
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  it('answers and announces the acceptance while the certificate renders, and keeps it when the rendering fails', async () => {
    const today = businessDateOf(new Date());
    const issued = await api.call(core.token, ISSUE, {
      input: {
        holderCreditCode: holder.creditCode,
        contractNumber: 'HT-2026-0815',
        currency: 'CNY',
        amount: '800000.00',
        dueDate: addDays(today, 90),
        invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '800000.00', issueDate: addDays(today, -10) }],
        idempotencyKey: `issue-${uniqueInvoiceNumber()}`,
      },
    });
    expect(issued.__typename).toBe('Voucher');
    const transfer = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: (await db.prisma.voucher.findFirstOrThrow()).id } });
    const id = globalId('VoucherTransfer', transfer.id);
    expect((await api.call(coreChecker.token, DECIDE('approveVoucherTransfer'), { id })).status).toBe('PENDING_ACCEPTANCE');
    // The answer comes before anything is rendered: no certificate yet, and the rendering not even started, or held.
    expect(await api.call(holder.token, DECIDE('acceptVoucherTransfer'), { id })).toEqual({ __typename: 'VoucherTransfer', status: 'ACCEPTED', certificate: null });

    const until = Date.now() + 30_000;
    const announced = () => db.prisma.notification.count({ where: { voucherTransferId: transfer.id, kind: 'VOUCHER_TRANSFER_ACCEPTED' } });
    while ((held.length === 0 || (await announced()) === 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(held).toEqual([transfer.id]);
    // The transferor heard of the acceptance while the certificate was still rendering.
    expect(await announced()).toBe(1);

    release();
    const result = await api.temporal.workflow.getHandle(workflowIds.voucherTransfer(transfer.id)).result();
    expect(result).toEqual({ status: 'ACCEPTED' });
    const part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: transfer.toPartId! } });
    expect(part.status).toBe('ACTIVE');
    expect((await getBalance(db.prisma, part.claimAccountId)).posted.toFixed(2)).toBe('800000.00');
    expect((await db.prisma.voucher.findUniqueOrThrow({ where: { id: transfer.voucherId } })).status).toBe('ACTIVE');
    expect(await db.prisma.document.count({ where: { voucherTransferId: transfer.id } })).toBe(0);
    // The operators are told, once each; the transfer's parties hear of the acceptance only.
    const notices = await db.prisma.notification.findMany({ where: { voucherTransferId: transfer.id }, orderBy: { kind: 'asc' } });
    expect(notices.map((notice) => [notice.kind, notice.partyId])).toEqual([
      ['TRANSFER_CERTIFICATE_FAILED', operator.partyId],
      ['VOUCHER_TRANSFER_ACCEPTED', core.partyId],
      ['VOUCHER_TRANSFER_OFFERED', holder.partyId],
    ]);
    expect(notices[0]!.body).toContain('renderTransferCertificate');
  });

  it("renders a transfer's missing certificate on an operator's request, once, for the transfer's two parties alone", async () => {
    const today = businessDateOf(new Date());
    const part = await db.prisma.voucherPart.findFirstOrThrow({ where: { holderPartyId: holder.partyId, status: 'ACTIVE' } });
    const recipient = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: '东莞市精工模具有限公司' });
    const proposed = await api.call(holder.token, PROPOSE, {
      input: {
        fromPartId: globalId('VoucherPart', part.id),
        recipientCreditCode: recipient.creditCode,
        contractNumber: 'CG-2026-0901',
        currency: 'CNY',
        amount: '300000.00',
        invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '300000.00', issueDate: addDays(today, -5) }],
        idempotencyKey: `transfer-${uniqueInvoiceNumber()}`,
      },
    });
    expect(proposed.__typename).toBe('VoucherTransfer');
    expect((await api.call(holderChecker.token, DECIDE('approveVoucherTransfer'), { id: proposed.id })).status).toBe('PENDING_ACCEPTANCE');
    expect((await api.call(recipient.token, DECIDE('acceptVoucherTransfer'), { id: proposed.id })).status).toBe('ACCEPTED');
    const transferId = Buffer.from(proposed.id, 'base64url').toString('utf8').split(':')[1]!;
    expect(await api.temporal.workflow.getHandle(workflowIds.voucherTransfer(transferId)).result()).toEqual({ status: 'ACCEPTED' });
    expect(await db.prisma.document.count({ where: { voucherTransferId: transferId } })).toBe(0);
    const failureNotices = () => db.prisma.notification.findMany({ where: { voucherTransferId: transferId, kind: 'TRANSFER_CERTIFICATE_FAILED' } });
    expect((await failureNotices()).map((notice) => notice.partyId)).toEqual([operator.partyId]);

    // Refused, rendering nothing: anyone but an operator, a transfer that does not exist, one that is not accepted.
    for (const party of [holder, recipient, core]) expect((await api.call(party.token, RENDER, { id: proposed.id })).code).toBe('FORBIDDEN');
    expect((await api.call(operator.token, RENDER, { id: globalId('VoucherTransfer', '00000000-0000-4000-8000-000000000000') })).code).toBe('NOT_FOUND');
    const pending = await api.call(core.token, ISSUE, {
      input: {
        holderCreditCode: holder.creditCode,
        contractNumber: 'HT-2026-0902',
        currency: 'CNY',
        amount: '1000.00',
        dueDate: addDays(today, 60),
        invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '1000.00', issueDate: addDays(today, -3) }],
        idempotencyKey: `issue-${uniqueInvoiceNumber()}`,
      },
    });
    const pendingTransfer = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: Buffer.from(pending.id, 'base64url').toString('utf8').split(':')[1]! } });
    expect(await api.call(operator.token, RENDER, { id: globalId('VoucherTransfer', pendingTransfer.id) })).toMatchObject({ __typename: 'WrongStateError', code: 'WRONG_STATE' });
    expect(await db.prisma.document.count({ where: { voucherTransferId: { in: [transferId, pendingTransfer.id] } } })).toBe(0);
    expect(renders).toBe(0);

    // The cause is fixed: the operator renders it; a copy of the request at the same moment gets the same document.
    renderingFails = false;
    const [first, copy] = await Promise.all([api.call(operator.token, RENDER, { id: proposed.id }), api.call(operator.token, RENDER, { id: proposed.id })]);
    expect(first).toMatchObject({ __typename: 'Document', fileName: expect.stringContaining('-transfer-certificate.pdf') });
    expect(copy).toEqual(first);
    const stored = await db.prisma.document.findMany({ where: { voucherTransferId: transferId } });
    expect(stored.map((document) => [document.kind, document.sha256])).toEqual([['TRANSFER_CERTIFICATE', first.sha256]]);
    // A second request later is answered from the store: the worker is not asked again.
    const rendersSoFar = renders;
    expect(await api.call(operator.token, RENDER, { id: proposed.id })).toEqual(first);
    expect(renders).toBe(rendersSoFar);
    expect(await db.prisma.document.count({ where: { voucherTransferId: transferId } })).toBe(1);

    // The transferor and the recipient see it; the issuer, who sees the transfer, does not see the certificate of a transfer between two holders.
    for (const party of [holder, recipient]) expect(await api.call(party.token, CERTIFICATE, { id: proposed.id })).toEqual({ status: 'ACCEPTED', certificate: { id: first.id, sha256: first.sha256 } });
    expect(await api.call(core.token, CERTIFICATE, { id: proposed.id })).toEqual({ status: 'ACCEPTED', certificate: null });
    // Nobody but the operators heard of the failure or of the rendering.
    const told = await db.prisma.notification.findMany({ where: { voucherTransferId: transferId }, orderBy: { kind: 'asc' } });
    expect(told.filter((notice) => notice.partyId !== operator.partyId).map((notice) => [notice.kind, notice.partyId])).toEqual([
      ['VOUCHER_TRANSFER_ACCEPTED', holder.partyId],
      ['VOUCHER_TRANSFER_OFFERED', recipient.partyId],
    ]);
    expect((await failureNotices()).length).toBe(1);
  });
});
