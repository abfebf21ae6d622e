import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { ensurePlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { importBankStatement } from './import-bank-statement';
import { escrowAccountIs } from '../test/support/escrow-account';
import { testLogger } from '../test/support/logger';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A return line on the platform's USD statement that names a payout the ledger paid in CNY
// (docs/reconciliation.md, "Matching": "payout … is in CNY, the line in USD"). The bank gave the
// escrow account dollars; nothing gave it yuan. The import must not book the payout as returned
// (that would put yuan in the supplier's account that the CNY escrow account never received), and
// since no process of the payout will ever explain the dollars, operators can resolve the line by hand.

describe('a return line in another currency than its payout', () => {
  it('is not booked as the payout coming back, and can be resolved by hand', async () => {
    const w = await reconciliationWorld(53);
    try {
      await escrowAccountIs(w.db.prisma, w.bank.escrowAccountNumber, ['USD']);
      await ensurePlatformAccounts(w.db.prisma, 'USD');
      const { payout, next } = await w.payoutSettledOnStatement();
      w.clock.now = w.at(addDays(next, 1), 0.5);
      const file = await w.bank.fetchStatementFile(next, 'USD', 'CSV');
      const content = w
        .withReturns(file.content, next, payout.payoutReference, '1000.00', ['SIMRETURN000000053'], { from: ',0.00,0.00,', to: ',0.00,1000.00,' })
        .replace(/,CNY,/, ',USD,');
      const imported = await importBankStatement({ prisma: w.db.prisma, logger: testLogger }, w.operatorActor, { ...file, content }, w.clock.now);
      expect(imported.returnsBooked).toBe(0);
      expect((await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe('SETTLED');
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('1212800.00');

      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'SIMRETURN000000053' } });
      expect(line.currency).toBe('USD');
      const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      expect([item.outcome, item.status, item.detail]).toEqual(['BANK_ONLY', 'OPEN', `payout ${payout.payoutReference} is in CNY, the line in USD`]);

      // Nothing of the payout will ever book the dollars: operators park them in USD suspense.
      const proposed = await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '1000.00', note: '币种不符的退汇 return in another currency' }, w.at(addDays(next, 1), 9));
      expect(proposed.id).toBe(item.id);
    } finally {
      await w.drop();
    }
  });
});
