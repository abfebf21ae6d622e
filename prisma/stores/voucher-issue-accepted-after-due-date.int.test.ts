import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { WrongStateError } from '../../domain/errors';
import { validateVoucherIssue } from '../../domain/voucher-rules';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { createActor } from '../../test/support/parties';
import { actorOf, uniqueInvoiceNumber } from '../../test/support/receivables';
import { createVoucherHolder } from '../../test/support/voucher-parties';
import { recordPastDueDefaults } from './voucher-default-store';
import { decideVoucherTransfer, issueVoucher } from './voucher-store';

// A core enterprise issues a voucher of 1,000,000.00 due the next day (a due date after today,
// as the issue rules ask); its checker approves the issue at once. The first holder lets the
// offer wait and accepts it two days later, the day after the due date, still inside its
// seven-day acceptance window.
//
// A voucher falling due is paid by distribution, not moved (docs/workflows/voucher.md, "Issue
// and transfer rules": DEADLINE_PASSED on or after the due date). Before the acceptance there is
// no claim and no collection account (the acceptance opens it): the issuer has nowhere to pay
// and nobody to pay by the due date. So an acceptance on or after the due date must be refused
// with DEADLINE_PASSED, leaving the issue unaccepted and the issuer out of default. Instead the
// acceptance goes through, and the next night's scan records the issuer in default on the due
// date, a day before the voucher was accepted and its collection account opened.

const HOUR = 60 * 60 * 1000;
const WEEK_MS = 7 * 24 * HOUR;

describe('a voucher issue accepted after its due date', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is refused with DEADLINE_PASSED, and the issuer is never recorded in default for a day it had nothing to pay into', async () => {
    const today = businessDateOf(new Date());
    const issuedOn = addDays(today, -3);
    const dueDate = addDays(issuedOn, 1);
    const issuedAt = new Date(startOfBusinessDate(issuedOn).getTime() + 10 * HOUR);
    const acceptedAt = new Date(startOfBusinessDate(addDays(dueDate, 1)).getTime() + 10 * HOUR);

    const holder = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    const coreChecker = await createActor(db.prisma, { partyId: parties.core.partyId, userRoles: ['CHECKER'] });
    const valid = validateVoucherIssue(
      {
        holderCreditCode: holder.creditCode,
        contractNumber: 'CG-2026-0301',
        currency: 'CNY',
        amount: '1000000.00',
        dueDate,
        invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '1000000.00', issueDate: addDays(issuedOn, -10) }],
        idempotencyKey: `issue-${randomUUID()}`,
      },
      { creditCode: parties.core.creditCode },
      issuedAt,
    );
    const ids = { voucherId: randomUUID(), partId: randomUUID(), transferId: randomUUID() };
    const { transfer } = await issueVoucher(db.prisma, await actorOf(db.prisma, parties.core), valid, ids, { now: issuedAt, acceptanceWindowMs: WEEK_MS });
    expect(transfer.acceptanceDeadline.getTime()).toBeGreaterThan(acceptedAt.getTime());
    await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'APPROVE' }, { userId: coreChecker.userId, partyId: parties.core.partyId }, issuedAt);

    // The day after the due date the holder accepts.
    const accepted = await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'ACCEPT' }, { userId: holder.userId, partyId: holder.partyId }, acceptedAt).then(
      (row) => ({ status: row.status }),
      (error: unknown) => error,
    );
    expect(accepted).toBeInstanceOf(WrongStateError);
    expect(accepted).toMatchObject({ code: 'DEADLINE_PASSED' });

    const voucher = await db.prisma.voucher.findUniqueOrThrow({ where: { id: ids.voucherId } });
    expect({ status: voucher.status, collectionAccountId: voucher.collectionAccountId }).toEqual({ status: 'PENDING_ACCEPTANCE', collectionAccountId: null });

    // The next night's scan of vouchers past due records no default.
    const scanAt = new Date(startOfBusinessDate(addDays(dueDate, 2)).getTime() + HOUR);
    const step = await recordPastDueDefaults(db.prisma, businessDateOf(scanAt), null, scanAt);
    expect(step.defaulted).toBe(0);
    expect((await db.prisma.voucher.findUniqueOrThrow({ where: { id: ids.voucherId } })).defaultedOn).toBeNull();
  });
});
