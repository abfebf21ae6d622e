import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../client';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { LimitExceededError } from '../../../domain/errors';
import { Decimal } from '../../../domain/money';
import { openAccount, type LedgerAccountView } from './accounts';
import { getBalance } from './balances';
import { verifyLedgerInvariants } from './invariants';
import { postTransaction, type PostTransactionInput } from './postings';
import { trialBalance } from './trial-balance';

// 32 clients post 10,000 operations at once on 8 hot accounts, 10% of them duplicates.
// Four accounts are bounded (no overdraft) and funded with exactly 200.00; 250 distinct
// withdrawals of 1.00 are aimed at each, and every withdrawal is sent twice. Whatever the
// interleaving, exactly 200 of them per account can succeed, each once: the outcome is fully
// determined, so the counts below are exact. The other 8,000 operations move money back and
// forth between four unbounded accounts, in both directions, to provoke lock-order deadlocks.

const CLIENTS = 32;
const BOUNDED_ACCOUNTS = 4;
const UNBOUNDED_ACCOUNTS = 4;
const FUNDING_PER_BOUNDED_ACCOUNT = 200;
const WITHDRAWALS_PER_BOUNDED_ACCOUNT = 250;
const SHUFFLES = 8_000;
const OPERATIONS = BOUNDED_ACCOUNTS * WITHDRAWALS_PER_BOUNDED_ACCOUNT * 2 + SHUFFLES;

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrismaClient({ databaseUrl: db.url, poolMax: CLIENTS });
});

afterAll(async () => {
  await prisma.$disconnect();
  await db.drop();
});

/** A deterministic generator, so that a failing run can be repeated exactly. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function transfer(key: string, from: LedgerAccountView, to: LedgerAccountView, amount: string): PostTransactionInput {
  return {
    idempotencyKey: key,
    code: 'CONCURRENCY',
    entries: [
      { accountId: from.id, direction: 'DEBIT', amount, currency: 'CNY' },
      { accountId: to.id, direction: 'CREDIT', amount, currency: 'CNY' },
    ],
  };
}

describe('concurrent postings on hot accounts', () => {
  it(`${CLIENTS} clients, ${OPERATIONS} operations, 10% duplicates: exact outcomes, no overdraft, balanced`, async () => {
    const open = (code: string, bounded: boolean) =>
      openAccount(prisma, { code, name: code, type: 'LIABILITY', purpose: 'COLLECTION', currency: 'CNY', debitsMustNotExceedCredits: bounded });
    const funding = await open('hot:funding', false);
    const bounded = await Promise.all(Array.from({ length: BOUNDED_ACCOUNTS }, (_, index) => open(`hot:bounded:${index}`, true)));
    const unbounded = await Promise.all(Array.from({ length: UNBOUNDED_ACCOUNTS }, (_, index) => open(`hot:unbounded:${index}`, false)));
    for (const account of bounded) await postTransaction(prisma, transfer(`hot:fund:${account.code}`, funding, account, `${FUNDING_PER_BOUNDED_ACCOUNT}.00`));

    const next = random(20261122);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const operations: Array<{ request: PostTransactionInput; bounded: boolean }> = [];
    for (const account of bounded) {
      for (let index = 0; index < WITHDRAWALS_PER_BOUNDED_ACCOUNT; index += 1) {
        const request = transfer(`hot:withdraw:${account.code}:${index}`, account, pick(unbounded), '1.00');
        // The same request twice: the duplicate is a retry that must not move money again.
        operations.push({ request, bounded: true }, { request, bounded: true });
      }
    }
    for (let index = 0; index < SHUFFLES; index += 1) {
      const from = pick(unbounded);
      const to = pick(unbounded.filter((account) => account !== from));
      operations.push({ request: transfer(`hot:shuffle:${index}`, from, to, (1 + Math.floor(next() * 10_000) / 100).toFixed(2)), bounded: false });
    }
    for (let index = operations.length - 1; index > 0; index -= 1) {
      const other = Math.floor(next() * (index + 1));
      [operations[index], operations[other]] = [operations[other]!, operations[index]!];
    }
    expect(operations).toHaveLength(OPERATIONS);

    const counts = { posted: 0, replayed: 0, refused: 0, boundedPosted: 0 };
    const outcomesByKey = new Map<string, string[]>();
    const unexpected: unknown[] = [];
    let cursor = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (cursor < operations.length) {
          const { request, bounded: isBounded } = operations[cursor++]!;
          let outcome: string;
          try {
            const result = await postTransaction(prisma, request);
            outcome = result.replayed ? 'replayed' : 'posted';
            counts[outcome as 'posted' | 'replayed'] += 1;
            if (!result.replayed && isBounded) counts.boundedPosted += 1;
          } catch (error) {
            if (error instanceof LimitExceededError && error.code === 'EXCEEDS_AVAILABLE_BALANCE') {
              outcome = 'refused';
              counts.refused += 1;
            } else {
              unexpected.push(error);
              continue;
            }
          }
          outcomesByKey.set(request.idempotencyKey, [...(outcomesByKey.get(request.idempotencyKey) ?? []), outcome]);
        }
      }),
    );

    expect(unexpected).toEqual([]);
    const capacity = BOUNDED_ACCOUNTS * FUNDING_PER_BOUNDED_ACCOUNT;
    const failingKeys = BOUNDED_ACCOUNTS * (WITHDRAWALS_PER_BOUNDED_ACCOUNT - FUNDING_PER_BOUNDED_ACCOUNT);
    expect(counts).toEqual({
      posted: capacity + SHUFFLES,
      replayed: capacity,
      refused: failingKeys * 2,
      boundedPosted: capacity,
    });
    // Each duplicated request had one fate: posted once and replayed once, or refused twice.
    for (const [key, outcomes] of outcomesByKey) {
      if (!key.startsWith('hot:withdraw:')) continue;
      expect([['posted', 'replayed'], ['refused', 'refused']]).toContainEqual([...outcomes].sort());
    }

    // No bounded account beyond its bound: each was spent to exactly zero.
    for (const account of bounded) {
      const balance = await getBalance(prisma, account.id);
      expect([balance.posted.toFixed(2), balance.available.toFixed(2)]).toEqual(['0.00', '0.00']);
    }
    const transactions = await prisma.ledgerTransaction.count({ where: { code: 'CONCURRENCY' } });
    expect(transactions).toBe(BOUNDED_ACCOUNTS + capacity + SHUFFLES);
    // The unbounded accounts received exactly what the bounded ones paid out, net of their shuffles.
    const unboundedTotal = (await Promise.all(unbounded.map((account) => getBalance(prisma, account.id)))).reduce((sum, balance) => sum.plus(balance.posted), new Decimal(0));
    expect(unboundedTotal.toFixed(2)).toBe(`${capacity}.00`);
    const trial = await trialBalance(prisma, 'CNY');
    expect(trial.balanced).toBe(true);
    expect(await verifyLedgerInvariants(prisma)).toEqual([]);
  });
});
