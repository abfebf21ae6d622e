import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { ensurePlatformAccounts } from './chart-of-accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { approveAdjustment, proposeAdjustment } from './ledger-adjustment-store';
import { disableUser } from './party-store';

// Disabling a user takes away at once everything it may do (docs/security.md, "Keys: storage,
// rotation, revocation"): an operator whose key was stolen, or who left, is disabled by one
// administrator. A manual adjustment that user proposed is its act, waiting for a second
// operator: once the user is disabled it must not move money on the disabled user's word.

describe('a manual adjustment whose maker was disabled before it was checked', () => {
  let db: TestDatabase;
  let maker: Actor;
  let checker: Actor;
  let administrator: Actor;

  beforeAll(async () => {
    db = await createTestDatabase();
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳前海供应链平台运营有限公司' });
    maker = await actorOf(db.prisma, operator);
    checker = await actorOf(db.prisma, await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] }));
    administrator = await actorOf(db.prisma, await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['ADMIN'] }));
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('is not posted by a checker after the maker is disabled', async () => {
    const platform = await ensurePlatformAccounts(db.prisma);
    const proposal = await proposeAdjustment(db.prisma, maker, {
      reason: '挂账调整 suspense credited 250,000.00',
      entries: [
        { accountId: platform.ESCROW_BANK.id, direction: 'DEBIT', amount: '250000.00', currency: 'CNY' },
        { accountId: platform.SUSPENSE.id, direction: 'CREDIT', amount: '250000.00', currency: 'CNY' },
      ],
    });
    // The maker's key turns out to be stolen: an administrator disables the user at once.
    await disableUser(db.prisma, administrator, maker.userId);

    const approval = await approveAdjustment(db.prisma, checker, proposal.id).then(
      (adjustment) => `approved ${adjustment.status}`,
      (error: Error) => `refused ${error.name}`,
    );
    const adjustment = await db.prisma.ledgerAdjustment.findUniqueOrThrow({ where: { id: proposal.id } });
    const suspense = (await getBalance(db.prisma, platform.SUSPENSE.id)).posted.toFixed(2);

    expect({ approvedAndPosted: adjustment.status === 'APPROVED' || adjustment.transactionId !== null, suspense }).toEqual({ approvedAndPosted: false, suspense: '0.00' });
    expect(approval.startsWith('refused ')).toBe(true);
  });
});
