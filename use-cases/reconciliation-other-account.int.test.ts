import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { importBankStatement } from './import-bank-statement';
import { produceReconciliationReport } from './produce-reconciliation-report';
import { parseStatementFile } from '../bank/statement/parse-statement-file';
import { STATEMENT_UPLOAD_LIMITS } from '../bank/statement/statement-document';
import { importStatement } from '../prisma/stores/bank-statement-store';
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

      // Refused, with both account numbers masked, and nothing stored.
      const other = creditsStatement('1000000000000001', w.day, 'CNY', '0.00', []);
      const refused = importBankStatement({ prisma: w.db.prisma, logger: testLogger }, w.operatorActor, { format: 'CSV', content: other.csv }, w.at(addDays(w.day, 1), 9));
      await expect(refused).rejects.toMatchObject({ code: 'STATEMENT_ACCOUNT_NOT_ESCROW', message: expect.stringContaining('**** 0001') });
      await expect(refused).rejects.toMatchObject({ message: expect.stringContaining(`**** ${w.bank.escrowAccountNumber.slice(-4)}`) });
      await expect(refused).rejects.toMatchObject({ message: expect.not.stringContaining('1000000000000001') });
      expect(await w.db.prisma.bankStatement.count({ where: { accountNumber: '1000000000000001' } })).toBe(0);

      const after = await w.storedReport(w.day);
      expect({ statementId: after.statementId, balanced: after.balanced, version: after.version }).toEqual({ statementId: before.statementId, balanced: true, version: 1 });

      // Another account's statement already in the database (stored before such files were
      // refused, here through the store itself): the report is still the escrow account's.
      await importStatement(w.db.prisma, parseStatementFile({ format: 'CSV', content: other.csv }, STATEMENT_UPLOAD_LIMITS), { format: 'CSV', importedByUserId: null, escalateAfterDays: 3, now: w.at(addDays(w.day, 1), 9) });
      await expect(produceReconciliationReport({ prisma: w.db.prisma, logger: testLogger }, w.day, 'CNY', w.at(addDays(w.day, 1), 10))).resolves.toMatchObject({ outcome: 'UNCHANGED', report: { statementId: before.statementId } });
    } finally {
      await w.drop();
    }
  });
});
