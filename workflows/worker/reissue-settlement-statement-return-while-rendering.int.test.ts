import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../prisma/client';
import { collectionAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { claimRecourse } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { withFinancingReads } from '../../test/support/financing-reads';
import { financedWithRecourse } from '../../test/support/late-recourse';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText } from '../../test/support/pdf';
import { createFinancingActivities } from '../activities/financing-activities';
import { reissueSettlementStatements } from './reissue-settlement-statements';

// docs/documents.md, "Versions": 800,000.00 financed, due on D, penalty 400.00 a day after 3
// grace days, recourse after 30 days; the supplier holds 900,000.00 of its own. At 00:30 on D+30
// recourse claims 812,000.00 and settles the financing; its settlement statement is issued. The
// core enterprise had paid 811,600.00 on D+29 in two transfers, 400,000.00 at 22:00 and
// 411,600.00 at 23:00, which the feed reads after the claim. The first sets the claim aside and
// it keeps 411,805.80: the statement is superseded and the worker issues the next version. The
// feed books the second transfer while the worker is drawing that version (after it has read the
// figures, before it stores the PDF): the claim is returned in full. Whatever the timing, the
// statement the parties are shown as current must end up saying recourse took nothing, as the
// financing does; a statement drawn from figures that no longer stand must not stay current.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('a settlement statement reissued while recourse is returned again', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** The database as the worker sees it, but `whileDrawing` runs once the worker has read a financing's figures, before it goes on. */
  function drawingSlowly(whileDrawing: () => Promise<void>): PrismaClient {
    let pending: (() => Promise<void>) | null = whileDrawing;
    return withFinancingReads(db.prisma, async (args, read) => {
      const row = await read(args);
      const run = pending;
      pending = null;
      if (run) await run();
      return row;
    });
  }

  it('does not leave current a version drawn before the claim was returned in full', async () => {
    const f = await financedWithRecourse(db.prisma);
    await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    await createFinancingActivities({ prisma: db.prisma, logger: testLogger }).generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });

    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D29-22-${f.id}`, virtualAccountNumber: collectionVan, amount: '400000.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 22) });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseClaimed.toFixed(2)).toBe('411805.80');

    // The worker draws the next version; meanwhile the feed books the 411,600.00 of 23:00.
    const secondTransfer = () => receiveInboundCredit(db.prisma, { bankReference: `CORE-D29-23-${f.id}`, virtualAccountNumber: collectionVan, amount: '411600.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 23) }).then(() => undefined);
    await reissueSettlementStatements({ prisma: drawingSlowly(secondTransfer), logger: testLogger });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseClaimed.toFixed(2)).toBe('0.00');
    // The worker's next turns.
    await reissueSettlementStatements({ prisma: db.prisma, logger: testLogger });
    await reissueSettlementStatements({ prisma: db.prisma, logger: testLogger });

    const current = await db.prisma.document.findMany({ where: { financingId: f.id, kind: 'SETTLEMENT_STATEMENT', supersededAt: null } });
    const shown = await Promise.all(current.map(async (statement) => /Recourseclaimed(CNY[\d,.]+)/.exec(compactText((await extractPdfText(new Uint8Array(statement.content))).join('')))?.[1] ?? null));
    expect(shown).toEqual(['CNY0.00']);
  });
});
