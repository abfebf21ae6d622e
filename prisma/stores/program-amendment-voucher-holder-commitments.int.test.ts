import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS, type FinancingParties } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { applyForFinancing } from './financing-store';
import { approveProgramChange, proposeTermsAmendment } from './program-change-store';
import { prepareVoucherReceivable } from './voucher-financing-store';

// A program admits the core enterprise's voucher holders (each with a limit of 5,000,000.00)
// and its enrolled suppliers have 10,000,000.00 each. A voucher holder, not enrolled, has
// reserved 1,600,000.00 of its holder's limit. The funder wants to cut the enrolled suppliers'
// limit to 1,000,000.00, leaving the voucher holders' limit as it is. No enrolled supplier has
// anything reserved, and applying the amendment would change no holder's limit; yet the proposal
// is refused LIMIT_BELOW_COMMITMENTS, because the holder's reservation is measured against the
// enrolled suppliers' new figure. A funder must be able to cut its suppliers' limits.

describe("cutting the enrolled suppliers' limit while a voucher holder has a reservation", () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let platformChecker: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
    platformChecker = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['CHECKER'] });
    const holder = await createVoucherHolder(db.prisma, '江门一级乙有限公司');
    const fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate: addDays(businessDateOf(new Date()), 60), root: { key: 'P', holderPartyId: holder.partyId, received: '2000000.00' } });
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: fixture.parts.P!.id, programId: parties.programId });
    await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '1600000.00', idempotencyKey: `voucher-${fixture.parts.P!.id}` }, TEST_FINANCING_WINDOWS);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('accepts the proposal and applies it once both sides approve', async () => {
    const terms = { ...TEST_PROGRAM_TERMS, ...VOUCHER_PROGRAM_TERMS, supplierLimit: '1000000.00' };
    const proposed = await proposeTermsAmendment(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, terms, 'cut-suppliers');
    expect(proposed.status).toBe('PROPOSED');
    await approveProgramChange(db.prisma, await actorOf(db.prisma, platformChecker), proposed.id, 'cut-suppliers:platform');
    expect((await approveProgramChange(db.prisma, await actorOf(db.prisma, parties.funderChecker), proposed.id, 'cut-suppliers:funder')).status).toBe('APPLIED');
  });
});
