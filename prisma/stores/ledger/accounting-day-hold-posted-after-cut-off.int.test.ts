import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CutOffSettings } from '../../../domain/accounting-day';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { closeAccountingDay } from './accounting-days';
import { openAccount } from './accounts';
import { postHold, reserveHold } from './holds';
import { verifyLedgerInvariants } from './invariants';
import { postTransaction } from './postings';

// A hold posted by a workflow step whose business time is before the cut-off, but written a few
// seconds after it (the step's activity ran late, before the cut-off closed the day), is spent
// money on that day: its posting is the day's, and its reservation was used up by that posting.
// The day-end figures must count the money once: posted, and no longer pending. Otherwise the
// stored day-end available balance of a no-overdraft account is below zero, which the account
// could never show, and a statement or report read from the closed day shows money reserved
// that had already left.

const MINUTE = 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A cut-off on the next minute boundary at least 5 seconds away, read in UTC, and the day it ends. */
function nextCutOff(now: number): { businessDate: string; settings: CutOffSettings; cutOffAt: Date } {
  let at = Math.ceil(now / MINUTE) * MINUTE;
  if (at - now < 5_000) at += MINUTE;
  const iso = new Date(at).toISOString();
  const time = iso.slice(11, 16);
  // "00:00" is written "24:00" of the date before.
  if (time === '00:00') return { businessDate: new Date(at - MINUTE).toISOString().slice(0, 10), settings: { zone: 'UTC', time: '24:00' }, cutOffAt: new Date(at) };
  return { businessDate: iso.slice(0, 10), settings: { zone: 'UTC', time }, cutOffAt: new Date(at) };
}

describe('a hold posted after the cut-off for a business event before it', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('counts the money once in the day-end balances: posted, not also still reserved', { timeout: 150_000 }, async () => {
    const { businessDate, settings, cutOffAt } = nextCutOff(Date.now());
    const source = await openAccount(db.prisma, { code: 'hold-cut-off:source', name: 'Source', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    const wallet = await openAccount(db.prisma, { code: 'hold-cut-off:wallet', name: 'Funder funding', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY', debitsMustNotExceedCredits: true });
    const target = await openAccount(db.prisma, { code: 'hold-cut-off:target', name: 'Supplier settlement', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    await postTransaction(db.prisma, {
      idempotencyKey: 'hold-cut-off:fund',
      code: 'TEST',
      entries: [
        { accountId: source.id, direction: 'DEBIT', amount: '100.00', currency: 'CNY' },
        { accountId: wallet.id, direction: 'CREDIT', amount: '100.00', currency: 'CNY' },
      ],
    });
    // Reserved for the disbursement during the day.
    const { holdId } = await reserveHold(db.prisma, { idempotencyKey: 'hold-cut-off:hold', code: 'DISBURSEMENT_FUNDING', debitAccountId: wallet.id, creditAccountId: target.id, amount: '100.00', currency: 'CNY' });
    expect(Date.now()).toBeLessThan(cutOffAt.getTime());

    // The cut-off passes; the step that disburses at a time before it is written just after it,
    // while the day is still open (it closes a settling minute later).
    await sleep(cutOffAt.getTime() - Date.now() + 1_500);
    const disbursedAt = new Date(cutOffAt.getTime() - 1_000);
    await postHold(db.prisma, { holdId, idempotencyKey: 'hold-cut-off:post', effectiveAt: disbursedAt });

    const closed = await closeAccountingDay(db.prisma, { businessDate, settings, at: new Date(), closedBy: 'hold-cut-off' });
    expect(closed.cutOffAt.toISOString()).toBe(cutOffAt.toISOString());

    const { rows } = await db.query<{ posted: string; available: string; debitsPosted: string; debitsPending: string; creditsPosted: string }>(
      `SELECT "posted"::text AS "posted", "available"::text AS "available", "debits_posted"::text AS "debitsPosted",
              "debits_pending"::text AS "debitsPending", "credits_posted"::text AS "creditsPosted"
       FROM "accounting_day_balance" WHERE "business_date" = $1::date AND "account_id" = $2::uuid`,
      [businessDate, wallet.id],
    );
    // The wallet paid out its 100.00 on the day: nothing left, nothing reserved.
    expect(rows[0]).toEqual({ posted: '0.0000', available: '0.0000', debitsPosted: '100.0000', debitsPending: '0.0000', creditsPosted: '100.0000' });
  });
});
