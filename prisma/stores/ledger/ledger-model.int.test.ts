import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { DomainError, WrongStateError } from '../../../domain/errors';
import { openAccount } from './accounts';
import { getBalance } from './balances';
import { postHold, reserveHold, voidHold } from './holds';
import { verifyLedgerInvariants } from './invariants';
import { postTransaction, reverseTransaction } from './postings';

// Random sequences of postings, holds (reserve, post in full or in part, void), reversals,
// repeated requests and reused keys, run against the real ledger and against a model of
// TigerBeetle's semantics in a few lines of integer arithmetic. After every sequence both
// must agree on every outcome and every account's four totals, and the ledger's debits must
// equal its credits.

const RUNS = 25;
const OPERATIONS_MAX = 30;

interface ModelAccount {
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
  /** debits (posted + pending) must not exceed posted credits */
  debitBound: boolean;
  /** credits (posted + pending) must not exceed posted debits */
  creditBound: boolean;
}

const ACCOUNT_SHAPES = [
  { debitBound: false, creditBound: false, type: 'LIABILITY' as const },
  { debitBound: false, creditBound: false, type: 'LIABILITY' as const },
  { debitBound: true, creditBound: false, type: 'LIABILITY' as const },
  { debitBound: true, creditBound: false, type: 'LIABILITY' as const },
  { debitBound: false, creditBound: true, type: 'ASSET' as const },
];

type Operation =
  | { kind: 'post'; from: number; to: number; cents: number }
  | { kind: 'reserve'; from: number; to: number; cents: number }
  | { kind: 'postHold'; hold: number; cents: number | null }
  | { kind: 'voidHold'; hold: number }
  | { kind: 'reverse'; transaction: number }
  | { kind: 'repeat'; previous: number }
  | { kind: 'reuseKey'; previous: number; cents: number };

const pairOfAccounts = fc
  .tuple(fc.integer({ min: 0, max: ACCOUNT_SHAPES.length - 1 }), fc.integer({ min: 1, max: ACCOUNT_SHAPES.length - 1 }))
  .map(([from, offset]) => ({ from, to: (from + offset) % ACCOUNT_SHAPES.length }));
const cents = fc.integer({ min: 1, max: 20_000 });

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(pairOfAccounts, cents).map(([pair, amount]): Operation => ({ kind: 'post', ...pair, cents: amount })) },
  { weight: 3, arbitrary: fc.tuple(pairOfAccounts, cents).map(([pair, amount]): Operation => ({ kind: 'reserve', ...pair, cents: amount })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.option(cents, { nil: null })).map(([hold, amount]): Operation => ({ kind: 'postHold', hold, cents: amount })) },
  { weight: 1, arbitrary: fc.nat().map((hold): Operation => ({ kind: 'voidHold', hold })) },
  { weight: 1, arbitrary: fc.nat().map((transaction): Operation => ({ kind: 'reverse', transaction })) },
  { weight: 2, arbitrary: fc.nat().map((previous): Operation => ({ kind: 'repeat', previous })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), cents).map(([previous, amount]): Operation => ({ kind: 'reuseKey', previous, cents: amount })) },
);

const amountOf = (value: number) => (value / 100).toFixed(2);

/** A request as sent: replaying it sends exactly the same thing again. */
type Request =
  | { kind: 'post'; key: string; from: number; to: number; cents: number }
  | { kind: 'reserve'; key: string; from: number; to: number; cents: number }
  | { kind: 'postHold'; key: string; hold: number; cents: number | null }
  | { kind: 'voidHold'; key: string; hold: number }
  | { kind: 'reverse'; key: string; transaction: number };

function outcomeOf(error: unknown): string {
  if (error instanceof WrongStateError) return `WRONG_STATE:${error.currentState}`;
  if (error instanceof DomainError) return error.code;
  throw error;
}

let db: TestDatabase;
let run = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  await db.drop();
});

describe('the ledger against a model of its semantics', () => {
  it('agrees on every outcome and every balance, and stays balanced', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: OPERATIONS_MAX }), async (operations) => {
        run += 1;
        const prefix = `model:${run}:${Date.now()}`;
        const accountIds: string[] = [];
        for (const [index, shape] of ACCOUNT_SHAPES.entries()) {
          const opened = await openAccount(db.prisma, {
            code: `${prefix}:${index}`,
            name: `Model ${index}`,
            type: shape.type,
            purpose: 'COLLECTION',
            currency: 'CNY',
            debitsMustNotExceedCredits: shape.debitBound,
            creditsMustNotExceedDebits: shape.creditBound,
          });
          accountIds.push(opened.id);
        }

        // The model.
        const accounts: ModelAccount[] = ACCOUNT_SHAPES.map((shape) => ({ debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0, ...shape }));
        const withinBounds = (account: ModelAccount) =>
          (!account.debitBound || account.debitsPosted + account.debitsPending <= account.creditsPosted) &&
          (!account.creditBound || account.creditsPosted + account.creditsPending <= account.debitsPosted);
        /** Applies a change to the totals; undoes it and says no if a bound would break. */
        const tryApply = (change: (sign: 1 | -1) => void): boolean => {
          change(1);
          if (accounts.every(withinBounds)) return true;
          change(-1);
          return false;
        };
        const transactions = new Map<string, { content: string; from: number; to: number; cents: number; reversedBy?: string }>();
        const transactionOrder: string[] = [];
        const holds: Array<{ key: string; id?: string; from: number; to: number; cents: number; status: 'PENDING' | 'POSTED' | 'VOIDED'; resolutionKey?: string; resolutionContent?: string }> = [];
        const holdsByKey = new Map<string, (typeof holds)[number]>();
        const requests: Request[] = [];
        let sequence = 0;
        const nextKey = (label: string) => `${prefix}:${label}:${(sequence += 1)}`;

        const expectedOutcome = (request: Request): string => {
          switch (request.kind) {
            case 'post': {
              const content = `post:${request.from}:${request.to}:${request.cents}`;
              const existing = transactions.get(request.key);
              if (existing) return existing.content === content ? 'replay' : 'IDEMPOTENCY_KEY_REUSED';
              const applied = tryApply((sign) => {
                accounts[request.from]!.debitsPosted += sign * request.cents;
                accounts[request.to]!.creditsPosted += sign * request.cents;
              });
              if (!applied) return 'EXCEEDS_AVAILABLE_BALANCE';
              transactions.set(request.key, { content, from: request.from, to: request.to, cents: request.cents });
              transactionOrder.push(request.key);
              return 'ok';
            }
            case 'reserve': {
              const existing = holdsByKey.get(request.key);
              if (existing) return existing.from === request.from && existing.to === request.to && existing.cents === request.cents ? 'replay' : 'IDEMPOTENCY_KEY_REUSED';
              const applied = tryApply((sign) => {
                accounts[request.from]!.debitsPending += sign * request.cents;
                accounts[request.to]!.creditsPending += sign * request.cents;
              });
              if (!applied) return 'EXCEEDS_AVAILABLE_BALANCE';
              const hold = { key: request.key, from: request.from, to: request.to, cents: request.cents, status: 'PENDING' as const };
              holds.push(hold);
              holdsByKey.set(request.key, hold);
              return 'ok';
            }
            case 'postHold': {
              const hold = holds[request.hold]!;
              const content = `postHold:${request.hold}:${request.cents ?? 'full'}`;
              const existing = transactions.get(request.key);
              if (existing) return existing.content === content ? 'replay' : 'IDEMPOTENCY_KEY_REUSED';
              if (hold.status !== 'PENDING') return `WRONG_STATE:${hold.status}`;
              const posted = request.cents ?? hold.cents;
              if (posted > hold.cents) return 'EXCEEDS_HOLD_AMOUNT';
              accounts[hold.from]!.debitsPending -= hold.cents;
              accounts[hold.to]!.creditsPending -= hold.cents;
              accounts[hold.from]!.debitsPosted += posted;
              accounts[hold.to]!.creditsPosted += posted;
              hold.status = 'POSTED';
              hold.resolutionKey = request.key;
              hold.resolutionContent = content;
              transactions.set(request.key, { content, from: hold.from, to: hold.to, cents: posted });
              transactionOrder.push(request.key);
              return 'ok';
            }
            case 'voidHold': {
              const hold = holds[request.hold]!;
              const content = `voidHold:${request.hold}`;
              if (hold.status !== 'PENDING') {
                if (hold.resolutionKey === request.key) return hold.resolutionContent === content ? 'replay' : 'IDEMPOTENCY_KEY_REUSED';
                return `WRONG_STATE:${hold.status}`;
              }
              accounts[hold.from]!.debitsPending -= hold.cents;
              accounts[hold.to]!.creditsPending -= hold.cents;
              hold.status = 'VOIDED';
              hold.resolutionKey = request.key;
              hold.resolutionContent = content;
              return 'ok';
            }
            case 'reverse': {
              const originalKey = transactionOrder[request.transaction]!;
              const original = transactions.get(originalKey)!;
              const content = `reverse:${originalKey}`;
              const existing = transactions.get(request.key);
              if (existing) return existing.content === content ? 'replay' : 'IDEMPOTENCY_KEY_REUSED';
              if (original.reversedBy) return 'TRANSACTION_ALREADY_REVERSED';
              const applied = tryApply((sign) => {
                accounts[original.to]!.debitsPosted += sign * original.cents;
                accounts[original.from]!.creditsPosted += sign * original.cents;
              });
              if (!applied) return 'EXCEEDS_AVAILABLE_BALANCE';
              original.reversedBy = request.key;
              transactions.set(request.key, { content, from: original.to, to: original.from, cents: original.cents });
              transactionOrder.push(request.key);
              return 'ok';
            }
          }
        };

        const send = async (request: Request): Promise<string> => {
          try {
            switch (request.kind) {
              case 'post': {
                const result = await postTransaction(db.prisma, {
                  idempotencyKey: request.key,
                  code: 'MODEL',
                  entries: [
                    { accountId: accountIds[request.from]!, direction: 'DEBIT', amount: amountOf(request.cents), currency: 'CNY' },
                    { accountId: accountIds[request.to]!, direction: 'CREDIT', amount: amountOf(request.cents), currency: 'CNY' },
                  ],
                });
                return result.replayed ? 'replay' : 'ok';
              }
              case 'reserve': {
                const result = await reserveHold(db.prisma, {
                  idempotencyKey: request.key,
                  code: 'MODEL',
                  debitAccountId: accountIds[request.from]!,
                  creditAccountId: accountIds[request.to]!,
                  amount: amountOf(request.cents),
                  currency: 'CNY',
                });
                const hold = holdsByKey.get(request.key);
                if (hold && !result.replayed) hold.id = result.holdId;
                return result.replayed ? 'replay' : 'ok';
              }
              case 'postHold': {
                const result = await postHold(db.prisma, { holdId: holds[request.hold]!.id!, idempotencyKey: request.key, amount: request.cents === null ? null : amountOf(request.cents) });
                return result.replayed ? 'replay' : 'ok';
              }
              case 'voidHold': {
                const result = await voidHold(db.prisma, { holdId: holds[request.hold]!.id!, idempotencyKey: request.key });
                return result.replayed ? 'replay' : 'ok';
              }
              case 'reverse': {
                const original = transactionOrder[request.transaction]!;
                const [row] = await db.prisma.ledgerTransaction.findMany({ where: { idempotencyKey: original }, select: { id: true } });
                const result = await reverseTransaction(db.prisma, { transactionId: row!.id, idempotencyKey: request.key });
                return result.replayed ? 'replay' : 'ok';
              }
            }
          } catch (error) {
            return outcomeOf(error);
          }
        };

        for (const step of operations) {
          let request: Request | undefined;
          switch (step.kind) {
            case 'post':
              request = { kind: 'post', key: nextKey('post'), from: step.from, to: step.to, cents: step.cents };
              break;
            case 'reserve':
              request = { kind: 'reserve', key: nextKey('hold'), from: step.from, to: step.to, cents: step.cents };
              break;
            case 'postHold':
              if (holds.length) request = { kind: 'postHold', key: nextKey('hold-post'), hold: step.hold % holds.length, cents: step.cents };
              break;
            case 'voidHold':
              if (holds.length) request = { kind: 'voidHold', key: nextKey('hold-void'), hold: step.hold % holds.length };
              break;
            case 'reverse':
              if (transactionOrder.length) request = { kind: 'reverse', key: nextKey('reverse'), transaction: step.transaction % transactionOrder.length };
              break;
            case 'repeat':
              // The same request again, as a retry after a lost response would send it.
              if (requests.length) request = requests[step.previous % requests.length];
              break;
            case 'reuseKey': {
              // A posting's key used again for different content.
              const posts = requests.filter((previous): previous is Extract<Request, { kind: 'post' }> => previous.kind === 'post');
              const previous = posts[step.previous % Math.max(1, posts.length)];
              if (previous && previous.cents !== step.cents) request = { ...previous, cents: step.cents };
              break;
            }
          }
          if (!request) continue;
          // The model keeps only holds whose reservation succeeded, so a hold addressed here
          // always has its id.
          const expected = expectedOutcome(request);
          const actual = await send(request);
          expect(actual, `${JSON.stringify(request)}`).toBe(expected);
          requests.push(request);
        }

        for (const [index, accountId] of accountIds.entries()) {
          const balance = await getBalance(db.prisma, accountId);
          const model = accounts[index]!;
          expect(
            [balance.debitsPosted, balance.creditsPosted, balance.debitsPending, balance.creditsPending].map((value) => value.toFixed(2)),
            `account ${index}`,
          ).toEqual([model.debitsPosted, model.creditsPosted, model.debitsPending, model.creditsPending].map(amountOf));
        }
        const { rows } = await db.query<{ debits: string; credits: string }>(
          `SELECT coalesce(sum(amount) FILTER (WHERE direction = 'DEBIT'), 0)::text AS debits, coalesce(sum(amount) FILTER (WHERE direction = 'CREDIT'), 0)::text AS credits FROM ledger_entry WHERE currency = 'CNY'`,
        );
        expect(rows[0]!.debits).toBe(rows[0]!.credits);
      }),
      { numRuns: RUNS },
    );
  });
});
