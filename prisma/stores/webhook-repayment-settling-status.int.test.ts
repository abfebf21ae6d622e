import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordInboundCredit } from './inbound-store';
import { recordPayoutOutcome } from './payout-store';
import { allocateCollection } from './servicing-store';
import { newWebhookSecret, sealWebhookSecret } from './webhook-secret-box';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, disbursedAt, type FinancingParties } from '../../test/support/financings';
import { publishEvents } from '../../test/support/publish-events';

// A webhook body carries "the `status` the change committed, even when the object has moved on
// by the time it is published" (docs/webhooks.md). The repayment that pays a financing off is
// allocated and settles the financing in one transaction: what that transaction committed is a
// SETTLED financing. A funder's ERP that books the repayment from its REPAYMENT_RECEIVED body
// must read SETTLED there, not the status the financing had before the money came.

describe('the REPAYMENT_RECEIVED webhook of the repayment that settles a financing', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('carries the SETTLED status its transaction committed, as the FINANCING_UPDATED of the same transaction does', async () => {
    const endpoint = await db.prisma.webhookEndpoint.create({
      data: {
        partyId: parties.funder.partyId,
        url: 'http://127.0.0.1:9/hooks',
        eventTypes: ['FINANCING_UPDATED', 'REPAYMENT_RECEIVED'],
        status: 'ACTIVE',
        secretCiphertext: sealWebhookSecret(newWebhookSecret()),
        createdByUserId: parties.funder.userId,
      },
    });
    // 800,000.00 disbursed to the supplier's account, the bank's confirmation recorded: DISBURSED.
    const t0 = new Date();
    const { id, payout } = await disbursedAt(db.prisma, parties, t0, { payoutAccount: true });
    await recordPayoutOutcome(db.prisma, payout!.id, { kind: 'BANK', view: { payoutReference: payout!.payoutReference, status: 'SETTLED', amount: payout!.amount.toFixed(2), currency: 'CNY', bankReference: null, failureReason: null, settledAt: t0, failedAt: null, returnedAt: null, returnReason: null } }, t0);
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id } });
    expect(financing.status).toBe('DISBURSED');
    const financed = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id }, include: { collectionAccount: true } });
    const owed = financed.principalOutstanding.plus(financed.interestOutstanding).plus(financed.feesOutstanding).plus(financed.penaltyOutstanding);
    expect(owed.toFixed(2)).toBe('800000.00');
    await recordInboundCredit(db.prisma, {
      bankReference: `SETTLING-${financing.id}`,
      virtualAccountNumber: financed.collectionAccount!.virtualAccountNumber!,
      amount: owed.toFixed(2),
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200112233445',
      remittanceInformation: 'repayment',
      receivedAt: new Date(),
    });
    const allocation = (await allocateCollection(db.prisma, financing.id, `settling:${financing.id}:allocation`))!;
    expect(allocation.outstandingAfter.toFixed(2)).toBe('0.00');
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).status).toBe('SETTLED');
    await publishEvents(db.url);

    const deliveries = await db.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { eventId: 'asc' } });
    const financingStatuses = deliveries.filter((delivery) => delivery.eventType === 'FINANCING_UPDATED').map((delivery) => (delivery.payload as { data: { status: string } }).data.status);
    expect(financingStatuses.at(-1)).toBe('SETTLED');
    const repayments = deliveries.filter((delivery) => delivery.eventType === 'REPAYMENT_RECEIVED').map((delivery) => (delivery.payload as { data: unknown }).data);
    expect(repayments).toEqual([{ subjectId: allocation.id, financingId: financing.id, receivableId: financing.receivableId, status: 'SETTLED' }]);
  }, 60_000);
});
