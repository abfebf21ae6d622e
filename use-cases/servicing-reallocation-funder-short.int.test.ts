import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { overdueFinancing } from '../test/support/read-orders';
import { approvedAndHeld } from '../test/support/funder-commitments';
import { type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { virtualAccountNumberOf } from '../test/support/late-recourse';

// 800,000.00 financed, due on day 10 (D); penalty 0.18 a year on ACT/360 (400.00 a day on
// 800,000.00) after 3 grace days; penalty first; no recourse. The funder's account holds
// 201,333.33 after the advance. The core enterprise pays 802,000.00, received by the bank on D+5,
// which the feed reports only on D+12; not seeing it, it pays 803,000.00 on D+10, read at once:
// that pays the 4,000.00 of penalty charged on 800,000.00 and 799,000.00 of principal, and the
// funder's account holds 1,004,333.33. On D+11 the funder approves another financing of
// 1,005,500.00, whose advance of 1,003,824.17 its account holds for the disbursement: 509.16 is
// left available.
//
// Read in order, the 802,000.00 of D+5 pays the penalty of D+1 to D+5 (2,000.00) and the
// 800,000.00 and settles the financing that day; the 803,000.00 of D+10 is the payer's, held for
// a refund. Read late, the 803,000.00 is allocated again as in order (docs/ledger.md, "Repayment
// reallocated"): the funder gets 802,000.00 and gives back 803,000.00, 1,000.00 more than it got,
// of which its account covers 509.16. The money is the core enterprise's all the same: the
// financing is settled as of D+5, as it was in fact, and what the funder cannot give back at
// once is for it to owe (as for a recourse return, docs/ledger.md, "Recourse returned"), never a
// reason to leave the 802,000.00 unallocated in the collection account and the financing OVERDUE,
// its step refused by the ledger on every retry.

describe('a repayment allocated again when the funder has committed its money since', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** What each party is shown of the payer's money the funder still owes, per repayment by value date: supplier, funder, core enterprise, operator. */
  async function owedAsShown(f: { id: string; supplier: { token: string } }, parties: FinancingParties) {
    const query = `query ($id: ID!) { financing(id: $id) { ... on Financing { repayments(first: 10) { edges { node { valueDate overpaid { amount } overpaidOwed { amount } surplusOwed { amount } } } } } } }`;
    const shown = [];
    for (const token of [f.supplier.token, parties.funder.token, parties.core.token, parties.admin.token]) {
      const found = await api.call(token, query, { id: globalId('Financing', f.id) });
      const nodes = (found.repayments.edges as Array<{ node: { valueDate: string; overpaidOwed: { amount: string } | null; surplusOwed: { amount: string } | null } }>).map((edge) => edge.node);
      shown.push(nodes.sort((a, b) => a.valueDate.localeCompare(b.valueDate)).map((node) => `${node.overpaidOwed?.amount ?? 'null'}/${node.surplusOwed?.amount ?? 'null'}`).join(' '));
    }
    return shown;
  }

  const balanceOf = async (code: string) => getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id);

  it('settles the financing as of the earlier transfer when the funder has committed the later one\'s money since', async () => {
    const f = await overdueFinancing(db.prisma, { through: 10, terms: { programLimit: '5000000.00', supplierLimit: '5000000.00' } });
    const { parties, pays, step } = f;
    const fundingCode = partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
    await pays('CORE-D10', '803000.00', 20);
    await step(21);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).principalOutstanding.toFixed(2)).toBe('1000.00');
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('1004333.33');
    await approvedAndHeld(db.prisma, parties, { amount: '1005500.00', now: f.at(21, 10), dueDate: f.date(31) });
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('509.16');

    // The 802,000.00 of D+5, reported now; the step of D+12 allocates it.
    await pays('CORE-D5', '802000.00', 15);
    const stepped = await step(22).then(
      (result) => result.status,
      (error: unknown) => `${(error as { code?: string }).code}: ${(error as Error).message}`,
    );

    expect(stepped).toBe('SETTLED');
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect({
      status: financing.status,
      settledAt: financing.settledAt?.toISOString(),
      repaid: { penalty: financing.repaidPenalty.toFixed(2), principal: financing.repaidPrincipal.toFixed(2) },
      outstanding: { principal: financing.principalOutstanding.toFixed(2), penalty: financing.penaltyOutstanding.toFixed(2) },
      penaltyAccrued: financing.penaltyAccrued.toFixed(2),
      collectionAccount: (await balanceOf(collectionAccountCode(f.id, 'CNY'))).posted.toFixed(2),
    }).toEqual({
      status: 'SETTLED',
      settledAt: f.at(15, 10).toISOString(),
      repaid: { penalty: '2000.00', principal: '800000.00' },
      outstanding: { principal: '0.00', penalty: '0.00' },
      penaltyAccrued: '2000.00',
      collectionAccount: '0.00',
    });
    const rows = await db.prisma.repaymentAllocation.findMany({ where: { financingId: f.id }, orderBy: { valueDate: 'asc' } });
    expect(rows.map((row) => `${row.collected.toFixed(2)}: penalty ${row.penalty.toFixed(2)}, principal ${row.principal.toFixed(2)}, overpaid ${row.overpaid.toFixed(2)}`)).toEqual([
      '802000.00: penalty 2000.00, principal 800000.00, overpaid 0.00',
      '803000.00: penalty 0.00, principal 0.00, overpaid 803000.00',
    ]);
    // The funder's account gave back all it had: 802,509.16 is held for the payer's refund, and
    // the funder owes the other 490.84 (never taken from the hold for the other financing).
    const held = async () =>
      (await db.prisma.inboundException.findMany({ where: { financingId: f.id, reason: 'OVERPAID' }, orderBy: { createdAt: 'asc' } })).map((row) => [row.status, row.heldAmount?.toFixed(2)]);
    expect(await held()).toEqual([['OPEN', '802509.16']]);
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('0.00');
    expect(rows[1]!.overpaidOwed.toFixed(2)).toBe('490.84');
    expect((await db.prisma.notification.findMany({ where: { partyId: parties.admin.partyId, kind: 'REALLOCATION_OWED', financingId: f.id } })).length).toBe(1);
    // The supplier, the funder and operators see what is still owed on the repayment; the core
    // enterprise, the payer, is not shown that the funder's account fell short.
    expect(await owedAsShown(f, parties)).toEqual(['0.00/0.00 490.84/0.00', '0.00/0.00 490.84/0.00', 'null/null null/null', '0.00/0.00 490.84/0.00']);

    // The funder tops up 1,000.00: 490.84 goes to suspense in the top-up's transaction, once, held for the payer too.
    const topUp = { bankReference: `FUNDER-TOPUP-${f.id}`, virtualAccountNumber: await virtualAccountNumberOf(db.prisma, fundingCode), amount: '1000.00', currency: 'CNY', payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222020200990099887', remittanceInformation: 'top-up', receivedAt: new Date() };
    await receiveInboundCredit(db.prisma, topUp);
    await receiveInboundCredit(db.prisma, topUp);
    expect(await held()).toEqual([['OPEN', '802509.16'], ['OPEN', '490.84']]);
    expect((await db.prisma.repaymentAllocation.findUniqueOrThrow({ where: { id: rows[1]!.id } })).overpaidOwed.toFixed(2)).toBe('0.00');
    expect((await balanceOf(fundingCode)).available.toFixed(2)).toBe('509.16');
    expect((await db.prisma.notification.findMany({ where: { partyId: parties.admin.partyId, kind: 'REALLOCATION_OWED_COMPLETED', financingId: f.id } })).length).toBe(1);
    expect(await owedAsShown(f, parties)).toEqual(['0.00/0.00 0.00/0.00', '0.00/0.00 0.00/0.00', 'null/null null/null', '0.00/0.00 0.00/0.00']);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
