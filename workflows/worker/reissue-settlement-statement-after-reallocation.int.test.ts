import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { serviceFinancing } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../../test/support/financings';
import { CORE_ENTERPRISE_PAYER, virtualAccountNumberOf } from '../../test/support/late-recourse';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText } from '../../test/support/pdf';
import { createFinancingActivities } from '../activities/financing-activities';
import { reissueSettlementStatements } from './reissue-settlement-statements';

// docs/documents.md, "Versions", for the second cause of a reissue: 800,000.00 financed without
// recourse, due on day 10 (D), penalty 400.00 a day after 3 grace days. The core enterprise's
// 804,000.00 of D+10 is read at once and settles the financing (4,000.00 of penalty and
// 800,000.00 of principal), and the settlement statement is issued. Its 300,000.00 of D+5 is read
// only on D+12: it is allocated on its value date and the 804,000.00 again after it (1,255.00 of
// penalty, 502,000.00 of principal, 200,000.00 to the supplier and 100,745.00 held for the payer),
// and the statement is superseded. Version 2 must say why it replaces version 1. It says instead
// that a repayment was read after a recourse claim and that what recourse took was returned to
// the assignor: on a financing without recourse, whose same statement prints "Without recourse",
// a claim that was never made and money the supplier never paid nor got back. A statement the
// parties rely on as proof of payment must not state a cause that did not happen.

describe('a settlement statement reissued after money read late reallocated the repayment that settled the financing', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('says in version 2 that earlier money was read late, not that a recourse claim was returned', async () => {
    const parties = await createFinancingParties(db.prisma);
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -30, 10));
    const collectionVan = await virtualAccountNumberOf(db.prisma, collectionAccountCode(f.id, 'CNY'));
    const pays = (reference: string, amount: string, day: number) =>
      receiveInboundCredit(db.prisma, { bankReference: `${reference}-${f.id}`, virtualAccountNumber: collectionVan, amount, currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(day, 10) });
    for (let day = 11; day <= 20; day += 1) await serviceFinancing(db.prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
    await pays('CORE-D10', '804000.00', 20);
    expect((await serviceFinancing(db.prisma, f.id, f.date(21), `test:${f.id}:day-21`, f.at(21, 0, 30))).status).toBe('SETTLED');
    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });

    await pays('CORE-D5', '300000.00', 15);
    expect(await reissueSettlementStatements({ prisma: db.prisma, logger: testLogger })).toBe(1);

    const statements = await db.prisma.document.findMany({ where: { financingId: f.id, kind: 'SETTLEMENT_STATEMENT' }, orderBy: { version: 'asc' } });
    expect(statements.map(({ version, supersededAt }) => ({ version, superseded: supersededAt !== null }))).toEqual([
      { version: 1, superseded: true },
      { version: 2, superseded: false },
    ]);
    const text = compactText((await extractPdfText(new Uint8Array(statements[1]!.content))).join(''));
    expect(text).toContain('replacesversion1');
    // The repayments are listed as the money counts, by the day the bank received it.
    expect(text.indexOf(compactText(`${f.date(15)} 还款`))).toBeLessThan(text.indexOf(compactText(`${f.date(20)} 还款`)));
    expect(text.indexOf(compactText(`${f.date(15)} 还款`))).toBeGreaterThan(-1);
    // The financing has no recourse and none was ever claimed: the statement says so in its figures.
    expect(text).toContain(compactText('无追索权 Without recourse'));
    // Why version 2 replaces version 1: not a recourse claim returned to the assignor.
    expect(text).not.toContain(compactText('the bank received before the recourse claim'));
    expect(text).not.toContain(compactText('what recourse took was returned to the assignor'));
    expect(text).not.toContain(compactText('银行在追索扣款之前已收到的还款'));
  });
});
