import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import type { TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createSilentVoucherFunder, createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { applyForFinancing, decideFinancing } from './financing-store';
import { verifyLedgerInvariants } from './ledger/invariants';
import { prepareVoucherReceivable } from './voucher-financing-store';

// A holder declined by one funder may apply to another with the same part: the financing ended
// before disbursement, the part is ACTIVE again with its whole claim (docs/workflows/voucher.md,
// "States": FINANCING → back to ACTIVE; voucher-maturity.md: the receivable of the earlier
// application is used again), and the next application holds that claim for the funder that
// now finances it, in that funder's ASSIGNED account.
//
// Figures: the holder's part holds 1,000,000.00. It applies to F2 (silent assignment) for
// 800,000.00; F2 rejects. It applies to F1 (open assignment) for 800,000.00: a financing waiting
// for the issuer's acknowledgement, the part FINANCING, 1,000,000.00 of its claim held for F1.

describe('a voucher part declined by one funder and financed by another', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let f2: { funder: TestActor; funderChecker: TestActor; programId: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
    f2 = await createSilentVoucherFunder(db.prisma, parties);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it("holds the part's claim for the second funder once the first declined", async () => {
    const holder = await createVoucherHolder(db.prisma, '惠州二级戊电子有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' },
    });
    const part = fixture.parts.P!;
    const applicant = await actorOf(db.prisma, holder);
    const apply = async (programId: string, idempotencyKey: string) => {
      const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: part.id, programId });
      return (await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId, amount: '800000.00', idempotencyKey }, TEST_FINANCING_WINDOWS)).financing;
    };

    // F2 is asked first, and declines.
    const declined = await apply(f2.programId, `voucher-f2-${part.id}`);
    expect(declined.status).toBe('PENDING_APPROVAL');
    await decideFinancing(db.prisma, declined.id, { kind: 'REJECT', reason: 'outside our appetite for this obligor' }, { userId: f2.funder.userId, partyId: f2.funder.partyId }, `test:${declined.id}:reject`);
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: part.id } })).toMatchObject({ status: 'ACTIVE' });

    // F1 is asked next: the part is free, so the application is taken.
    const financed = await apply(parties.programId, `voucher-f1-${part.id}`).catch((error: unknown) => error);
    expect(financed).toMatchObject({ status: 'PENDING_ACKNOWLEDGEMENT', funderPartyId: parties.funder.partyId });
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: part.id } })).toMatchObject({ status: 'FINANCING' });
    // The part's whole claim is held for F1, in an account of F1's: F2, which declined, holds nothing of it.
    const holds = await db.prisma.ledgerHold.findMany({ where: { debitAccountId: part.claimAccountId, status: 'PENDING' }, include: { creditAccount: true } });
    expect(holds.map((hold) => ({ amount: hold.amount.toFixed(2), purpose: hold.creditAccount.purpose, owner: hold.creditAccount.ownerPartyId }))).toEqual([
      { amount: '1000000.00', purpose: 'VOUCHER_ASSIGNED', owner: parties.funder.partyId },
    ]);
  });
});
