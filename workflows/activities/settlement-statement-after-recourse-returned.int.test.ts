import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { claimRecourse } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { financedWithRecourse } from '../../test/support/late-recourse';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText } from '../../test/support/pdf';
import { createFinancingActivities } from './financing-activities';

// docs/workflows/financing.md, "Recourse and money the bank received before it", first worked
// case: 800,000.00 financed, due on D, penalty 400.00 a day after 3 grace days, recourse after
// 30 days; the supplier holds 900,000.00 of its own. At 00:30 on D+30 recourse claims 812,000.00
// (30 × 400.00 + 800,000.00) and the financing is SETTLED: the workflow issues the settlement
// statement (结清证明) at once. At 01:00 the feed reads 811,600.00 the core enterprise paid at
// 22:00 on D+29: it is the core enterprise's repayment, the claim keeps nothing and 812,000.00
// goes back to the supplier. The statement the three parties hold is their proof of who paid
// what: it must say the core enterprise repaid 811,600.00 and recourse took nothing, not that the
// supplier paid the whole debt under recourse.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('the settlement statement of a financing recourse settled, when the core enterprise had paid before the claim', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('shows the core enterprise’s repayment and no recourse once the claim is returned', async () => {
    const f = await financedWithRecourse(db.prisma);

    // 00:30 on D+30: recourse takes 812,000.00 and settles the financing; the workflow issues the statement.
    const claimed = await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    expect(claimed.claimed).toBe('812000.00');
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).status).toBe('SETTLED');
    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });

    // 01:00 on D+30: the feed reads the core enterprise's 811,600.00 the bank received at 22:00 on D+29.
    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D29-${f.id}`, virtualAccountNumber: collectionVan, amount: '811600.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 22) });
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect({ recourseClaimed: financing.recourseClaimed.toFixed(2), repaidPrincipal: financing.repaidPrincipal.toFixed(2) }).toEqual({ recourseClaimed: '0.00', repaidPrincipal: '800000.00' });

    // What the parties download as the financing's settlement statement now, asked for again as
    // the financing's documents are (the same activity the workflow ran at settlement).
    await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });
    const statement = await db.prisma.document.findFirstOrThrow({ where: { financingId: f.id, kind: 'SETTLEMENT_STATEMENT' }, orderBy: { createdAt: 'desc' } });
    const text = compactText((await extractPdfText(new Uint8Array(statement.content))).join(''));
    expect({
      recourseClaimed: /Recourseclaimed(CNY[\d,.]+)/.exec(text)?.[1] ?? null,
      coreEnterpriseRepayment: text.includes('811,600.00'),
    }).toEqual({ recourseClaimed: 'CNY0.00', coreEnterpriseRepayment: true });
  });
});
