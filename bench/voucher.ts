// `npm run bench -- voucher`: voucher.distribute, the seconds to distribute one maturity payment
// across a voucher of 10,000 parts over 6 tiers (every part unfinanced), beside the ledger's
// batch posting of as many 2-entry transfers in the same run (the feature request's target:
// at most twice as long). The voucher is built in bulk beforehand and not measured.
import { randomUUID } from 'node:crypto';
import { addDays, businessDateOf } from '../domain/business-date';
import { createPrismaClient } from '../prisma/client';
import { ensurePlatformAccounts, openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { openAccount } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { postBatch, type PostTransactionInput } from '../prisma/stores/ledger/postings';
import { DISTRIBUTION_BATCH_PARTS_MAX, finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from '../prisma/stores/voucher-distribution-store';
import { uniqueCreditCode } from '../test/support/parties';
import { createBulkVoucher } from '../test/support/voucher-bulk-fixture';
import type { BenchResult } from './ledger';
import { round2 } from './measure';

/** The feature request's voucher: 10,000 parts. */
const PARTS = 10_000;
/** 7 transfers from each part: 1 + 7 + 49 + 343 + 2,401 parts fill 5 tiers, the rest is the 6th. */
const BRANCHING = 7;
/** Distinct holders the parts go to, round-robin: each gets a settlement account of its own. */
const HOLDERS = 500;
/** Runs of each contender, alternated so that a noisy neighbour hits both alike; the median counts. */
const ROUNDS = 2;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runVoucherBenchmark(databaseUrl: string, log: (line: string) => void): Promise<BenchResult[]> {
  const prisma = createPrismaClient({ databaseUrl, poolMax: 4 });
  try {
    await ensurePlatformAccounts(prisma, 'CNY');
    const issuer = await prisma.party.create({ data: { legalName: '广州云海智能制造集团股份有限公司', creditCode: uniqueCreditCode(), roles: ['CORE_ENTERPRISE'] } });
    const user = await prisma.user.create({ data: { partyId: issuer.id, email: `bench.${randomUUID()}@bench.example`, displayName: 'Bench', roles: ['MAKER'] } });
    const holders: string[] = [];
    for (let index = 0; index < HOLDERS; index += 1) {
      const party = await prisma.party.create({ data: { legalName: `凭证持有人 ${index} 有限公司`, creditCode: uniqueCreditCode(), roles: ['SUPPLIER'] } });
      // An enrolled supplier's accounts, its settlement account among them, exist before any voucher reaches it.
      await openPartyAccounts(prisma, { id: party.id, roles: ['SUPPLIER'] });
      holders.push(party.id);
    }
    const source = await openAccount(prisma, { code: `bench:voucher:source:${randomUUID()}`, name: 'Bench source', type: 'ASSET', purpose: 'ESCROW_BANK', currency: 'CNY' });
    const sinks: Array<{ id: string }> = [];
    for (let index = 0; index < HOLDERS; index += 1) sinks.push(await openAccount(prisma, { code: `bench:voucher:sink:${index}:${randomUUID()}`, name: `Bench sink ${index}`, type: 'LIABILITY', purpose: 'COLLECTION', currency: 'CNY' }));

    const distributeSeconds: number[] = [];
    const batchSeconds: number[] = [];
    let tiers = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const setUp = performance.now();
      const voucher = await createBulkVoucher(prisma, { issuerPartyId: issuer.id, issuedByUserId: user.id, holderPartyIds: holders, parts: PARTS, branching: BRANCHING, heldEach: '1000.00', dueDate: addDays(businessDateOf(new Date()), 30) });
      tiers = voucher.tiers;
      const booked = await recordInboundCredit(prisma, { bankReference: `BENCH-VCH-${voucher.voucherId}`, virtualAccountNumber: voucher.collectionVan, amount: voucher.amount, currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付', receivedAt: new Date() });
      log(`round ${round}/${ROUNDS}: voucher of ${PARTS} parts over ${voucher.tiers} tiers built in ${round2((performance.now() - setUp) / 1000)} s`);

      // Measured: what the workflow's activities do, one after another: plan, every batch, finish.
      const started = performance.now();
      const plan = await planVoucherDistribution(prisma, booked.credit.id);
      const planned = performance.now();
      for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(prisma, plan.distributionId, batch);
      const posted = performance.now();
      const finished = await finishVoucherDistribution(prisma, plan.distributionId);
      const distribute = (performance.now() - started) / 1000;
      if (finished.voucherStatus !== 'PAID') throw new Error(`the voucher is ${finished.voucherStatus} after a full payment`);
      distributeSeconds.push(distribute);
      log(`round ${round}/${ROUNDS}: distributed in ${round2(distribute)} s (plan ${round2((planned - started) / 1000)} s, ${plan.batches} batches ${round2((posted - planned) / 1000)} s, finish ${round2((performance.now() - posted) / 1000)} s)`);

      // The baseline: as many 2-entry transfers, in postBatch calls of the distribution's batch size.
      const transfers: PostTransactionInput[] = Array.from({ length: PARTS }, (_, index) => ({
        idempotencyKey: `bench:voucher:${round}:${index}:${voucher.voucherId}`,
        code: 'BENCH',
        entries: [
          { accountId: source.id, direction: 'DEBIT', amount: '1000.00', currency: 'CNY' },
          { accountId: sinks[index % HOLDERS]!.id, direction: 'CREDIT', amount: '1000.00', currency: 'CNY' },
        ],
      }));
      const baselineStarted = performance.now();
      for (let start = 0; start < PARTS; start += DISTRIBUTION_BATCH_PARTS_MAX) await postBatch(prisma, transfers.slice(start, start + DISTRIBUTION_BATCH_PARTS_MAX));
      batchSeconds.push((performance.now() - baselineStarted) / 1000);
      log(`round ${round}/${ROUNDS}: ledger postBatch of ${PARTS} transfers in ${round2(batchSeconds[batchSeconds.length - 1]!)} s`);
    }
    const problems = await verifyLedgerInvariants(prisma);
    if (problems.length) throw new Error(`the ledger is inconsistent after the benchmark: ${JSON.stringify(problems.slice(0, 5))}`);
    const value = median(distributeSeconds);
    const baseline = median(batchSeconds);
    return [
      {
        name: 'voucher.distribute',
        value: round2(value),
        unit: 's',
        baseline: round2(baseline),
        ratio: round2(value / baseline),
        note: `${PARTS} unfinanced parts over ${tiers} tiers, ${HOLDERS} holders, median of ${ROUNDS}; baseline: ledger postBatch of ${PARTS} 2-entry transfers (target ratio <= 2)`,
      },
    ];
  } finally {
    await prisma.$disconnect();
  }
}
