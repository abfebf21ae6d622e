import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createVoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// A holder asks to finance its part for more than the advance rate allows: 900,000.00 on a part
// holding 1,000,000.00 under a program advancing 80% (at most 800,000.00). The application is
// refused OVER_ADVANCE_RATE, and a refused application changes nothing: no receivable appears
// in the holder's list (a CONFIRMED receivable it never registered, owed by the issuer), and the
// part is ACTIVE as before.

const APPLY = `mutation ($input: ApplyForVoucherFinancingInput!) { applyForVoucherFinancing(input: $input) { __typename ... on Error { code } } }`;
const RECEIVABLES = `{ receivables(first: 10) { totalCount edges { node { registrationNumber status faceAmount { amount } } } } }`;

describe('an application for a voucher part above the advance rate', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is refused OVER_ADVANCE_RATE and leaves no receivable of the part behind', async () => {
    const holder = await createVoucherHolder(db.prisma, '江门二级壬照明有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' },
    });
    const partId = fixture.parts.P!.id;

    const refused = await api.call(holder.token, APPLY, { input: { partId: globalId('VoucherPart', partId), programId: globalId('Program', parties.programId), amount: '900000.00', idempotencyKey: randomUUID() } });
    expect(refused).toEqual({ __typename: 'ValidationError', code: 'OVER_ADVANCE_RATE' });

    expect(await api.call(holder.token, RECEIVABLES)).toEqual({ totalCount: 0, edges: [] });
    expect(await db.prisma.receivable.count({ where: { voucherPartId: partId } })).toBe(0);
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: partId } })).toMatchObject({ status: 'ACTIVE' });
  });
});
