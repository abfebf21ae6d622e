import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor';
import { ValidationError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { openAccount } from './ledger/accounts';
import { verifyLedgerInvariants } from './ledger/invariants';
import { approveAdjustment, proposeAdjustment } from './ledger-adjustment-store';

// A manual adjustment is checked when it is proposed, so that the checker reviews something
// that can be posted. Entries that move money between the escrow's balance sheet (MONEY) and the
// memo book of commitments (MEMO) can never be posted: the ledger keeps one book per transaction.
// Such a proposal must be refused at once, with the ledger's own reason, rather than wait for a
// checker whose approval can only fail.

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be rejected');
}

describe('a manual adjustment across the MONEY and MEMO books', () => {
  let db: TestDatabase;
  let maker: Actor;
  let checker: Actor;

  beforeAll(async () => {
    db = await createTestDatabase();
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳前海供应链平台运营有限公司' });
    maker = await actorOf(db.prisma, operator);
    checker = await actorOf(db.prisma, await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] }));
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('is refused when proposed (BOOKS_MIXED), not left for a checker to fail on', async () => {
    const limitControl = await openAccount(db.prisma, { code: 'books-mixed:limit-control', name: 'Limit control', type: 'ASSET', purpose: 'LIMIT_CONTROL', book: 'MEMO', currency: 'CNY' });
    const suspense = await openAccount(db.prisma, { code: 'books-mixed:suspense', name: 'Suspense', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    const input = {
      reason: '额度冲减 memo to money by mistake',
      entries: [
        { accountId: limitControl.id, direction: 'DEBIT' as const, amount: '1000.00', currency: 'CNY' },
        { accountId: suspense.id, direction: 'CREDIT' as const, amount: '1000.00', currency: 'CNY' },
      ],
    };
    const proposal = proposeAdjustment(db.prisma, maker, input);
    const refusal = await proposal.then(
      async (adjustment) => {
        // Accepted: what the checker meets.
        const approval = await rejectionOf(approveAdjustment(db.prisma, checker, adjustment.id));
        return { proposed: adjustment.status, approval: `${approval.name} ${(approval as ValidationError).code}` };
      },
      (error: Error) => error,
    );
    expect(refusal instanceof ValidationError ? `refused ${refusal.code}` : refusal).toBe('refused BOOKS_MIXED');
  });
});
