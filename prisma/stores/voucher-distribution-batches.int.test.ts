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
import { postBatch, type PostTransactionInput } from './ledger/postings';
import { verifyLedgerInvariants } from './ledger/invariants';
import { DISTRIBUTION_BATCH_PARTS_MAX, finishVoucherDistribution, holderPayoutsOf, planVoucherDistribution, distributedSharesOf, postVoucherDistributionBatch, type PlannedShare } from './voucher-distribution-store';

// A plan of more parts than one batch holds, posted batch by batch in any order and then
// again, twice at once: each batch reads its own slice of the plan, every part is paid and
// settled once, the parts paid in full become PAID, and the holders' sums are the shares'. A plan
// written before per-holder legs, half posted by the earlier code, is finished in its own shape,
// and the earlier code can no longer read a plan at all.

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
  // holders), so the parts paid are counted by their shares whose money transaction is posted;
  // the claims' memo transactions are counted in the ledger as before.
  async function postingsOf(voucher: BulkVoucher): Promise<number> {
    const distribution = await db.prisma.voucherDistribution.findFirstOrThrow({ where: { voucherId: voucher.voucherId, number: 1 } });
    const shares = (await distributedSharesOf(db.prisma, distribution.id)).filter((share) => share.transactionId !== null).length;
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

    // Each part's share names the money transaction and leg that carried it, and the memo
    // transaction that settled its claim: every leg carries exactly the shares of the parts that
    // name it, and every claim debit is its part's share. A holder's receipts add up part by part.
    const distributed = await distributedSharesOf(db.prisma, plan.distributionId);
    expect(distributed).toHaveLength(PARTS);
    const legs = new Map<string, Decimal>();
    for (const share of distributed) legs.set(`${share.transactionId}:${share.accountId}`, (legs.get(`${share.transactionId}:${share.accountId}`) ?? new Decimal(0)).plus(share.amount));
    const credits = await db.prisma.ledgerEntry.findMany({ where: { transactionId: { in: [...new Set(distributed.map((share) => share.transactionId!))] }, direction: 'CREDIT' } });
    expect(credits.map((leg) => [`${leg.transactionId}:${leg.accountId}`, new Decimal(leg.amount.toString()).toFixed(2)]).sort()).toEqual([...legs].map(([leg, amount]) => [leg, amount.toFixed(2)]).sort());
    const claimOf = new Map((await db.prisma.voucherPart.findMany({ where: { voucherId: voucher.voucherId }, select: { id: true, claimAccountId: true } })).map((part) => [part.id, part.claimAccountId]));
    const debits = await db.prisma.ledgerEntry.findMany({ where: { transactionId: { in: [...new Set(distributed.map((share) => share.claimTransactionId!))] }, direction: 'DEBIT' } });
    expect(debits.map((leg) => `${leg.transactionId}:${leg.accountId}:${new Decimal(leg.amount.toString()).toFixed(2)}`).sort()).toEqual(distributed.map((share) => `${share.claimTransactionId}:${claimOf.get(share.partId)}:${share.amount}`).sort());
  });

  it('finishes a plan written before per-holder legs in its own shape: a batch the earlier code posted is replayed, not paid again', { timeout: 120_000 }, async () => {
    const voucher = await createBulkVoucher(db.prisma, {
      issuerPartyId: issuer.partyId,
      issuedByUserId: issuer.userId,
      holderPartyIds: holders.map((holder) => holder.partyId),
      parts: PARTS,
      branching: 7,
      heldEach: '1000.00',
      dueDate: addDays(businessDateOf(new Date()), 30),
    });
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-PER-PART-${voucher.voucherId}`, virtualAccountNumber: voucher.collectionVan, amount: voucher.amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id);
    // As the migration leaves a plan written before it: PER_PART.
    await db.prisma.voucherDistribution.update({ where: { id: plan.distributionId }, data: { moneyPostings: 'PER_PART' } });

    // Its first batch posted by the earlier code, as that code built it (frozen here): a money
    // transaction per part under the part's key, the claims in memo transactions of 63.
    const row = await db.prisma.voucherDistribution.findUniqueOrThrow({ where: { id: plan.distributionId }, include: { voucher: true } });
    const first = (row.shares as unknown as PlannedShare[]).slice(0, DISTRIBUTION_BATCH_PARTS_MAX);
    const effectiveAt = booked.credit.receivedAt;
    const earlier: PostTransactionInput[] = first.map((share) => ({
      idempotencyKey: `voucher:${voucher.voucherId}:distribution:${row.number}:${share.p}`,
      code: 'VOUCHER_DISTRIBUTION',
      description: `到期清分 ${share.n}`,
      effectiveAt,
      metadata: { voucherId: voucher.voucherId, distribution: row.number, partId: share.p },
      entries: [
        { accountId: row.voucher.collectionAccountId!, direction: 'DEBIT', amount: share.s, currency: 'CNY' },
        { accountId: share.m, direction: 'CREDIT', amount: share.s, currency: 'CNY' },
      ],
    }));
    for (let start = 0; start < first.length; start += 63) {
      const group = first.slice(start, start + 63);
      earlier.push({
        idempotencyKey: `voucher:${voucher.voucherId}:distribution:${row.number}:claims:0:${start / 63}`,
        code: 'VOUCHER_CLAIM_SETTLED',
        description: `凭证债权清偿 ${group[0]!.n} – ${group[group.length - 1]!.n}`,
        effectiveAt,
        metadata: { voucherId: voucher.voucherId, distribution: row.number, parts: group.length },
        entries: [
          ...group.map((share) => ({ accountId: share.c, direction: 'DEBIT' as const, amount: share.s, currency: 'CNY' })),
          { accountId: row.voucher.issuedAccountId, direction: 'CREDIT', amount: group.reduce((sum, share) => sum.plus(share.s), new Decimal(0)).toFixed(2), currency: 'CNY' },
        ],
      });
    }
    await postBatch(db.prisma, earlier);
    await db.prisma.voucherPart.updateMany({ where: { id: { in: first.filter((share) => share.z).map((share) => share.p) } }, data: { status: 'PAID' } });

    // The new code finishes it: the first batch is found posted and not posted again (its memo
    // transactions were written in an earlier shape), the second is posted per part.
    expect(await postVoucherDistributionBatch(db.prisma, plan.distributionId, 0)).toEqual({ shares: DISTRIBUTION_BATCH_PARTS_MAX, transactions: earlier.length, replayed: true });
    expect(await postVoucherDistributionBatch(db.prisma, plan.distributionId, 1)).toEqual({ shares: 150, transactions: 150 + Math.ceil(150 / 63), replayed: false });
    const keys = `voucher:${voucher.voucherId}:distribution:${row.number}:`;
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: keys }, code: 'VOUCHER_DISTRIBUTION' } })).toBe(PARTS);
    expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `${keys}money:` } } })).toBe(0);
    const finished = await finishVoucherDistribution(db.prisma, plan.distributionId);
    expect(finished.voucherStatus).toBe('PAID');
    expect(await balanceOf(`voucher:${voucher.voucherId}:COLLECTION:CNY`)).toBe('0.00');
    expect(await balanceOf(`voucher:${voucher.voucherId}:ISSUED:CNY`)).toBe('0.00');
    expect(finished.holderPayouts.reduce((sum, payout) => sum.plus(payout.amount), new Decimal(0)).toFixed(2)).toBe(voucher.amount);
    // Each part's share names its own money transaction.
    const distributed = await distributedSharesOf(db.prisma, plan.distributionId);
    expect(new Set(distributed.map((share) => share.transactionId)).size).toBe(PARTS);
    expect(distributed.every((share) => share.transactionId !== null && share.claimTransactionId !== null)).toBe(true);
  });

  it('cannot be read by the earlier distribution code, which would post a per-holder plan per part a second time', async () => {
    // The earlier code's read of a batch's slice of the plan, word for word: after the plan's
    // shares moved to `planned_shares` it fails, so a worker of that code still running during a
    // deploy retries its activity and pays nothing; a worker of the current code posts the batch.
    const [plan] = await db.prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM voucher_distribution LIMIT 1`;
    expect(plan).toBeDefined();
    await expect(db.prisma.$queryRaw`
      SELECT jsonb_path_query_array(d.shares, '$[$from to $last]', jsonb_build_object('from', 0, 'last', 9)) AS shares
        FROM voucher_distribution d WHERE d.id = ${plan!.id}::uuid`).rejects.toThrow(/column d\.shares does not exist/);
  });
});
