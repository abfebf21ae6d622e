import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { overdueFinancing } from '../test/support/read-orders';
import { approvedAndHeld } from '../test/support/funder-commitments';

// 800,000.00 financed without recourse on a receivable of 1,000,000.00, due on day 10 (D); penalty
// 400.00 a day on 800,000.00 after 3 grace days; penalty first. The core enterprise's 804,000.00
// of D+10 is read at once: it pays 4,000.00 of penalty and 800,000.00 of principal and settles the
// financing; the funder's account holds 1,005,333.33. The funder then approves another financing
// of 1,006,600.00, whose advance of 1,004,922.33 its account holds: 411.00 is left available.
//
// The core enterprise's 300,000.00 of D+5 is read on D+12 and allocated into the settled
// financing on its value date (docs/ledger.md, "Repayment reallocated"): 2,000.00 of penalty and
// 298,000.00 of principal; the 804,000.00 now pays 1,255.00 of penalty and 502,000.00 of
// principal, 200,000.00 goes to the supplier and 100,745.00 to the payer. The funder gets
// 300,000.00 and gives back 300,745.00, of which its account covers 300,411.00: the supplier gets
// its 200,000.00, suspense holds 100,411.00 for the payer, and the funder owes 334.00 until its
// next credit. The SETTLED_REPAYMENTS_REALLOCATED notice, sent to the supplier, the funder and the
// core enterprise, says what is held for the payer (docs/workflows/financing.md, "Documents and notifications"): it
// says 100,745.00, the refund operators cannot make, to the payer too, where suspense holds
// 100,411.00 for it.

describe('repayments of a settled financing allocated again when the funder has committed their money since', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const balanceOf = async (code: string) => getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id);

  it('tells the parties the money held for the payer, not what the funder still owes of it', async () => {
    const f = await overdueFinancing(db.prisma, { through: 10, terms: { programLimit: '5000000.00', supplierLimit: '5000000.00' } });
    const { parties, pays, step } = f;
    const fundingCode = partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
    const supplierCode = partyAccountCode((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).supplierPartyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    await pays('CORE-D10', '804000.00', 20);
    expect((await step(21)).status).toBe('SETTLED');
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('1005333.33');
    await approvedAndHeld(db.prisma, parties, { amount: '1006600.00', now: f.at(21, 10), dueDate: f.date(31) });
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('411.00');
    const suspenseCode = platformAccountCode('SUSPENSE', 'CNY');
    const supplierBefore = (await balanceOf(supplierCode)).posted;
    const suspenseBefore = (await balanceOf(suspenseCode)).posted;

    // The 300,000.00 of D+5, reported on D+12.
    expect((await pays('CORE-D5', '300000.00', 15)).exception).toBeNull();

    // The money as it stands: 200,000.00 to the supplier, 100,411.00 in suspense for the payer,
    // 334.00 owed by the funder.
    expect((await balanceOf(supplierCode)).posted.minus(supplierBefore).toFixed(2)).toBe('200000.00');
    expect((await balanceOf(suspenseCode)).posted.minus(suspenseBefore).toFixed(2)).toBe('100411.00');
    const held = await db.prisma.inboundException.findMany({ where: { financingId: f.id, reason: 'OVERPAID', status: 'OPEN' } });
    expect(held.map((row) => row.heldAmount?.toFixed(2))).toEqual(['100411.00']);
    const rows = await db.prisma.repaymentAllocation.findMany({ where: { financingId: f.id }, orderBy: { valueDate: 'asc' } });
    expect(rows.map((row) => row.overpaidOwed.toFixed(2))).toEqual(['0.00', '334.00']);

    // What each party is told.
    const told = await db.prisma.notification.findMany({ where: { financingId: f.id, kind: 'SETTLED_REPAYMENTS_REALLOCATED' } });
    const { supplierPartyId } = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect(told.map((notice) => notice.partyId).sort()).toEqual([supplierPartyId, parties.funder.partyId, parties.core.partyId].sort());
    for (const notice of told) {
      expect(notice.body).toContain('the funder is paid 745.00 CNY less penalty, 200000.00 CNY goes to the supplier');
      // Held for a refund to the payer is what suspense holds for it, not what it will hold once the funder pays what it owes.
      expect(notice.body).toContain('100411.00 CNY is held for a refund to the payer');
      expect(notice.body).not.toContain('100745.00 CNY is held');
    }
    // The core enterprise is never told about the funder's account.
    expect(told.find((notice) => notice.partyId === parties.core.partyId)!.body).not.toContain('334.00');
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
