import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { databaseFailureOf } from './database-failure';
import { isRootClient, runTransaction, TRANSACTION_ATTEMPTS_MAX, type Tx } from './run-transaction';

// The one way the stores open a database transaction: transient failures (deadlocks,
// serialisation failures) run the whole transaction again from its first statement; a
// transaction that belongs to a caller is never retried from inside.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(`CREATE TABLE "retry_probe" ("id" serial PRIMARY KEY, "label" text NOT NULL)`);
  await db.query(`CREATE TABLE "retry_counter" ("name" text PRIMARY KEY, "value" integer NOT NULL)`);
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await db.query(`TRUNCATE "retry_probe"`);
  await db.query(`DELETE FROM "retry_counter"`);
  await db.query(`INSERT INTO "retry_counter" VALUES ('a', 0), ('b', 0)`);
});

/** Raises a PostgreSQL error with this SQLSTATE inside the transaction. */
async function raise(tx: Tx, sqlstate: string): Promise<never> {
  await tx.$executeRawUnsafe(`DO $$ BEGIN RAISE EXCEPTION 'probe' USING ERRCODE = '${sqlstate}'; END $$`);
  throw new Error('the database did not raise');
}

async function labels(): Promise<string[]> {
  return (await db.query<{ label: string }>(`SELECT "label" FROM "retry_probe" ORDER BY "id"`)).rows.map((row) => row.label);
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('runTransaction', () => {
  it('tells the client from a transaction client', async () => {
    expect(isRootClient(db.prisma)).toBe(true);
    expect(await db.prisma.$transaction((tx) => Promise.resolve(isRootClient(tx)))).toBe(false);
  });

  it('runs the whole transaction again after a serialisation failure, and the failed attempt leaves nothing', async () => {
    let attempts = 0;
    const result = await runTransaction(db.prisma, async (tx) => {
      attempts += 1;
      await tx.$executeRawUnsafe(`INSERT INTO "retry_probe" ("label") VALUES ($1)`, `attempt ${attempts}`);
      if (attempts < 3) await raise(tx, '40001');
      return attempts;
    });
    expect(result).toBe(3);
    expect(await labels()).toEqual(['attempt 3']);
  });

  it('runs both sides of a real deadlock to completion: the victim is retried whole', async () => {
    let attempts = 0;
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothHoldOneLock = new Promise<void>((resolve) => (release = resolve));
    const transfer = (first: string, second: string) =>
      runTransaction(db.prisma, async (tx) => {
        attempts += 1;
        await tx.$executeRawUnsafe(`UPDATE "retry_counter" SET "value" = "value" + 1 WHERE "name" = $1`, first);
        // Only the first attempts wait for each other: that is what makes them deadlock.
        if (attempts <= 2) {
          arrived += 1;
          if (arrived === 2) release();
          await bothHoldOneLock;
        }
        await tx.$executeRawUnsafe(`UPDATE "retry_counter" SET "value" = "value" + 1 WHERE "name" = $1`, second);
      });
    await Promise.all([transfer('a', 'b'), transfer('b', 'a')]);
    // Two first attempts and at least one retry of the victim (on a loaded machine the survivor
    // may also be retried once, after its own timeout); each transfer counts once either way.
    expect(attempts).toBeGreaterThanOrEqual(3);
    const { rows } = await db.query<{ name: string; value: number }>(`SELECT "name", "value" FROM "retry_counter" ORDER BY "name"`);
    expect(rows).toEqual([
      { name: 'a', value: 2 },
      { name: 'b', value: 2 },
    ]);
  });

  it(`gives up after ${TRANSACTION_ATTEMPTS_MAX} attempts and hands the failure over`, async () => {
    let attempts = 0;
    const error = await caught(() =>
      runTransaction(db.prisma, async (tx) => {
        attempts += 1;
        await raise(tx, '40P01');
      }),
    );
    expect(attempts).toBe(TRANSACTION_ATTEMPTS_MAX);
    expect(databaseFailureOf(error)?.code).toBe('40P01');
  });

  it('does not run again after a failure that says something about the request', async () => {
    let attempts = 0;
    const error = await caught(() =>
      runTransaction(db.prisma, async (tx) => {
        attempts += 1;
        await tx.$executeRawUnsafe(`INSERT INTO "retry_probe" ("label") VALUES ('kept?')`);
        await raise(tx, '23514');
      }),
    );
    expect(attempts).toBe(1);
    expect(databaseFailureOf(error)?.code).toBe('23514');
    expect(await labels()).toEqual([]);
  });

  it("never retries inside a caller's transaction: the failure reaches the caller as it was, not as 25P02", async () => {
    let inner = 0;
    let outer = 0;
    const error = await caught(() =>
      db.prisma.$transaction(async (tx) => {
        outer += 1;
        await runTransaction(tx, async (same) => {
          inner += 1;
          await raise(same, '40001');
        });
      }),
    );
    expect([outer, inner]).toEqual([1, 1]);
    expect(databaseFailureOf(error)?.code).toBe('40001');
  });

  it("retries the caller's transaction whole when the caller opened it through runTransaction", async () => {
    let attempts = 0;
    await runTransaction(db.prisma, async (tx) => {
      attempts += 1;
      await tx.$executeRawUnsafe(`INSERT INTO "retry_probe" ("label") VALUES ($1)`, `outer ${attempts}`);
      await runTransaction(tx, async (same) => {
        await same.$executeRawUnsafe(`INSERT INTO "retry_probe" ("label") VALUES ($1)`, `inner ${attempts}`);
        if (attempts === 1) await raise(same, '40P01');
      });
    });
    expect(attempts).toBe(2);
    expect(await labels()).toEqual(['outer 2', 'inner 2']);
  });
});
