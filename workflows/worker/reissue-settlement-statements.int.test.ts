import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { claimRecourse } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { financedWithRecourse } from '../../test/support/late-recourse';
import { testLogger } from '../../test/support/logger';
import { compactText, extractPdfText, previewPdf } from '../../test/support/pdf';
import { createFinancingActivities } from '../activities/financing-activities';
import { statementsAwaitingReissue } from '../activities/documents/store-document';
import { reissueSettlementStatements } from './reissue-settlement-statements';

// docs/documents.md, "Versions": the case of docs/workflows/financing.md ("Recourse and money
// the bank received before it", paid in full): recourse settles the financing and its statement
// is issued; the core enterprise's earlier 811,600.00 is read an hour later and the claim goes
// back in full. The statement issued is superseded in that transaction, the parties are told,
// and the worker issues version 2; version 1 stays, unchanged, listed before it.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('a settlement statement reissued after recourse is returned', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('supersedes the statement issued, tells the parties, and issues version 2 once, keeping version 1', async () => {
    const f = await financedWithRecourse(db.prisma);
    const { parties } = f;
    await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    const activities = createFinancingActivities({ prisma: db.prisma, logger: testLogger });
    const first = await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });
    // Nothing to reissue while the statement stands.
    expect(await statementsAwaitingReissue(db.prisma)).toEqual([]);

    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D29-${f.id}`, virtualAccountNumber: collectionVan, amount: '811600.00', currency: 'CNY', ...PAYER, receivedAt: f.at(39, 22) });
    expect(await statementsAwaitingReissue(db.prisma)).toEqual([f.id]);
    const notices = await db.prisma.notification.findMany({ where: { financingId: f.id, kind: 'RECOURSE_RETURNED' } });
    expect(notices.map((notice) => notice.partyId).sort()).toEqual([f.supplier.partyId, parties.funder.partyId, parties.core.partyId].sort());
    for (const notice of notices) expect(notice.body).toContain('a new version with these figures is being issued');

    expect(await reissueSettlementStatements({ prisma: db.prisma, logger: testLogger })).toBe(1);
    expect(await reissueSettlementStatements({ prisma: db.prisma, logger: testLogger })).toBe(0);
    // A retry of the activity finds version 2 and renders nothing.
    const again = await activities.generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });

    const statements = await db.prisma.document.findMany({ where: { financingId: f.id, kind: 'SETTLEMENT_STATEMENT' }, orderBy: { version: 'asc' } });
    expect(statements.map(({ id, version, supersededAt, sha256 }) => ({ id, version, superseded: supersededAt !== null, sha256 }))).toEqual([
      { id: first.documentId, version: 1, superseded: true, sha256: first.sha256 },
      { id: again.documentId, version: 2, superseded: false, sha256: again.sha256 },
    ]);
    expect(statements[1]!.fileName).toMatch(/-settlement-statement-v2\.pdf$/);
    const text = compactText((await extractPdfText(new Uint8Array(statements[1]!.content))).join(''));
    expect(text).toContain('第2版version2');
    expect(text).toContain('replacesversion1');
    await previewPdf('settlement-statement-reissued', new Uint8Array(statements[1]!.content));

    // The stored bytes of a document still never change.
    await expect(db.prisma.$executeRaw`UPDATE document SET file_name = 'changed.pdf' WHERE id = ${first.documentId}::uuid`).rejects.toThrow(/documents are immutable/);
    await expect(db.prisma.$executeRaw`UPDATE document SET superseded_at = NULL WHERE id = ${first.documentId}::uuid`).rejects.toThrow(/documents are immutable/);
  });
});
