import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../domain/business-date';
import { TEST_RECEIVABLE_SETTINGS } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { actorOf, uniqueInvoiceNumber } from '../test/support/receivables';
import { createVoucherHolder } from '../test/support/voucher-parties';
import { issueVoucher } from './issue-voucher';
import type { UseCaseContext } from './use-case-context';

// A core enterprise's maker issues a voucher (docs/workflows/voucher-acceptance.md): the voucher,
// its root part and its issue transfer are written with the hold on the claim, then the
// transfer's acceptance workflow starts. "A repeat after a failure between the two starts the
// workflow it lacked." Here the issue of 1,000,000.00, due the next day, is written at 23:59:58
// business time and Temporal cannot be reached; the maker sends the same issue again seven
// seconds later, after midnight. The repeat must find the issue it wrote and start its workflow.
// Refused instead, the voucher waits for ever with no workflow to approve, offer or expire it,
// its invoices encumbered and its hold never released.

describe('a voucher issue repeated after midnight, its workflow not yet started', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('finds the issue it wrote and starts the acceptance workflow it lacked', async () => {
    const today = businessDateOf(new Date());
    const midnight = startOfBusinessDate(addDays(today, 1)).getTime();
    const holder = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    const input = {
      holderCreditCode: holder.creditCode,
      contractNumber: 'CG-2026-0301',
      currency: 'CNY',
      amount: '1000000.00',
      dueDate: addDays(today, 1),
      invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '1000000.00', issueDate: addDays(today, -10) }],
      idempotencyKey: `issue-${randomUUID()}`,
    };
    const started: string[] = [];
    let temporalReachable = false;
    const temporal = {
      workflow: {
        start: (_workflow: unknown, options: { workflowId: string }) => {
          if (!temporalReachable) return Promise.reject(new Error('14 UNAVAILABLE: the Temporal frontend cannot be reached'));
          started.push(options.workflowId);
          return Promise.resolve({ workflowId: options.workflowId });
        },
      },
    } as unknown as Client;
    const ctx: UseCaseContext = {
      prisma: db.prisma,
      temporal,
      taskQueue: 'voucher-issue-after-midnight',
      logger: testLogger,
      receivableSettings: TEST_RECEIVABLE_SETTINGS,
      financingSettings: TEST_FINANCING_WINDOWS,
      requestId: randomUUID(),
    };
    const maker = await actorOf(db.prisma, parties.core);

    vi.useFakeTimers({ toFake: ['Date'], now: midnight - 2_000 });
    const first = await issueVoucher(ctx, maker, input).then(
      () => 'issued',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(first).toContain('UNAVAILABLE');
    const written = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucher: { issuerPartyId: parties.core.partyId } } });

    temporalReachable = true;
    vi.setSystemTime(midnight + 5_000);
    const repeat = await issueVoucher(ctx, maker, input).catch((error: unknown) => ({ refused: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
    vi.useRealTimers();

    expect(repeat).toEqual({ voucherId: written.voucherId, transferId: written.id, replayed: true });
    expect(started).toEqual([`voucher-transfer:${written.id}`]);
  });
});
