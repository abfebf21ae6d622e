import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt, type FinancingParties } from '../../test/support/financings';
import { publishEvents } from '../../test/support/publish-events';
import { collectionAccountCode } from './chart-of-accounts';
import { receiveInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { serviceFinancing } from './servicing-store';
import { newWebhookSecret, sealWebhookSecret } from './webhook-secret-box';

// Time in money is business time: the workflow's clock, the bank's value date, never the moment
// a process got round to writing it down. A financing's servicing step allocates a repayment and
// settles the financing at the step's business time (allocatedAt, the transition's occurredAt,
// the ledger's effectiveAt), whenever its transaction happens to commit; the financing counts as
// settled (settledAt) from when the bank received the money that made it whole. The funder's ERP
// is told of both by webhook; each body's `occurredAt` is when what it speaks of happened, the
// same instant the API answers for the allocation and the settlement step, not when the database
// wrote it.

describe('the occurredAt of the webhooks of a repayment allocated and a financing settled by a servicing step', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
  });

  it("is the step's business time, as allocatedAt says, not the time the database committed it", async () => {
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
    // 800,000.00 disbursed on day 0, 45 business days ago; the core enterprise pays 800,000.00 on
    // day 9 at 15:00 and the servicing step of day 9 runs at 16:00.
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -45, 10));
    const collection = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, {
      bankReference: `OCCURRED-${f.id}`,
      virtualAccountNumber: collection,
      amount: '800000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'repayment',
      receivedAt: f.at(9, 15),
    });
    await serviceFinancing(db.prisma, f.id, f.date(9), `test:${f.id}:day-9`, f.at(9, 16));
    const settled = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const [allocation, ...more] = await db.prisma.repaymentAllocation.findMany({ where: { financingId: f.id } });
    expect({ status: settled.status, settledAt: settled.settledAt?.toISOString(), allocatedAt: allocation?.allocatedAt.toISOString(), more: more.length }).toEqual({
      status: 'SETTLED',
      settledAt: f.at(9, 15).toISOString(),
      allocatedAt: f.at(9, 16).toISOString(),
      more: 0,
    });
    await publishEvents(db.url);

    const bodies = (await db.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { eventId: 'asc' } })).map(
      (delivery) => delivery.payload as { type: string; occurredAt: string; data: { status?: string } },
    );
    const occurredAt = (type: string, status?: string) =>
      bodies.filter((body) => body.type === type && (status === undefined || body.data.status === status)).map((body) => body.occurredAt);
    expect({ repayment: occurredAt('REPAYMENT_RECEIVED'), settlement: occurredAt('FINANCING_UPDATED', 'SETTLED') }).toEqual({
      repayment: [f.at(9, 16).toISOString()],
      settlement: [f.at(9, 16).toISOString()],
    });
  }, 60_000);
});
