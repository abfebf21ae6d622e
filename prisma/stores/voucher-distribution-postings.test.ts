import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/money';
import { validateEntries } from '../../domain/ledger-rules';
import { distributionBatchPostings, distributionMoneyKey, distributionPostingKey, type BatchPlan, type PlannedShare } from './voucher-distribution-store';

// The postings of a batch, built without a database: every transaction balanced and within the
// ledger's entries per transaction, each holder's parts in a batch on one credit leg, a financed
// part through the clearing account to a transaction of its own, every part's claim debited by
// its own share, and each share mapped to the transactions that carry it.

const COLLECTION = randomUUID();
const ISSUED = randomUUID();
const CLEARING = randomUUID();

function planOf(moneyPostings: BatchPlan['moneyPostings']): BatchPlan {
  return { voucherId: randomUUID(), voucherNumber: 'VCH-2026-00000042', number: 1, currency: 'CNY', moneyPostings, collectionAccountId: COLLECTION, issuedAccountId: ISSUED, clearingAccountId: CLEARING, receivedAt: new Date('2026-12-06T02:00:00Z'), effectiveAt: new Date('2026-12-06T02:00:00Z') };
}

/** `count` shares, part i held by holder i mod `holders` (settlement account of its own), every `financedEvery`-th part financed. */
function sharesOf(count: number, holders: number, financedEvery = 0): PlannedShare[] {
  const settlement = Array.from({ length: holders }, () => randomUUID());
  const holder = Array.from({ length: holders }, () => randomUUID());
  return Array.from({ length: count }, (_, index) => {
    const financed = financedEvery > 0 && index % financedEvery === financedEvery - 1;
    return { p: randomUUID(), n: `P-${index}`, s: `${100 + index}.${String(index % 100).padStart(2, '0')}`, m: financed ? randomUUID() : settlement[index % holders]!, c: randomUUID(), f: financed ? randomUUID() : null, h: holder[index % holders]!, z: true };
  });
}

const debits = (entries: { direction: string; amount: string }[]) => entries.filter((entry) => entry.direction === 'DEBIT').reduce((sum, entry) => sum.plus(entry.amount), new Decimal(0));
const credits = (entries: { direction: string; amount: string }[]) => entries.filter((entry) => entry.direction === 'CREDIT').reduce((sum, entry) => sum.plus(entry.amount), new Decimal(0));

describe('the postings of a distribution batch', () => {
  it('puts 2,000 parts of 500 holders on 500 credit legs in 8 balanced money transactions, and their claims on 32 memo transactions', () => {
    const plan = planOf('PER_HOLDER');
    const shares = sharesOf(2000, 500);
    const { postings, keys } = distributionBatchPostings(plan, shares, 3);
    const money = postings.filter((posting) => posting.code === 'VOUCHER_DISTRIBUTION');
    const memo = postings.filter((posting) => posting.code === 'VOUCHER_CLAIM_SETTLED');
    expect([money.length, memo.length]).toEqual([8, 32]);
    expect(money.map((posting) => posting.idempotencyKey)).toEqual(Array.from({ length: 8 }, (_, index) => distributionMoneyKey(plan.voucherId, 1, 3, index)));
    for (const posting of postings) {
      expect(() => validateEntries(posting.entries, ['entries'])).not.toThrow();
      expect(debits(posting.entries).toFixed(2)).toBe(credits(posting.entries).toFixed(2));
    }
    // The collection account is debited once per money transaction, and each holder's account credited once in the batch.
    for (const posting of money) expect(posting.entries.filter((entry) => entry.direction === 'DEBIT').map((entry) => entry.accountId)).toEqual([COLLECTION]);
    const legs = money.flatMap((posting) => posting.entries.filter((entry) => entry.direction === 'CREDIT').map((entry) => [posting.idempotencyKey, entry.accountId, entry.amount] as const));
    expect(new Set(legs.map(([, account]) => account)).size).toBe(500);
    expect(legs).toHaveLength(500);
    // Each leg is exactly its holder's shares in the batch, and each share names the leg's transaction.
    for (const [key, account, amount] of legs) {
      const mine = shares.map((share, index) => ({ share, index })).filter(({ share }) => share.m === account);
      expect(mine.reduce((sum, { share }) => sum.plus(share.s), new Decimal(0)).toFixed(2)).toBe(amount);
      for (const { index } of mine) expect(keys[index]!.money).toBe(key);
    }
    // No cent created or lost: what leaves the collection account is what the shares add up to, and so is what the claims are debited.
    const total = shares.reduce((sum, share) => sum.plus(share.s), new Decimal(0)).toFixed(2);
    expect(money.reduce((sum, posting) => sum.plus(debits(posting.entries)), new Decimal(0)).toFixed(2)).toBe(total);
    expect(memo.reduce((sum, posting) => sum.plus(debits(posting.entries)), new Decimal(0)).toFixed(2)).toBe(total);
    // Every part's claim debited by its own share, in the memo transaction its share names.
    shares.forEach((share, index) => {
      const claim = memo.find((posting) => posting.idempotencyKey === keys[index]!.claim)!;
      expect(claim.entries.filter((entry) => entry.accountId === share.c)).toEqual([{ accountId: share.c, direction: 'DEBIT', amount: new Decimal(share.s).toFixed(2), currency: 'CNY' }]);
    });
    // Nothing in a shared transaction names a part or a holder.
    const names = new Set(shares.flatMap((share) => [share.p, share.n, share.h]));
    for (const posting of money) {
      const text = JSON.stringify([posting.description, posting.metadata]);
      expect([...names].filter((name) => text.includes(name))).toEqual([]);
    }
  });

  it('takes a financed part\'s share out of the collection account on the clearing leg of the holders\' transaction, then to its financing in a transaction of its own', () => {
    const plan = planOf('PER_HOLDER');
    const shares = sharesOf(100, 7, 10);
    const { postings, keys } = distributionBatchPostings(plan, shares, 0);
    const financedShares = shares.filter((share) => share.f);
    // What the issuer's collection account is debited by: the holders' transaction only, one debit.
    const fromCollection = postings.filter((posting) => posting.entries.some((entry) => entry.accountId === COLLECTION));
    expect(fromCollection.map((posting) => posting.code)).toEqual(['VOUCHER_DISTRIBUTION']);
    const legs = fromCollection[0]!.entries.filter((entry) => entry.direction === 'CREDIT');
    expect(legs).toHaveLength(7 + 1);
    expect(legs.find((entry) => entry.accountId === CLEARING)?.amount).toBe(financedShares.reduce((sum, share) => sum.plus(share.s), new Decimal(0)).toFixed(2));
    // Each financed share from the clearing account to its financing's collection account, under its part key, after the holders' transaction.
    const financed = postings.filter((posting) => posting.code === 'VOUCHER_DISTRIBUTION_FINANCED');
    expect(financed.map((posting) => posting.idempotencyKey)).toEqual(financedShares.map((share) => distributionPostingKey(plan.voucherId, 1, share.p)));
    expect(financed.map((posting) => posting.entries.map((entry) => [entry.accountId, entry.direction, entry.amount]))).toEqual(
      financedShares.map((share) => [
        [CLEARING, 'DEBIT', new Decimal(share.s).toFixed(2)],
        [share.m, 'CREDIT', new Decimal(share.s).toFixed(2)],
      ]),
    );
    for (const posting of financed) expect(posting.metadata).toMatchObject({ financingId: expect.any(String), partId: expect.any(String) });
    expect(postings.indexOf(fromCollection[0]!)).toBeLessThan(postings.indexOf(financed[0]!));
    shares.forEach((share, index) => expect(keys[index]!.money === distributionPostingKey(plan.voucherId, 1, share.p)).toBe(share.f !== null));
    // The claims' memo transactions name no part and no count.
    for (const posting of postings.filter((item) => item.code === 'VOUCHER_CLAIM_SETTLED')) expect([posting.description, posting.metadata]).toEqual([`凭证债权清偿 ${plan.voucherNumber}`, { voucherId: plan.voucherId, distribution: 1, batch: 0 }]);
  });

  it('posts a plan written before per-holder legs as before: a money transaction per part under its part key', () => {
    const plan = planOf('PER_PART');
    const shares = sharesOf(130, 7);
    const { postings, keys } = distributionBatchPostings(plan, shares, 1);
    const money = postings.filter((posting) => posting.code === 'VOUCHER_DISTRIBUTION');
    expect(money.map((posting) => posting.idempotencyKey)).toEqual(shares.map((share) => distributionPostingKey(plan.voucherId, 1, share.p)));
    expect(money.map((posting) => [posting.description, posting.metadata])).toEqual(shares.map((share) => [`到期清分 ${share.n}`, { voucherId: plan.voucherId, distribution: 1, partId: share.p }]));
    expect(keys.map((key) => key.money)).toEqual(money.map((posting) => posting.idempotencyKey));
    expect(postings.filter((posting) => posting.code === 'VOUCHER_CLAIM_SETTLED')).toHaveLength(Math.ceil(130 / 63));
  });
});
