import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { prepareVoucherReceivable } from '../prisma/stores/voucher-financing-store';
import { globalId } from '../test/support/global-ids';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// A voucher's issuer pays the voucher once, into the voucher's collection account, and the
// platform shares the payment out to its parts, a financed part's share to its financing. The
// notice of assignment of a financed part names that account; `Financing.collectionAccount`,
// which an issuer's ERP reads instead of the notice, must name the same one: the financing's own
// account is outside the voucher, and a payment into it would leave the voucher unpaid.

describe("a voucher part's financing", () => {
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

  it("names the voucher's collection account as where the issuer pays", async () => {
    const holder = await createVoucherHolder(db.prisma, '中山二级庚五金制品有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' },
    });
    const partId = fixture.parts.P!.id;
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId, programId: parties.programId });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `voucher-collection-${partId}` }, TEST_FINANCING_WINDOWS);

    const query = 'query ($id: ID!) { financing(id: $id) { collectionAccount { virtualAccountNumber } } }';
    for (const caller of [parties.core, holder, parties.funder]) {
      const answer = await api.call(caller.token, query, { id: globalId('Financing', financing.id) });
      expect(answer.collectionAccount).toEqual({ virtualAccountNumber: fixture.collectionVan });
    }
  });
});
