import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { WrongStateError } from '../../domain/errors';
import { Decimal } from '../../domain/money';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import type { TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, settlementPosted, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { recordInboundCredit } from './inbound-store';
import { verifyLedgerInvariants } from './ledger/invariants';
import { DistributionMustWaitError, finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';
import { decideVoucherTransfer, proposeVoucherTransfer } from './voucher-store';

// A holder's transfer of part of its claim holds that amount on its claim account until the
// recipient accepts or the offer ends. The issuer's payment is shared out by what each part holds:
// while an offer is open the claim is spoken for twice, so the payment waits for the offer to be
// decided; and once a payment is planned, no offer is made until its shares are posted.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

describe('an issuer’s payment of a voucher while a holder’s transfer is open', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  function offer(to: TestActor, amount: string) {
    return { recipientCreditCode: to.creditCode, recipientName: null, amount: new Decimal(amount), currency: 'CNY' as const, contractNumber: `HT-${randomUUID().slice(0, 8)}`, invoices: [], documentHashes: [], idempotencyKey: randomUUID() };
  }

  it('waits for the offer to be decided, then pays each holder what it holds; no offer is made while a payment is being shared out', async () => {
    const a = await createVoucherHolder(db.prisma, '佛山一级甲有限公司');
    const b = await createVoucherHolder(db.prisma, '佛山二级乙有限公司');
    const fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate: addDays(businessDateOf(new Date()), 30), root: { key: 'A', holderPartyId: a.partyId, received: '1000000.00' } });
    const holderA = await actorOf(db.prisma, a);

    // A offers 400,000.00 of its claim to B; the offer is open (waiting for A's second person, then B).
    const { transfer } = await proposeVoucherTransfer(db.prisma, holderA, fixture.parts.A!.id, offer(b, '400000.00'), randomUUID(), randomUUID(), { acceptanceWindowMs: WEEK_MS });
    expect(transfer.status).toMatch(/^PENDING_/);

    // The issuer pays the whole voucher: the payment waits while the offer is open.
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-PAY-${fixture.voucherId}`, virtualAccountNumber: fixture.collectionVan, amount: '1000000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
    const waiting = await planVoucherDistribution(db.prisma, booked.credit.id).then(
      () => null,
      (error: unknown) => error,
    );
    expect(waiting).toBeInstanceOf(DistributionMustWaitError);

    // A withdraws the offer: the whole claim is A's again, and the payment is shared out to A.
    await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'CANCEL', reason: '到期兑付，撤回转让 paid at maturity' }, holderA);
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id);

    // While its shares are being posted, A cannot offer any of the claim the plan gives it.
    const refused = await proposeVoucherTransfer(db.prisma, holderA, fixture.parts.A!.id, offer(b, '100000.00'), randomUUID(), randomUUID(), { acceptanceWindowMs: WEEK_MS }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(WrongStateError);

    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    expect((await finishVoucherDistribution(db.prisma, plan.distributionId)).voucherStatus).toBe('PAID');
    expect([await settlementPosted(db.prisma, a.partyId), await settlementPosted(db.prisma, b.partyId)]).toEqual(['1000000.00', '0.00']);
  });
});
