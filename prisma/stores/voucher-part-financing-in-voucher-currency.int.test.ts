import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { validateVoucherIssue } from '../../domain/voucher-rules';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { TEST_FINANCING_WINDOWS, yenProgramParties } from '../../test/support/financings';
import { createActor } from '../../test/support/parties';
import { actorOf, uniqueInvoiceNumber } from '../../test/support/receivables';
import { partyAccountCode } from './chart-of-accounts';
import { reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { prepareVoucherReceivable } from './voucher-financing-store';
import { decideVoucherTransfer, issueVoucher } from './voucher-store';

// A holder finances its voucher part in yen under a program that admits voucher holders
// (docs/workflows/voucher-maturity.md, "Financing a part"): the holder need not be enrolled.
//
// A JPY program between a funder and a core enterprise, admitting voucher holders. The core
// enterprise issues a JPY voucher of 1,000,001, due in 90 days, to a supplier registered on the
// platform (createParty: its settlement account is in CNY) and not enrolled in the program; the
// supplier accepts it and applies to finance its part at 80%, 800,000 (1,000,001 × 0.8 =
// 800,000.8, rounded down). 6% ACT/360 up front is 800,000 × 0.06 × 90 / 360 = 12,000, the 0.1%
// fee 800, so the funder advances 788,000 and the holder would receive 787,200 in yen. The
// application is acknowledged, approved by the funder's maker and checker, and the funder tops up
// 788,000 JPY on its JPY funding account.
//
// The funding step cannot run: the holder has no JPY settlement account (only an enrolment opens
// one in the program's currency, and a voucher holder is never enrolled), so reserving the
// advance fails with an untyped error ("ledger account party:…:SUPPLIER_SETTLEMENT:JPY is
// missing") although the funder's money is there. The part stays in FINANCING (its whole claim
// held for the funder), the limits stay held, and the issuer's payment at maturity waits for a
// financing that can never be disbursed. A payments product that lets a holder finance its part
// in the voucher's currency must have the account the advance is paid into, in that currency.

const PAYER = { payerName: '東京ファクタリング株式会社', payerAccountNumber: '6222020200990011999', remittanceInformation: '出資 funding' };


describe('a voucher part financed in yen by a holder that is not enrolled', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("reserves the funder's yen for the advance once approved and topped up", async () => {
    const now = new Date();
    const today = businessDateOf(now);
    const { funder, funderChecker, core, supplier: holder, program } = await yenProgramParties(db.prisma, '円建て電子債権ファクタリング', { admitsVoucherHolders: true, voucherHolderLimit: '50000000' });
    const coreChecker = await createActor(db.prisma, { partyId: core.partyId, userRoles: ['CHECKER'] });

    // The issue (開立), approved by a second person of the issuer and accepted by the holder.
    const issuer = await actorOf(db.prisma, core);
    const valid = validateVoucherIssue(
      {
        holderCreditCode: holder.creditCode,
        contractNumber: 'HT-JPY-0001',
        currency: 'JPY',
        amount: '1000001',
        dueDate: addDays(today, 90),
        invoices: [
          { invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '600000', issueDate: addDays(today, -20) },
          { invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '400001', issueDate: addDays(today, -19) },
        ],
        idempotencyKey: `issue-${randomUUID()}`,
      },
      { creditCode: core.creditCode },
      now,
    );
    const { voucher, transfer } = await issueVoucher(db.prisma, issuer, valid, { voucherId: randomUUID(), partId: randomUUID(), transferId: randomUUID() }, { now, acceptanceWindowMs: 7 * 86_400_000 });
    await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'APPROVE' }, { userId: coreChecker.userId, partyId: core.partyId });
    await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'ACCEPT' }, { userId: holder.userId, partyId: holder.partyId });
    const part = await db.prisma.voucherPart.findFirstOrThrow({ where: { voucherId: voucher.id } });
    expect([part.status, part.heldAmount.toFixed()]).toEqual(['ACTIVE', '1000001']);

    // The holder finances its part.
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: part.id, programId: program.id });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: program.id, amount: '800000', idempotencyKey: `voucher-${part.id}` }, TEST_FINANCING_WINDOWS, now);
    expect([financing.interest.toFixed(), financing.fees.toFixed(), financing.netDisbursement.toFixed()]).toEqual(['12000', '800', '787200']);
    const id = financing.id;
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(now.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: core.userId, partyId: core.partyId }, `test:${id}:acknowledge`, now);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, { userId: funder.userId, partyId: funder.partyId }, `test:${id}:approve`, now);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, { userId: funderChecker.userId, partyId: funderChecker.partyId }, `test:${id}:confirm`, now);

    // The funder tops up its yen funding account with the advance.
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(funder.partyId, 'FUNDER_FUNDING', 'JPY')))!;
    await recordInboundCredit(db.prisma, { bankReference: `TOPUP-${id}`, virtualAccountNumber: funding.virtualAccountNumber!, amount: '788000', currency: 'JPY', ...PAYER, receivedAt: new Date() });

    const funded = await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs).catch((error: Error) => ({ error: error.message }));
    expect(funded).toEqual({ reserved: true });
  });
});
