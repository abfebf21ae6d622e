import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt, type FinancingParties } from '../test/support/financings';

// 800,000.00 financed against a receivable confirmed for 1,000,000.00, due on day 10 (D); penalty
// 0.18 a year on ACT/360 (400.00 a day on 800,000.00) after 3 grace days; no recourse. Disbursed
// ten days before D: the funder advances 798,666.67 (the interest, 1,333.33, is taken up front) and
// its account holds 201,333.33, then 1,001,333.33 once it has its 800,000.00 back.
//
// The core enterprise pays the 800,000.00 in two transfers inside the grace days: 500,000.00 on
// D+2 and 300,000.00 on D+3. Repaid in full by the end of D+3 by value date: no penalty is owed,
// and every day charged meanwhile is reversed (docs/workflows/financing.md, "Grace").
//
// The bank reports the 300,000.00 of D+3 only on D+6. Meanwhile the step of D+4 finds 300,000.00
// unpaid and charges D+1 to D+4 (400.00, 400.00, 150.00, 150.00), the step of D+5 charges 150.00:
// the parties are told the financing is overdue, and the core enterprise pays the 1,250.00 of
// penalty it is shown, on D+5. Read in time, the 300,000.00 settles the financing on D+4 with no
// penalty and the 1,250.00 arrives after settlement, held for a refund to the payer. Read late, the
// 300,000.00 shows the financing was whole at the end of D+3: no day was owed, so the funder gives
// the 1,250.00 back and it is held for the payer, as when read in time (it used to keep it).

const CORE = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('a financing repaid within its grace days, one transfer reported late', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  /** Day 0 is 30 days ago at 10:00; due on day 10 (D). The 500,000.00 of D+2 is read at once and allocated by the step of D+3. */
  async function paidInGraceInPart() {
    const parties = await createFinancingParties(db.prisma);
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -30, 10));
    const collectionVan = await vanOf(collectionAccountCode(f.id, 'CNY'));
    const pays = (reference: string, amount: string, day: number) =>
      receiveInboundCredit(db.prisma, { bankReference: `${reference}-${f.id}`, virtualAccountNumber: collectionVan, amount, currency: 'CNY', ...CORE, receivedAt: f.at(day, 10) });
    const step = (day: number) => serviceFinancing(db.prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
    for (let day = 11; day <= 12; day += 1) await step(day);
    await pays('CORE-D2', '500000.00', 12);
    await step(13);
    return { ...f, parties, pays, step };
  }

  async function outcome(f: { id: string; parties: FinancingParties }) {
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const funding = await findAccountByCode(db.prisma, partyAccountCode(f.parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
    const settlement = await findAccountByCode(db.prisma, partyAccountCode(financing.supplierPartyId, 'SUPPLIER_SETTLEMENT', 'CNY'));
    // Money in suspense for the payer to have back, on the account it paid into.
    const held = await db.prisma.inboundException.findMany({ where: { virtualAccountNumber: await vanOf(collectionAccountCode(f.id, 'CNY')), status: { not: 'RESOLVED' } } });
    return {
      status: financing.status,
      overdueSince: financing.overdueSince,
      funderReceived: financing.repaidPenalty.plus(financing.repaidInterest).plus(financing.repaidPrincipal).toFixed(2),
      penaltyAccrued: financing.penaltyAccrued.toFixed(2),
      repaidPenalty: financing.repaidPenalty.toFixed(2),
      funderAccount: (await getBalance(db.prisma, funding!.id)).posted.toFixed(2),
      supplierAccount: (await getBalance(db.prisma, settlement!.id)).posted.toFixed(2),
      heldForPayer: held.map((row) => ({ amount: row.heldAmount?.toFixed(2), payerAccountNumber: row.payerAccountNumber })),
    };
  }

  it('charges no penalty when the transfer of the last grace day is read after the penalty the core enterprise was shown was paid', async () => {
    // Read in time: the 300,000.00 of D+3 is allocated by the step of D+4 and settles the financing;
    // the 1,250.00 of D+5 comes after settlement.
    const readInTime = await paidInGraceInPart();
    await readInTime.pays('CORE-D3', '300000.00', 13);
    for (let day = 14; day <= 15; day += 1) await readInTime.step(day);
    await readInTime.pays('CORE-PENALTY-D5', '1250.00', 15);
    for (let day = 16; day <= 17; day += 1) await readInTime.step(day);
    const inTime = await outcome(readInTime);
    expect(inTime).toMatchObject({ status: 'SETTLED', overdueSince: null, funderReceived: '800000.00', penaltyAccrued: '0.00', repaidPenalty: '0.00', funderAccount: '1001333.33' });
    expect(inTime.heldForPayer).toEqual([{ amount: '1250.00', payerAccountNumber: CORE.payerAccountNumber }]);

    // Read on D+6: the steps of D+4 and D+5 charge 1,250.00, which the core enterprise pays on D+5.
    const readLate = await paidInGraceInPart();
    for (let day = 14; day <= 15; day += 1) await readLate.step(day);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: readLate.id } })).penaltyOutstanding.toFixed(2)).toBe('1250.00');
    await readLate.pays('CORE-PENALTY-D5', '1250.00', 15);
    await readLate.step(16);
    await readLate.pays('CORE-D3', '300000.00', 13);
    await readLate.step(17);

    expect(await outcome(readLate)).toEqual(inTime);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
