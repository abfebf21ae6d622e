import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { openPartyAccounts, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { recordInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../../prisma/stores/ledger/invariants';
import { enrollSupplier } from '../../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../../prisma/stores/receivable-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { createActor } from '../../test/support/parties';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { createMoneyActivities } from './money-activities';

// A program whose minimum tenor is 30 days. 800,000.00 applied for on day 0 against a receivable
// due on day 32, approved on day 3: from day 3 only 29 days are left, so the funding step of day 3
// expires the financing and releases its limits and its receivable (docs/workflows/financing.md),
// and the workflow tells the supplier and the funder (FINANCING_EXPIRED). The step commits, and
// the worker dies before it reports: Temporal runs the activity again with the same input. The
// retry must give the same answer (expired, with its reason). Instead it refuses with WRONG_STATE
// ("cannot fund a financing that is EXPIRED"), a non-retryable refusal that fails the workflow:
// nobody is told the financing expired.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('a funding step retried after it expired the financing', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('answers that the financing expired, with the same reason, as the first attempt did', async () => {
    const parties = await createFinancingParties(db.prisma, { tenorDaysMin: 30 });
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -4)).getTime() + 10 * 60 * 60 * 1000);
    const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    const { receivable } = await registerReceivable(db.prisma, supplierActor, registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(t0), 32) }, t0), { now: t0, confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`, t0);
    await recordInboundCredit(db.prisma, {
      bankReference: `TOPUP-${receivable.id}`,
      virtualAccountNumber: (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!,
      amount: '1000000.00',
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222000000000001',
      remittanceInformation: 'top up',
      receivedAt: t0,
    });
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `apply-${receivable.id}` }, TEST_FINANCING_WINDOWS, t0);
    expect(financing.tenorDays).toBe(32);
    await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: parties.core.userId, partyId: parties.core.partyId }, `ack-${financing.id}`, t0);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `approve-${financing.id}`, day(3));
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `confirm-${financing.id}`, day(3));

    // The funding step of day 3, and its retry with the same input after the worker died before reporting.
    const money = createMoneyActivities({ prisma: db.prisma, logger: testLogger });
    const input = { financingId: financing.id, fundingWindowMs: TEST_FINANCING_WINDOWS.fundingWindowMs, at: day(3) };
    const expired = {
      reserved: false,
      expired: true,
      reason: `from the disbursement date ${businessDateOf(day(3))} to the due date ${addDays(businessDateOf(t0), 32)} is 29 days, less than the program's minimum tenor of 30 days`,
    };
    expect(await money.reserveFunding(input)).toEqual(expired);
    const retried = await money.reserveFunding(input).catch((error: Error & { code?: string }) => ({ refused: error.code ?? error.message }));
    expect(retried).toEqual(expired);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).status).toBe('EXPIRED');
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('CONFIRMED');
  });
});
