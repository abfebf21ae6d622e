import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { prepareVoucherReceivable } from '../prisma/stores/voucher-financing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import type { TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture } from '../test/support/voucher-fixture';
import { createSilentVoucherFunder, createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// A holder of a part of the core enterprise's voucher applies to finance it under a second
// funder's program, under silent assignment (暗保理). The core enterprise issued the voucher and
// sees the program's limits; docs/security.md says it sees them "as they would be available with
// no silent financing", and that whatever it can ask answers exactly what it would answer if
// there had been no financing. With no financing, the holder (not enrolled) has no limit in the
// program: its limit is opened by its first application. So the program's limits must not gain
// a SUPPLIER row naming the holder, nor count one more, when the holder applies in secret.

type Result = Record<string, any>;

const LIMITS = `query ($id: ID!) { program(id: $id) { limits { totalCount edges { node { kind supplierName granted { amount } available { amount } } } } } }`;

describe('the core enterprise looking at the limits of a silent program its voucher holder applied under', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let silent: { funder: TestActor; funderChecker: TestActor; programId: string };
  let holder: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
    silent = await createSilentVoucherFunder(db.prisma, parties);
    holder = await createVoucherHolder(db.prisma, '东莞市精工模具有限公司');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('shows the same limits, count and names after the silent application as before it', async () => {
    const limitsSeen = async () => (await api.call(parties.core.token, LIMITS, { id: globalId('Program', silent.programId) })) as Result;
    const before = await limitsSeen();
    expect(before.limits.totalCount).toBe(2);

    const fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate: addDays(businessDateOf(new Date()), 60), root: { key: 'P', holderPartyId: holder.partyId, received: '2000000.00' } });
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: fixture.parts.P!.id, programId: silent.programId });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: silent.programId, amount: '1600000.00', idempotencyKey: `voucher-${fixture.parts.P!.id}` }, TEST_FINANCING_WINDOWS);
    expect(financing.status).toBe('PENDING_APPROVAL');

    // The funder sees its holder's limit and the reservation; the core enterprise sees nothing new.
    const byFunder = (await api.call(silent.funder.token, LIMITS, { id: globalId('Program', silent.programId) })) as Result;
    expect(byFunder.limits.totalCount).toBe(3);
    expect(await limitsSeen()).toEqual(before);
  });
});
