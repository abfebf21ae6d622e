import { randomUUID } from 'node:crypto';
import { transfer } from '../../domain/ledger-rules';
import { Decimal, type Currency } from '../../domain/money';
import type { PrismaClient } from '../../prisma/client';
import { dateColumn, type IsoDate } from '../../domain/business-date';
import { recordInboundCredit } from '../../prisma/stores/inbound-store';
import { postTransaction } from '../../prisma/stores/ledger/postings';
import { runTransaction } from '../../prisma/stores/run-transaction';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from '../../prisma/stores/voucher-distribution-store';
import { openClaimAccount, openCollectionAccount, openIssuedAccount } from '../../prisma/stores/voucher-store';
import { formatPartNumber } from '../../domain/voucher-rules';

// An ACTIVE voucher in the state issue, acceptance and accepted transfers leave it in
// (docs/workflows/voucher.md), built with the ledger's own functions: its VOUCHER_ISSUED and
// COLLECTION accounts, one ACTIVE part per holding with its VOUCHER_CLAIM account, the issue
// posted ISSUED → root CLAIM and each transfer parent CLAIM → child CLAIM. The parts' held
// amounts are what they received less what they passed on, so the database's check that they
// add up to the voucher holds. Until the issue and transfer flow exists on this branch, this
// stands in for it; an end-to-end test of the real flow replaces it.

/** One holding: the holder, what it received, and the parts it passed on. */
export interface FixturePart {
  key: string;
  holderPartyId: string;
  received: string;
  children?: FixturePart[];
}

export interface VoucherFixture {
  voucherId: string;
  voucherNumber: string;
  collectionAccountId: string;
  collectionVan: string;
  issuedAccountId: string;
  /** Part id by the key it was given. */
  parts: Record<string, { id: string; partNumber: string; claimAccountId: string; held: string; holderPartyId: string }>;
}

let fixtures = 0;

export async function createVoucherFixture(
  prisma: PrismaClient,
  input: { issuerPartyId: string; issuedByUserId: string; dueDate: IsoDate; root: FixturePart; currency?: Currency },
): Promise<VoucherFixture> {
  const currency = input.currency ?? 'CNY';
  const voucherId = randomUUID();
  fixtures += 1;
  const voucherNumber = `VCH-2026-${String(process.pid % 10000).padStart(4, '0')}${String(fixtures).padStart(4, '0')}`;
  const issued = await openIssuedAccount(prisma, voucherId, input.issuerPartyId, currency);
  const collection = await openCollectionAccount(prisma, voucherId, input.issuerPartyId, currency);
  // Every part, depth first, with its parent and tier, and its claim account opened.
  const flat: Array<{ spec: FixturePart; id: string; parentId: string | null; tier: number; claimAccountId: string; partNumber: string; held: Decimal }> = [];
  const walk = async (spec: FixturePart, parentId: string | null, tier: number) => {
    const id = randomUUID();
    const partNumber = formatPartNumber(voucherNumber, flat.length + 1);
    const claim = await openClaimAccount(prisma, id, spec.holderPartyId, currency);
    const passedOn = (spec.children ?? []).reduce((sum, child) => sum.plus(child.received), new Decimal(0));
    flat.push({ spec, id, parentId, tier, claimAccountId: claim.id, partNumber, held: new Decimal(spec.received).minus(passedOn) });
    for (const child of spec.children ?? []) await walk(child, id, tier + 1);
  };
  await walk(input.root, null, 1);
  const amount = input.root.received;
  const byId = new Map(flat.map((part) => [part.id, part]));

  await runTransaction(prisma, async (tx) => {
    const now = new Date();
    await tx.voucher.create({
      data: {
        id: voucherId,
        voucherNumber,
        issuerPartyId: input.issuerPartyId,
        currency,
        amount,
        dueDate: dateColumn(input.dueDate),
        status: 'ACTIVE',
        issuedAccountId: issued.id,
        collectionAccountId: collection.id,
        idempotencyKey: `fixture:${voucherId}`,
        requestHash: '0'.repeat(64),
        issuedByUserId: input.issuedByUserId,
        acceptedAt: now,
      },
    });
    for (const part of flat) {
      await tx.voucherPart.create({
        data: {
          id: part.id,
          partNumber: part.partNumber,
          voucherId,
          parentPartId: part.parentId,
          tier: part.tier,
          holderPartyId: part.spec.holderPartyId,
          currency,
          originalAmount: part.spec.received,
          heldAmount: part.held.toFixed(),
          status: 'ACTIVE',
          claimAccountId: part.claimAccountId,
          acceptedAt: now,
        },
      });
    }
    // The issue, then each transfer in the order it was made (a parent before its children).
    for (const part of flat) {
      const from = part.parentId ? byId.get(part.parentId)!.claimAccountId : issued.id;
      await postTransaction(tx, {
        idempotencyKey: part.parentId ? `voucher-transfer:fixture-${part.id}:post` : `voucher-transfer:fixture-${voucherId}:post`,
        code: part.parentId ? 'VOUCHER_TRANSFER' : 'VOUCHER_ISSUE',
        metadata: { voucherId, partId: part.id },
        entries: transfer(from, part.claimAccountId, new Decimal(part.spec.received), currency),
      });
    }
  });
  const parts: VoucherFixture['parts'] = {};
  for (const part of flat) parts[part.spec.key] = { id: part.id, partNumber: part.partNumber, claimAccountId: part.claimAccountId, held: part.held.toFixed(2), holderPartyId: part.spec.holderPartyId };
  return { voucherId, voucherNumber, collectionAccountId: collection.id, collectionVan: collection.virtualAccountNumber!, issuedAccountId: issued.id, parts };
}

/**
 * The issuer pays `amount` into the voucher's collection account now (the feed books it), and the
 * payment is shared out as the distribution workflow does it: the plan, each batch, the end.
 */
export async function issuerPaysVoucher(prisma: PrismaClient, fixture: VoucherFixture, amount: string) {
  const booked = await recordInboundCredit(prisma, {
    bankReference: `VCH-PAY-${fixture.voucherId}`,
    virtualAccountNumber: fixture.collectionVan,
    amount,
    currency: 'CNY',
    payerName: '广州云海智能制造集团股份有限公司',
    payerAccountNumber: '6222020200990011223',
    remittanceInformation: '凭证到期兑付',
    receivedAt: new Date(),
  });
  const plan = await planVoucherDistribution(prisma, booked.credit.id);
  for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(prisma, plan.distributionId, batch);
  return { plan, finished: await finishVoucherDistribution(prisma, plan.distributionId) };
}
