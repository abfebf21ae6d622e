import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../prisma/client';
import { claimRecourse } from '../../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { withFinancingReads } from '../../test/support/financing-reads';
import { financedWithRecourse } from '../../test/support/late-recourse';
import { testLogger } from '../../test/support/logger';
import { createFinancingActivities } from '../activities/financing-activities';
import { statementsAwaitingReissue } from '../activities/documents/store-document';
import { reissueSettlementStatements } from './reissue-settlement-statements';

// docs/documents.md, "Versions": the worker issues the next version of every superseded
// settlement statement. One that cannot be drawn (here, its financing cannot be read) must not
// hold back the others: each is issued on its own, and the one that failed is tried again on the
// worker's next turn.

describe('settlement statements reissued by the worker', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Settled by a recourse claim (the supplier's own money), its statement issued. */
  async function settledWithStatement(): Promise<string> {
    const f = await financedWithRecourse(db.prisma);
    await claimRecourse(db.prisma, f.id, f.at(40, 0, 30));
    await createFinancingActivities({ prisma: db.prisma, logger: testLogger }).generateFinancingDocument({ financingId: f.id, kind: 'SETTLEMENT_STATEMENT' });
    return f.id;
  }

  /** The database as the worker sees it, except that `failing`'s financing cannot be read. */
  const failingFor = (failing: string): PrismaClient =>
    withFinancingReads(db.prisma, (args, read) => (args.where.id === failing ? Promise.reject(new Error('the financing could not be read')) : read(args)));

  it('issues the others when one cannot be drawn, and that one on a later turn', async () => {
    const first = await settledWithStatement();
    const second = await settledWithStatement();
    // Superseded as a return of recourse does, the first one earlier.
    await db.prisma.$executeRaw`UPDATE document SET superseded_at = now() - interval '1 minute' WHERE financing_id = ${first}::uuid AND kind = 'SETTLEMENT_STATEMENT'`;
    await db.prisma.$executeRaw`UPDATE document SET superseded_at = now() WHERE financing_id = ${second}::uuid AND kind = 'SETTLEMENT_STATEMENT'`;
    expect(await statementsAwaitingReissue(db.prisma)).toEqual([first, second]);

    expect(await reissueSettlementStatements({ prisma: failingFor(first), logger: testLogger })).toBe(1);
    expect(await statementsAwaitingReissue(db.prisma)).toEqual([first]);

    expect(await reissueSettlementStatements({ prisma: db.prisma, logger: testLogger })).toBe(1);
    expect(await statementsAwaitingReissue(db.prisma)).toEqual([]);
    const versions = await db.prisma.document.findMany({ where: { financingId: { in: [first, second] }, kind: 'SETTLEMENT_STATEMENT', supersededAt: null }, select: { financingId: true, version: true } });
    expect(versions.sort((a, b) => (a.financingId === first ? -1 : b.financingId === first ? 1 : 0))).toEqual([
      { financingId: first, version: 2 },
      { financingId: second, version: 2 },
    ]);
  });
});
