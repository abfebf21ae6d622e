import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { DEMO_PROGRAM_TERMS } from '../seed';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS, type FinancingParties } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { creditLimitCode } from './credit-limit-store';
import { applyForFinancing } from './financing-store';
import { findAccountByCode } from './ledger/accounts';
import { approveProgramChange, proposeTermsAmendment } from './program-change-store';
import { prepareVoucherReceivable } from './voucher-financing-store';

// A program admitting the core enterprise's voucher holders gives each of them a limit of
// `voucherHolderLimit` (5,000,000.00 here), opened on its first application. The funder then
// cuts the voucher holders' limit to 1,000,000.00 through an approved amendment (four eyes and
// its own consent). A holder that had already applied keeps 5,000,000.00: its second
// application of 800,000.00 (1,600,000.00 in all) is accepted, although the program's current
// terms allow each voucher holder 1,000,000.00. A limit the funder cut must be the limit
// enforced, for every holder, as it is for every enrolled supplier.

describe("a cut of the voucher holders' limit", () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let platformChecker: TestActor;
  let holder: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
    platformChecker = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['CHECKER'] });
    holder = await createVoucherHolder(db.prisma, '佛山一级甲有限公司');
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** The holder's part of 1,000,000.00 in a new voucher of the core enterprise, applied for at 800,000.00. */
  async function applyForPart(tag: string) {
    const fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate: addDays(businessDateOf(new Date()), 60), root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' } });
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: fixture.parts.P!.id, programId: parties.programId });
    return applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `voucher-${tag}-${fixture.parts.P!.id}` }, TEST_FINANCING_WINDOWS);
  }

  it("applies the cut to a holder whose limit is already open: its next application over the new limit is refused", async () => {
    const first = await applyForPart('first');
    expect(first.financing.status).toBe('PENDING_ACKNOWLEDGEMENT');

    // The funder and a second operator approve the cut: the terms now allow each voucher holder 1,000,000.00.
    const terms = { ...DEMO_PROGRAM_TERMS, ...TEST_PROGRAM_TERMS, ...VOUCHER_PROGRAM_TERMS, voucherHolderLimit: '1000000.00' };
    const proposed = await proposeTermsAmendment(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, terms, 'cut-voucher-holders');
    await approveProgramChange(db.prisma, await actorOf(db.prisma, platformChecker), proposed.id, 'cut-voucher-holders:platform');
    const applied = await approveProgramChange(db.prisma, await actorOf(db.prisma, parties.funderChecker), proposed.id, 'cut-voucher-holders:funder');
    expect(applied.status).toBe('APPLIED');

    const financings = await db.prisma.financing.count({ where: { supplierPartyId: holder.partyId } });
    await expect(applyForPart('second')).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(await db.prisma.financing.count({ where: { supplierPartyId: holder.partyId } })).toBe(financings);

    const scope = { kind: 'SUPPLIER' as const, funderPartyId: parties.funder.partyId, programId: parties.programId, supplierPartyId: holder.partyId, currency: 'CNY' as const };
    const account = await findAccountByCode(db.prisma, creditLimitCode(scope));
    const limit = await db.prisma.creditLimit.findUniqueOrThrow({ where: { accountId: account!.id } });
    expect(limit.granted.toFixed(2)).toBe('1000000.00');
  });
});
