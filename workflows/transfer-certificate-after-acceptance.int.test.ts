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
import { workflowIds } from './contracts/workflow-ids';

// The transfer certificate follows the acceptance and never holds it up or undoes it: here the
// rendering is held until the acceptance has been answered and announced, then fails for good.
// The claim has moved all the same, the workflow ends ACCEPTED, and no document is stored.

const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id } ... on Error { code message } } }`;
const DECIDE = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on VoucherTransfer { status certificate { id } } ... on Error { code message } } }`;

describe('a transfer certificate that cannot be rendered', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let core: TestActor;
  let coreChecker: TestActor;
  let holder: TestActor;
  const held: string[] = [];
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
  });
});
