import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { Decimal, formatAmount } from '../../domain/money';
import { applyForFinancing } from '../../prisma/stores/financing-store';
import { enrollSupplier } from '../../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../../prisma/stores/receivable-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { TEST_FINANCING_WINDOWS, yenProgramParties } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { actorOf, registrationInput, uniqueInvoiceNumber } from '../../test/support/receivables';
import { createFinancingActivities } from './financing-activities';

// The notices of a financing show every amount as money: "CNY 211,705.80" in a yuan financing's
// recourse notice, "the penalty of CNY 4,000.00 charged for … was reversed" in a penalty reversal
// (workflows/financing-servicing.int.test.ts). The servicing steps hand the notice their amounts
// in the financing currency's wire form (formatAmount), which for yen has no decimal point.
//
// A yen financing of 987,653 under recourse: the core enterprise does not pay, and on the recourse
// day 412,345 of the shortfall is claimed from the supplier's settlement account, 87,655 still
// owed; a late repayment reverses 1,235 of penalty. The supplier's notice says "412345 of the
// shortfall was claimed … 87655 is still owed" and "the penalty of 1235 charged": bare figures
// with no currency and no grouping, because the notice only formats amounts written with a
// decimal point. A yen amount must read "JPY 412,345", as a yuan amount reads "CNY 412,345.00".

describe("a yen financing's notices", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('print the amounts of a recourse claim and of a penalty reversal in JPY', async () => {
    const now = new Date();
    const today = businessDateOf(now);
    const { admin, core, supplier, program } = await yenProgramParties(db.prisma, '円建て売掛債権ファクタリング（遡及）', { recourse: true, recourseAfterDays: 10, graceDays: 3 });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, admin), program.id, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    const input = registrationInput(
      core.creditCode,
      {
        currency: 'JPY',
        faceAmount: '1234567',
        dueDate: addDays(today, 90),
        invoices: [
          { invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '600000', issueDate: addDays(today, -20) },
          { invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '634567', issueDate: addDays(today, -19) },
        ],
      },
      now,
    );
    const { receivable } = await registerReceivable(db.prisma, supplierActor, input, { now, confirmationWindowMs: 7 * 86_400_000 });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: core.userId, partyId: core.partyId }, `test:${receivable.id}:confirm`, now);
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: program.id, amount: '987653', idempotencyKey: `apply-${receivable.id}` }, TEST_FINANCING_WINDOWS, now);

    // The amounts as the servicing steps give them (servicing-store: formatAmount in the financing's currency).
    const yen = (value: string) => formatAmount(new Decimal(value), 'JPY');
    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    await activities.notifyFinancingParty({ financingId: financing.id, to: 'SUPPLIER', kind: 'RECOURSE_CLAIMED', dedupeKey: `recourse:${financing.id}`, facts: { claimed: yen('412345'), outstanding: yen('87655') } });
    await activities.notifyFinancingParty({
      financingId: financing.id,
      to: 'SUPPLIER',
      kind: 'PENALTY_REVERSED',
      dedupeKey: `penalty-reversed:${financing.id}`,
      facts: { amount: yen('1235'), valueDate: addDays(today, 93), days: addDays(today, 94) },
    });

    const bodies = Object.fromEntries(
      (await db.prisma.notification.findMany({ where: { financingId: financing.id, kind: { in: ['RECOURSE_CLAIMED', 'PENALTY_REVERSED'] } } })).map((row) => [row.kind, row.body]),
    );
    expect({
      recourse: /after the money already in its collection account was allocated, (.*) of the shortfall was claimed from your settlement account under recourse; (.*) is still owed\./.exec(bodies.RECOURSE_CLAIMED ?? '')?.slice(1),
      penalty: /so the penalty of (.*) charged for/.exec(bodies.PENALTY_REVERSED ?? '')?.[1],
    }).toEqual({ recourse: ['JPY 412,345', 'JPY 87,655'], penalty: 'JPY 1,235' });
  });
});
