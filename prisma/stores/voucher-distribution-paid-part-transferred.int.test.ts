import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { Decimal } from '../../domain/money';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, settlementPosted, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { recordInboundCredit } from './inbound-store';
import { verifyLedgerInvariants } from './ledger/invariants';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';
import { decideVoucherTransfer, proposeVoucherTransfer } from './voucher-store';

// The issuer of a voucher of 1,000,000.00 pays 400,000.00 early: T1, the only holder, receives
// it, and 600,000.00 of its claim is still owed. T1 then pays its own supplier A with that rest:
// a transfer of 600,000.00, approved and accepted. T1's part holds 400,000.00, all of it paid; A's
// holds 600,000.00. The issuer pays the remaining 600,000.00 on time: A receives it, nothing is
// owed on any part, and the voucher is PAID (docs/workflows/voucher.md, States), as is every part.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证兑付' };
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

describe('a voucher paid in two instalments, the first holder passing on the rest of its claim in between', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let credits = 0;

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

  it('ends PAID with every part PAID once the issuer has paid the whole amount', async () => {
    const t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    const t1Checker = await createActor(db.prisma, { partyId: t1.partyId, userRoles: ['CHECKER'] });
    const a = await createVoucherHolder(db.prisma, '佛山二级甲有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 30),
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00' },
    });
    const pay = async (amount: string) => {
      credits += 1;
      const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-PAY-${fixture.voucherId}-${credits}`, virtualAccountNumber: fixture.collectionVan, amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });
      expect(booked.exception).toBeNull();
      const plan = await planVoucherDistribution(db.prisma, booked.credit.id);
      for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
      return finishVoucherDistribution(db.prisma, plan.distributionId);
    };

    // The early instalment: all of it T1's.
    expect((await pay('400000.00')).voucherStatus).toBe('ACTIVE');
    expect(await settlementPosted(db.prisma, t1.partyId)).toBe('400000.00');

    // T1 passes the 600,000.00 still owed to it on to A.
    const { transfer } = await proposeVoucherTransfer(db.prisma, await actorOf(db.prisma, t1), fixture.parts.T1!.id, offer(a, '600000.00'), randomUUID(), randomUUID(), { acceptanceWindowMs: WEEK_MS });
    await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'APPROVE' }, { userId: t1Checker.userId, partyId: t1.partyId });
    expect(await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'ACCEPT' }, { userId: a.userId, partyId: a.partyId })).toMatchObject({ status: 'ACCEPTED' });

    // The rest of the voucher: all of it A's, and nothing is owed on the voucher any more.
    const finished = await pay('600000.00');
    expect(finished.voucherStatus).toBe('PAID');
    expect({ T1: await settlementPosted(db.prisma, t1.partyId), A: await settlementPosted(db.prisma, a.partyId) }).toEqual({ T1: '400000.00', A: '600000.00' });
    expect(await db.prisma.voucherPart.findMany({ where: { voucherId: fixture.voucherId }, select: { partNumber: true, heldAmount: true, status: true }, orderBy: { partNumber: 'asc' } }).then((rows) => rows.map((row) => [row.partNumber, row.heldAmount.toFixed(2), row.status]))).toEqual([
      [fixture.parts.T1!.partNumber, '400000.00', 'PAID'],
      [expect.any(String), '600000.00', 'PAID'],
    ]);
  });
});
