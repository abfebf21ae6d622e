import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS, yenProgramParties } from '../../test/support/financings';
import { createActor, registeredPartyActor } from '../../test/support/parties';
import { actorOf, registrationInput, uniqueInvoiceNumber } from '../../test/support/receivables';
import { ensurePlatformAccounts, partyAccountCode } from './chart-of-accounts';
import { reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { findAccountByCode } from './ledger/accounts';
import { amendProgram, createProgram, enrollSupplier } from './program-store';
import { decideReceivable, registerReceivable } from './receivable-store';

// The platform books JPY (domain/money.ts, 0 minor units), and a program, a receivable and an
// application in JPY are all accepted. Parties are created the one way the product creates them
// (createParty), which opens their virtual accounts in CNY only.
//
// A JPY program between a funder and a core enterprise; a supplier's JPY receivable of 1,234,567
// confirmed; an application of 987,653 (80% of it, rounded down), due in 90 days: 6% ACT/360 up
// front is 987,653 × 0.06 × 90 / 360 = 14,814.795 → 14,815, the 0.1% fee 987.653 → 988, so the
// funder advances 972,838 and the supplier would receive 971,850. Approved by the funder's maker
// and checker, the financing waits for the funder's money.
//
// The funder has nowhere to send yen: no JPY funding account, so no virtual account number to top
// up (its top-up instructions list CNY only), and the funding step fails with an untyped error
// ("ledger account party:…:FUNDER_FUNDING:JPY is missing") instead of waiting for 972,838 JPY.
// The limits stay held and the receivable stays pledged to a financing that can never be funded.
// A payments product that takes a program in a currency must let its funder put money in that
// currency, and then say how much is needed, as it does in CNY.

const DAY_MS = 24 * 60 * 60 * 1000;


describe('a financing in JPY', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('can be funded by its funder in yen once approved', async () => {
    const now = new Date();
    const today = businessDateOf(now);
    const { admin, funder, funderChecker, core, supplier, program } = await yenProgramParties(db.prisma, '円建て売掛債権ファクタリング');
    await ensurePlatformAccounts(db.prisma, 'CNY');
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
    const { receivable } = await registerReceivable(db.prisma, supplierActor, input, { now, confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: core.userId, partyId: core.partyId }, `test:${receivable.id}:confirm`, now);
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: program.id, amount: '987653', idempotencyKey: `apply-${receivable.id}` }, TEST_FINANCING_WINDOWS, now);
    expect([financing.interest.toFixed(), financing.fees.toFixed(), financing.netDisbursement.toFixed()]).toEqual(['14815', '988', '971850']);
    const id = financing.id;
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(now.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: core.userId, partyId: core.partyId }, `test:${id}:acknowledge`, now);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, { userId: funder.userId, partyId: funder.partyId }, `test:${id}:approve`, now);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, { userId: funderChecker.userId, partyId: funderChecker.partyId }, `test:${id}:confirm`, now);

    // Where the funder sends yen: a JPY funding account with its own virtual account number.
    const funding = await findAccountByCode(db.prisma, partyAccountCode(funder.partyId, 'FUNDER_FUNDING', 'JPY'));
    const funderAccounts = await db.prisma.ledgerAccount.findMany({ where: { ownerPartyId: funder.partyId, virtualAccountNumber: { not: null }, purpose: 'FUNDER_FUNDING' }, select: { currency: true } });
    const funded = await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs, now).catch((error: Error) => ({ error: error.message }));
    expect({ topUpCurrencies: funderAccounts.map((row) => row.currency).sort(), hasVirtualAccountNumber: Boolean(funding?.virtualAccountNumber), funded }).toEqual({
      topUpCurrencies: ['CNY', 'JPY'],
      hasVirtualAccountNumber: true,
      funded: { reserved: false, needed: '972838', available: '0', fundingDeadline: expect.any(Date) },
    });
  });

  it("opens a program's accounts still missing when its terms change: a supplier enrolled in a USD program before its parties could hold dollars", async () => {
    const admin = await actorOf(db.prisma, await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] }));
    const funder = await registeredPartyActor(db.prisma, ['FUNDER'], ['MAKER'], 'Pacific Receivables Finance Ltd');
    const core = await registeredPartyActor(db.prisma, ['CORE_ENTERPRISE'], ['MAKER'], 'Harbour Components Group Ltd');
    const supplier = await registeredPartyActor(db.prisma, ['SUPPLIER'], ['ADMIN'], 'Delta Precision Parts Ltd');
    const earlier = await registeredPartyActor(db.prisma, ['SUPPLIER'], ['ADMIN'], 'Eastern Cable Works Ltd');
    const program = await createProgram(db.prisma, admin, { name: 'USD receivables', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'USD', terms: TEST_PROGRAM_TERMS });
    await enrollSupplier(db.prisma, admin, program.id, supplier.creditCode);
    const dollarAccounts = async (partyIds: string[]) =>
      (await db.prisma.ledgerAccount.findMany({ where: { currency: 'USD', virtualAccountNumber: { not: null }, ownerPartyId: { in: partyIds } }, select: { purpose: true } })).map((row) => row.purpose).sort();
    expect(await dollarAccounts([funder.partyId, core.partyId, supplier.partyId])).toEqual(['CORE_REPAYMENT', 'FUNDER_FUNDING', 'SUPPLIER_SETTLEMENT']);
    // An enrolment as it stood before: the row, and no dollar account of the supplier.
    await db.prisma.programEnrollment.create({ data: { programId: program.id, supplierPartyId: earlier.partyId, enrolledByUserId: admin.userId, enrolledAt: new Date() } });
    expect(await dollarAccounts([earlier.partyId])).toEqual([]);
    await amendProgram(db.prisma, admin, program.id, TEST_PROGRAM_TERMS);
    expect(await dollarAccounts([earlier.partyId])).toEqual(['SUPPLIER_SETTLEMENT']);
  });
});
