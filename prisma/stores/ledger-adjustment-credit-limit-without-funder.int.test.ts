import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { applyForFinancing } from './financing-store';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { createActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { platformAccountCode } from './chart-of-accounts';
import { creditLimitCode } from './credit-limit-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { approveAdjustment, proposeAdjustment } from './ledger-adjustment-store';

// A program's limits decide how much of the funder's money can be lent, so they change only
// with the platform's four eyes and the consent of the funder (docs/security.md, "Program
// changes"). Two operators alone must not be able to lend more of the funder's money than the
// funder agreed to: a manual adjustment of the memo book that raises a program's credit limit
// in the ledger, whose hold is the limit every application is checked against, is such a change
// made without the funder.

async function settled(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'done';
  } catch (error) {
    return `refused ${(error as Error & { code?: string }).code ?? (error as Error).name}`;
  }
}

describe('a manual adjustment of a program credit limit', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let maker: Actor;
  let checker: Actor;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The funder agreed to lend at most 500,000.00 under this program.
    parties = await createFinancingParties(db.prisma, { programLimit: '500000.00', supplierLimit: '500000.00' });
    maker = await actorOf(db.prisma, await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['MAKER'] }));
    checker = await actorOf(db.prisma, await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['CHECKER'] }));
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('does not let two operators lend more of the funder’s money than the funder agreed to', async () => {
    const limitControl = (await findAccountByCode(db.prisma, platformAccountCode('LIMIT_CONTROL', 'CNY')))!;
    const funderId = (await db.prisma.program.findUniqueOrThrow({ where: { id: parties.programId } })).funderPartyId;
    const programLimit = (await findAccountByCode(db.prisma, creditLimitCode({ kind: 'PROGRAM', funderPartyId: funderId, programId: parties.programId, currency: 'CNY' })))!;
    expect((await getBalance(db.prisma, programLimit.id)).available.toFixed(2)).toBe('500000.00');

    // A supplier enrolled under the program, with a confirmed receivable of 1,000,000.00.
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const supplierLimit = (await findAccountByCode(
      db.prisma,
      creditLimitCode({ kind: 'SUPPLIER', funderPartyId: funderId, programId: parties.programId, supplierPartyId: fixture.supplier.partyId, currency: 'CNY' }),
    ))!;

    // Two operators raise the program's and the supplier's limits to 10,000,000.00 by hand, without the funder.
    await settled(
      proposeAdjustment(db.prisma, maker, {
        reason: '额度调增 program and supplier limits raised to 10,000,000.00',
        entries: [
          { accountId: limitControl.id, direction: 'DEBIT', amount: '19000000.00', currency: 'CNY' },
          { accountId: programLimit.id, direction: 'CREDIT', amount: '9500000.00', currency: 'CNY' },
          { accountId: supplierLimit.id, direction: 'CREDIT', amount: '9500000.00', currency: 'CNY' },
        ],
      }).then((adjustment) => approveAdjustment(db.prisma, checker, adjustment.id)),
    );

    // The supplier then applies for 800,000.00 (80% of its receivable).
    const application = await settled(
      applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `apply-${fixture.receivable.id}` }, TEST_FINANCING_WINDOWS),
    );
    const limitAfter = (await getBalance(db.prisma, programLimit.id)).available.toFixed(2);

    // The funder's limit of 500,000.00 still holds: the application is refused, the limit unchanged.
    expect({ application, limitAvailable: limitAfter }).toEqual({ application: 'refused LIMIT_EXCEEDED', limitAvailable: '500000.00' });
  });
});
