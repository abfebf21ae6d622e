import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';

// A voucher holder that is not enrolled in a program of the issuer does not see it (program(id)
// answers null). Naming such a program when applying to finance its part must be answered as a
// program id that does not exist: not with the program's code, nor with an error of its own.

type Result = Record<string, any>;

const APPLY = `mutation ($input: ApplyForVoucherFinancingInput!) {
  applyForVoucherFinancing(input: $input) { __typename ... on Error { code message } } }`;
const PROGRAM = `query ($id: ID!) { program(id: $id) { id } }`;

describe("applying to finance a voucher part under a program of the issuer the holder may not see", () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let holder: TestActor;
  let fixture: VoucherFixture;
  let programCode: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    // The issuer's program with its funder; it does not admit voucher holders, and the holder is not enrolled.
    parties = await createFinancingParties(db.prisma);
    programCode = (await db.prisma.program.findUniqueOrThrow({ where: { id: parties.programId } })).code;
    holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['MAKER'], legalName: '中山一级己有限公司' });
    await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
    fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate: addDays(businessDateOf(new Date()), 60), root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' } });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('answers the program as it answers an unknown program id', async () => {
    const hidden = globalId('Program', parties.programId);
    const unknown = globalId('Program', randomUUID());
    // The holder may not see the program.
    expect((await api.request(holder.token, PROGRAM, { id: hidden })).data).toEqual({ program: null });

    const input = (programId: string) => ({ input: { partId: globalId('VoucherPart', fixture.parts.P!.id), programId, amount: '500000.00', idempotencyKey: `probe-${randomUUID()}` } });
    const ofHidden = await api.request<Record<string, Result>>(holder.token, APPLY, input(hidden));
    const ofUnknown = await api.request<Record<string, Result>>(holder.token, APPLY, input(unknown));
    expect(JSON.stringify(ofHidden)).not.toContain(programCode);
    expect({ errors: ofHidden.errors, data: ofHidden.data }).toEqual({ errors: ofUnknown.errors, data: ofUnknown.data });
  });
});
