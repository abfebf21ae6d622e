import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { applyForFinancing } from '../../prisma/stores/financing-store';
import { prepareVoucherReceivable } from '../../prisma/stores/voucher-financing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText } from '../../test/support/pdf';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { createFinancingActivities } from './financing-activities';

// A voucher's issuer pays the voucher once, into the voucher's collection account (its virtual
// account number is on its maturity calendar), and the platform shares the payment out: a
// financed part's share reaches its financing's collection account through the distribution
// (docs/workflows/voucher-maturity.md, "The maturity payment"). Under open assignment the
// issuer is sent a notice of assignment of the part, which binds it: "please pay the receivable
// only into the collection account below; a payment into any other account does not discharge
// the debt". That account must be the one the issuer pays the voucher into. Were it the
// financing's own collection account, an issuer that obeys pays the part's 1,000,000.00 there,
// outside the voucher: the voucher's collection account is 1,000,000.00 short, the part's claim
// stays unpaid on the voucher and the voucher defaults, while the issuer has paid everything.
//
// Figures: the holder's part holds 1,000,000.00 of a voucher of 1,000,000.00; it is financed
// at 800,000.00 under the issuer's open program.

describe('the notice of assignment of a voucher part', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("tells the issuer to pay the voucher's collection account, where its payment of the voucher is shared out", async () => {
    const holder = await createVoucherHolder(db.prisma, '中山二级己五金制品有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' },
    });
    const partId = fixture.parts.P!.id;
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId, programId: parties.programId });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `voucher-notice-${partId}` }, TEST_FINANCING_WINDOWS);
    expect(financing.status).toBe('PENDING_ACKNOWLEDGEMENT');

    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    const stored = await activities.generateFinancingDocument({ financingId: financing.id, kind: 'NOTICE_OF_ASSIGNMENT' });
    const document = await db.prisma.document.findUniqueOrThrow({ where: { id: stored.documentId } });
    const text = compactText((await extractPdfText(new Uint8Array(document.content))).join(''));

    const financingCollection = (await db.prisma.ledgerAccount.findUniqueOrThrow({ where: { id: financing.collectionAccountId! } })).virtualAccountNumber!;
    const voucherCollection = fixture.collectionVan;
    expect({ voucherCollectionOnNotice: text.includes(voucherCollection), financingCollectionOnNotice: text.includes(financingCollection) }).toEqual({
      voucherCollectionOnNotice: true,
      financingCollectionOnNotice: false,
    });
  });
});
