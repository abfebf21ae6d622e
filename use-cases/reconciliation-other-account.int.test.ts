import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { importBankStatement } from './import-bank-statement';
import { testLogger } from '../test/support/logger';
import { reconciliationWorld } from '../test/support/reconciliation-days';
import { creditsStatement } from '../test/support/statement-files';

// The day's reconciliation report is of the escrow account's statement (docs/reconciliation.md,
// "The identity, every day"). A statement of some other account number for the same day and
// currency (an operator's wrong file) must not take its place.

describe('a statement of another account for a reconciled day', () => {
  it('leaves the day’s report as the escrow account’s statement made it', async () => {
    const w = await reconciliationWorld(39);
    try {
      await w.credit(w.at(w.day, 10), w.funding.virtualAccountNumber!, '1000000.00');
      await w.playDay(w.day);
      const before = await w.storedReport(w.day);
      expect(before).toMatchObject({ balanced: true, version: 1 });

      const other = creditsStatement('1000000000000001', w.day, 'CNY', '0.00', []);
      await importBankStatement({ prisma: w.db.prisma, logger: testLogger }, w.operatorActor, { format: 'CSV', content: other.csv }, w.at(addDays(w.day, 1), 9));

      const after = await w.storedReport(w.day);
      expect({ statementId: after.statementId, balanced: after.balanced, version: after.version }).toEqual({ statementId: before.statementId, balanced: true, version: 1 });
    } finally {
      await w.drop();
    }
  });
});
