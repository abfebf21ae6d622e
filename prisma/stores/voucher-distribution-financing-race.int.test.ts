import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, settlementPosted, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { applyForFinancing } from './financing-store';
import { recordInboundCredit } from './inbound-store';
import { verifyLedgerInvariants } from './ledger/invariants';
import { planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';
import { prepareVoucherReceivable } from './voucher-financing-store';

// The issuer's payment of a voucher is planned under the voucher's row lock, which refuses to
// plan while a part is in a financing (the plan waits). An application for financing a part
// takes the part's row and the receivable's, never the voucher's: it can be made after the plan
// fixed the part's share for its holder and before the plan's batch is posted. The funder then
// holds the part's whole claim, and the batch, which settles that claim for the holder, meets a
// claim account with nothing left in it.
//
// Figures: a voucher of 1,000,000.00; holder A received it and passed 400,000.00 on to B
// (A holds 600,000.00, B 400,000.00). The issuer pays 1,000,000.00.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };

describe('a voucher part financed between its payment plan and the plan’s batch', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('pays every holder its share of the issuer’s payment, and no funder finances a claim whose payment is already shared out to its holder', async () => {
    const a = await createVoucherHolder(db.prisma, '佛山一级甲有限公司');
    const b = await createVoucherHolder(db.prisma, '佛山二级乙有限公司');
    const dueDate = addDays(businessDateOf(new Date()), 30);
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate,
      root: { key: 'A', holderPartyId: a.partyId, received: '1000000.00', children: [{ key: 'B', holderPartyId: b.partyId, received: '400000.00' }] },
    });

    // The issuer pays the whole voucher; the payment's plan is written (both parts ACTIVE: A 600,000.00, B 400,000.00 to their settlement accounts).
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-PAY-${fixture.voucherId}`, virtualAccountNumber: fixture.collectionVan, amount: '1000000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id);
    expect(plan.batches).toBe(1);

    // Before the batch is posted, B applies to finance its part: the whole 400,000.00 claim held for the funder.
    const applicant = await actorOf(db.prisma, b);
    const applied = await (async () => {
      const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: fixture.parts.B!.id, programId: parties.programId });
      return applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '320000.00', idempotencyKey: `voucher-race-${fixture.parts.B!.id}` }, TEST_FINANCING_WINDOWS);
    })().then(
      (result) => result.financing.id,
      () => null,
    );

    // The batch shares the payment out as planned.
    const posted = await postVoucherDistributionBatch(db.prisma, plan.distributionId, 0).then(
      () => 'POSTED',
      (error: unknown) => `${(error as { code?: string }).code ?? ''} ${(error as Error).message}`.slice(0, 300),
    );
    expect(posted).toBe('POSTED');
    expect([await settlementPosted(db.prisma, a.partyId), await settlementPosted(db.prisma, b.partyId)]).toEqual(['600000.00', '400000.00']);
    // B was paid its claim by the issuer: no financing of that claim is open beside it.
    const part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: fixture.parts.B!.id } });
    const financing = applied ? await db.prisma.financing.findUniqueOrThrow({ where: { id: applied } }) : null;
    expect([part.status, financing === null || ['REJECTED', 'CANCELLED', 'EXPIRED'].includes(financing.status)]).toEqual(['PAID', true]);
  });
});
