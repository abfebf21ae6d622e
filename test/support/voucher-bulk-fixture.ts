import { randomUUID } from 'node:crypto';
import { dateColumn, type IsoDate } from '../../domain/business-date';
import { ENTRIES_PER_TRANSACTION_MAX, type LedgerEntryInput } from '../../domain/ledger-rules';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import type { PrismaClient } from '../../prisma/client';
import { postBatch, type PostTransactionInput } from '../../prisma/stores/ledger/postings';
import { runTransaction } from '../../prisma/stores/run-transaction';
import { openCollectionAccount, openIssuedAccount, voucherClaimAccountCode } from '../../prisma/stores/voucher-store';
import { formatPartNumber } from '../../domain/voucher-rules';

// An ACTIVE voucher of many parts over several tiers, built in a few statements rather than a
// part at a time (voucher-fixture.ts builds small ones part by part): the claim accounts and the
// parts are inserted a tier at a time, and each part's claim is posted straight from ISSUED in
// memo transactions of up to 63 parts. Balances are what issue and transfers would leave (each
// claim holds its part's held amount); the transfers' own postings are left out, so the set-up
// of 10,000 parts takes seconds. Used by the distribution benchmark and the workflow's tests.

export interface BulkVoucher {
  voucherId: string;
  voucherNumber: string;
  collectionVan: string;
  amount: string;
  parts: number;
}

/** Claims posted per memo transaction: one entry is the ISSUED debit. */
const CLAIMS_PER_TRANSACTION_MAX = ENTRIES_PER_TRANSACTION_MAX - 1;
/** Transactions per postBatch call while setting up. */
const SETUP_BATCH_MAX = 500;

let bulkVouchers = 0;

/**
 * A voucher of `parts` parts as a `branching`-ary tree (part i's parent is part
 * floor((i - 1) / branching)), held round-robin by `holderPartyIds`; each part holds
 * `heldEach` plus i mod 97 cents, so a short payment has remainders to share.
 */
export async function createBulkVoucher(
  prisma: PrismaClient,
  input: { issuerPartyId: string; issuedByUserId: string; holderPartyIds: readonly string[]; parts: number; branching: number; heldEach: string; dueDate: IsoDate; currency?: Currency },
): Promise<BulkVoucher & { tiers: number }> {
  const currency = input.currency ?? 'CNY';
  const voucherId = randomUUID();
  bulkVouchers += 1;
  const voucherNumber = `VCH-2026-${String(process.pid % 10000).padStart(4, '0')}${String(9000 + bulkVouchers).padStart(4, '0')}`;
  const issued = await openIssuedAccount(prisma, voucherId, input.issuerPartyId, currency);
  const collection = await openCollectionAccount(prisma, voucherId, input.issuerPartyId, currency);
  const ids = Array.from({ length: input.parts }, () => randomUUID());
  const parent = (index: number) => (index === 0 ? null : Math.floor((index - 1) / input.branching));
  const tiers: number[] = [];
  for (let index = 0; index < input.parts; index += 1) tiers.push(index === 0 ? 1 : tiers[parent(index)!]! + 1);
  const held = ids.map((_, index) => new Decimal(input.heldEach).plus(new Decimal(index % 97).dividedBy(100)));
  // What each part received: what it holds plus what its descendants received from it.
  const received = held.map((amount) => amount);
  for (let index = input.parts - 1; index > 0; index -= 1) received[parent(index)!] = received[parent(index)!]!.plus(received[index]!);
  const amount = formatAmount(received[0]!, currency);
  const holders = ids.map((_, index) => input.holderPartyIds[index % input.holderPartyIds.length]!);
  const partNumber = (index: number) => formatPartNumber(voucherNumber, index + 1);

  await runTransaction(
    prisma,
    async (tx) => {
      const now = new Date();
      // Pending while its parts go in: the check that the parts add up runs once, at acceptance below.
      await tx.voucher.create({
        data: { id: voucherId, voucherNumber, issuerPartyId: input.issuerPartyId, currency, amount, dueDate: dateColumn(input.dueDate), status: 'PENDING_ACCEPTANCE', issuedAccountId: issued.id, collectionAccountId: collection.id, idempotencyKey: `bulk:${voucherId}`, requestHash: '0'.repeat(64), issuedByUserId: input.issuedByUserId },
      });
      const claimCodes = ids.map((id) => voucherClaimAccountCode(id, currency));
      await tx.$executeRaw`
        INSERT INTO ledger_account (code, name, type, normal_balance, book, currency, owner_party_id, purpose, debits_must_not_exceed_credits)
        SELECT c, '凭证债权 ' || n, 'LIABILITY', 'CREDIT', 'MEMO', ${currency}, o::uuid, 'VOUCHER_CLAIM', true
          FROM unnest(${claimCodes}::text[], ${ids.map((_, index) => partNumber(index))}::text[], ${holders}::text[]) AS t(c, n, o)`;
      const maxTier = Math.max(...tiers);
      for (let tier = 1; tier <= maxTier; tier += 1) {
        const members = ids.map((_, index) => index).filter((index) => tiers[index] === tier);
        await tx.$executeRaw`
          INSERT INTO voucher_part (id, part_number, voucher_id, parent_part_id, tier, holder_party_id, currency, original_amount, held_amount, status, claim_account_id, accepted_at)
          SELECT i::uuid, n, ${voucherId}::uuid, p::uuid, ${tier}, h::uuid, ${currency}, r::numeric, k::numeric, 'ACTIVE', a.id, ${now}
            FROM unnest(${members.map((index) => ids[index]!)}::text[], ${members.map(partNumber)}::text[], ${members.map((index) => (parent(index) === null ? null : ids[parent(index)!]!))}::text[],
                        ${members.map((index) => holders[index]!)}::text[], ${members.map((index) => received[index]!.toFixed(2))}::text[], ${members.map((index) => held[index]!.toFixed(2))}::text[],
                        ${members.map((index) => claimCodes[index]!)}::text[]) AS t(i, n, p, h, r, k, c)
            JOIN ledger_account a ON a.code = t.c`;
      }
      // The parts' deferred checks run now, while the voucher is still pending (each a no-op),
      // rather than at commit, where each would sum all the parts of the then ACTIVE voucher.
      await tx.$executeRaw`SET CONSTRAINTS voucher_parts_add_up_on_insert IMMEDIATE`;
      const claimAccounts = await tx.$queryRaw<Array<{ id: string; code: string }>>`SELECT id, code FROM ledger_account WHERE code = ANY(${claimCodes}::text[])`;
      const accountOf = new Map(claimAccounts.map((row) => [row.code, row.id]));
      const postings: PostTransactionInput[] = [];
      for (let start = 0; start < input.parts; start += CLAIMS_PER_TRANSACTION_MAX) {
        const group = ids.slice(start, start + CLAIMS_PER_TRANSACTION_MAX).map((_, offset) => start + offset);
        const entries: LedgerEntryInput[] = group.map((index) => ({ accountId: accountOf.get(claimCodes[index]!)!, direction: 'CREDIT', amount: held[index]!.toFixed(2), currency }));
        const total = group.reduce((sum, index) => sum.plus(held[index]!), new Decimal(0));
        entries.push({ accountId: issued.id, direction: 'DEBIT', amount: formatAmount(total, currency), currency });
        postings.push({ idempotencyKey: `voucher:${voucherId}:bulk-issue:${start}`, code: 'VOUCHER_ISSUE', metadata: { voucherId }, entries });
      }
      for (let start = 0; start < postings.length; start += SETUP_BATCH_MAX) await postBatch(tx, postings.slice(start, start + SETUP_BATCH_MAX));
      await tx.voucher.update({ where: { id: voucherId }, data: { status: 'ACTIVE', acceptedAt: now } });
    },
    { timeoutMs: 300_000 },
  );
  return { voucherId, voucherNumber, collectionVan: collection.virtualAccountNumber!, amount, parts: input.parts, tiers: Math.max(...tiers) };
}
