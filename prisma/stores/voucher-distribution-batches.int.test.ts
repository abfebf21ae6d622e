import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { Decimal } from '../../domain/money';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createActor, type TestActor } from '../../test/support/parties';
import { createBulkVoucher, type BulkVoucher } from '../../test/support/voucher-bulk-fixture';
import { openPartyAccounts, partyAccountCode } from './chart-of-accounts';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { DISTRIBUTION_BATCH_PARTS_MAX, finishVoucherDistribution, holderPayoutsOf, planVoucherDistribution, postVoucherDistributionBatch, type PlannedShare } from './voucher-distribution-store';

// A plan of more parts than one batch holds, posted batch by batch in any order and then
// again, twice at once: each batch reads its own slice of the plan, every part is paid and
// settled once, the parts paid in full become PAID, and the holders' sums are the shares'.

const PARTS = DISTRIBUTION_BATCH_PARTS_MAX + 150;
const HOLDERS = 7;
const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };

describe('the batches of a voucher distribution', () => {
  let db: TestDatabase;
  let issuer: TestActor;
  const holders: TestActor[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    issuer = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
    for (let index = 0; index < HOLDERS; index += 1) {
      const holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: `凭证持有人 ${index} 有限公司` });
      await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
      holders.push(holder);
    }
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  async function balanceOf(code: string): Promise<string> {
    const account = await findAccountByCode(db.prisma, code);
    return account ? (await getBalance(db.prisma, account.id)).posted.toFixed(2) : '0.00';
  }

  // A part's money is a leg its holder's parts in a batch share (one multi-leg transaction per 63
  // holders), so the parts paid are counted by their recorded shares, each naming the transaction
  // that carried it; the claims' memo transactions are counted in the ledger as before.
  async function postingsOf(voucher: BulkVoucher): Promise<number> {
    const distribution = await db.prisma.voucherDistribution.findFirstOrThrow({ where: { voucherId: voucher.voucherId, number: 1 } });
    const shares = await db.prisma.voucherDistributionShare.count({ where: { distributionId: distribution.id } });
    const claims = await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `voucher:${voucher.voucherId}:distribution:1:claims:` } } });
    return shares + claims;
  }

  async function ledgerTransactionsOf(voucher: BulkVoucher): Promise<number> {
    return db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `voucher:${voucher.voucherId}:distribution:1:` } } });
  }

  it('pays and settles every part once, whatever the order of the batches and however often they run', { timeout: 120_000 }, async () => {
    const voucher = await createBulkVoucher(db.prisma, {
      issuerPartyId: issuer.partyId,
      issuedByUserId: issuer.userId,
      holderPartyIds: holders.map((holder) => holder.partyId),
      parts: PARTS,
      branching: 7,
      heldEach: '1000.00',
      dueDate: addDays(businessDateOf(new Date()), 30),
    });
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-BATCHES-${voucher.voucherId}`, virtualAccountNumber: voucher.collectionVan, amount: voucher.amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id);
    expect(plan.batches).toBe(2);

    // The second batch first: each batch takes its own slice of the plan, not the first one's.
    expect(await postVoucherDistributionBatch(db.prisma, plan.distributionId, 1)).toEqual({ shares: 150, transactions: Math.ceil(HOLDERS / 63) + Math.ceil(150 / 63), replayed: false });
    expect(await db.prisma.voucherPart.count({ where: { voucherId: voucher.voucherId, status: 'PAID' } })).toBe(150);
    expect(await postVoucherDistributionBatch(db.prisma, plan.distributionId, 0)).toEqual({ shares: DISTRIBUTION_BATCH_PARTS_MAX, transactions: Math.ceil(HOLDERS / 63) + Math.ceil(DISTRIBUTION_BATCH_PARTS_MAX / 63), replayed: false });
    const postings = PARTS + Math.ceil(DISTRIBUTION_BATCH_PARTS_MAX / 63) + Math.ceil(150 / 63);
    expect(await postingsOf(voucher)).toBe(postings);
    // In the ledger: per batch one money transaction (7 holders' legs) and the claims' memo transactions.
    const transactions = 2 * Math.ceil(HOLDERS / 63) + Math.ceil(DISTRIBUTION_BATCH_PARTS_MAX / 63) + Math.ceil(150 / 63);
    expect(await ledgerTransactionsOf(voucher)).toBe(transactions);
    expect(await db.prisma.voucherPart.count({ where: { voucherId: voucher.voucherId, status: { not: 'PAID' } } })).toBe(0);

    // Run again, and twice at once: replays, nothing posted a second time.
    const replays = await Promise.all([0, 1, 0, 1].map((batch) => postVoucherDistributionBatch(db.prisma, plan.distributionId, batch)));
    expect(replays.every((replay) => replay.replayed)).toBe(true);
    expect(await postingsOf(voucher)).toBe(postings);
    expect(await ledgerTransactionsOf(voucher)).toBe(transactions);
    // A batch past the plan's end posts nothing.
    expect(await postVoucherDistributionBatch(db.prisma, plan.distributionId, 2)).toEqual({ shares: 0, transactions: 0, replayed: true });

    const finished = await finishVoucherDistribution(db.prisma, plan.distributionId);
    expect(finished.voucherStatus).toBe('PAID');
    expect(await balanceOf(`voucher:${voucher.voucherId}:COLLECTION:CNY`)).toBe('0.00');
    expect(await balanceOf(`voucher:${voucher.voucherId}:ISSUED:CNY`)).toBe('0.00');

    // Each holder's payout is what its parts held, holders in the order of their first parts.
    const held = await db.prisma.voucherPart.groupBy({ by: ['holderPartyId'], where: { voucherId: voucher.voucherId }, _sum: { heldAmount: true } });
    const heldBy = new Map(held.map((row) => [row.holderPartyId, new Decimal(row._sum.heldAmount!.toString()).toFixed(2)]));
    const expected = holders.map((holder) => ({ partyId: holder.partyId, amount: heldBy.get(holder.partyId)!, currency: 'CNY' }));
    expect(finished.holderPayouts).toEqual(expected);
    expect(await holderPayoutsOf(db.prisma, plan.distributionId, 2, 3)).toEqual(expected.slice(2, 5));
    for (const row of expected) expect(await balanceOf(partyAccountCode(row.partyId, 'SUPPLIER_SETTLEMENT', 'CNY'))).toBe(row.amount);
    expect(expected.reduce((sum, row) => sum.plus(row.amount), new Decimal(0)).toFixed(2)).toBe(voucher.amount);

    // Each part's recorded share is its planned share, and the leg it names carries exactly the
    // shares of the parts that name it: what each holder received is accounted for part by part.
    const planned = new Map(((await db.prisma.voucherDistribution.findUniqueOrThrow({ where: { id: plan.distributionId } })).shares as unknown as PlannedShare[]).map((share) => [share.p, share]));
    const recorded = await db.prisma.voucherDistributionShare.findMany({ where: { distributionId: plan.distributionId } });
    expect(recorded).toHaveLength(PARTS);
    const byLeg = new Map<string, Decimal>();
    for (const share of recorded) {
      expect([new Decimal(share.amount.toString()).toFixed(2), share.accountId]).toEqual([new Decimal(planned.get(share.partId)!.s).toFixed(2), planned.get(share.partId)!.m]);
      const leg = `${share.transactionId}:${share.accountId}`;
      byLeg.set(leg, (byLeg.get(leg) ?? new Decimal(0)).plus(share.amount.toString()));
    }
    const legs = await db.prisma.ledgerEntry.findMany({ where: { transactionId: { in: [...new Set(recorded.map((share) => share.transactionId))] }, direction: 'CREDIT' } });
    expect(legs).toHaveLength(byLeg.size);
    for (const leg of legs) expect(new Decimal(leg.amount.toString()).toFixed(2)).toBe(byLeg.get(`${leg.transactionId}:${leg.accountId}`)?.toFixed(2));
  });
});
