import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { ValidationError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { escrowAccountIs } from '../../test/support/escrow-account';
import { createFinancingParties, disbursedAt } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { registeredPartyActor, type TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createPayoutActivities } from '../../workflows/activities/payout-activities';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { registerBankAccount } from './disbursement-store';
import { partyAccountCode } from './chart-of-accounts';

// Payouts go only to an account in the payee's own legal name (同名账户), and the bank refuses a
// payout whose beneficiary name is longer than 100 characters (docs/bank-simulator.md,
// "Validation"). The platform registers legal names and payout account names of up to 200
// characters. A supplier with a legal name of 101 to 200 characters is enrolled, financed and
// disbursed: the advance leaves the funder, fees and interest are charged, and the payout of the
// net disbursement is refused by the bank, as is every retry and every withdrawal, because the
// only account it may be paid to carries a name the bank cannot take. Whatever name the platform
// accepts for a payout account must be one the bank accepts: refused when the account (or the
// party) is registered, with a typed error on the name, or paid.

const HOUR_MS = 60 * 60 * 1000;

// 120 characters: a foreign-invested enterprise's registered name with its English name.
const LONG_LEGAL_NAME = '深圳前海华强国际供应链管理有限公司 Shenzhen Qianhai Huaqiang International Supply Chain Management Company Limited Futian District Branch';

describe('a supplier whose legal name is longer than the bank takes', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is refused at registration, or its net disbursement of 797,866.67 is paid out', async () => {
    expect([...LONG_LEGAL_NAME].length).toBe(120);
    const t0 = new Date(Date.now() - 2 * HOUR_MS);
    let supplier: TestActor;
    try {
      supplier = await registeredPartyActor(db.prisma, ['SUPPLIER'], ['ADMIN', 'MAKER'], LONG_LEGAL_NAME);
      await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: LONG_LEGAL_NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, t0);
    } catch (error) {
      // Refused up front: a clear typed error on the name, before any money moves.
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path.at(-1))).toEqual([expect.stringMatching(/^(legalName|accountName)$/)]);
      return;
    }

    const parties = await createFinancingParties(db.prisma);
    const clock = { now: t0 };
    const bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}777`, clock: () => clock.now });
    await escrowAccountIs(db.prisma, bank.escrowAccountNumber);
    const financing = await disbursedAt(db.prisma, parties, t0, { supplier });
    expect(financing.payout).not.toBeNull();
    expect(financing.payout!.beneficiaryName).toBe(LONG_LEGAL_NAME);
    // 800,000.00 for 10 days at 6% up front (1,333.33) with a 0.1% fee (800.00).
    expect(financing.payout!.amount.toFixed(2)).toBe('797866.67');

    const status = await createPayoutActivities({ prisma: db.prisma, logger: testLogger, bank }).submitPayout({ payoutId: financing.payout!.id, at: t0 });
    const payout = await db.prisma.payout.findUniqueOrThrow({ where: { id: financing.payout!.id } });
    const settlement = (await findAccountByCode(db.prisma, partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!;
    expect({ status, failureReason: payout.failureReason }).toEqual({ status: 'SETTLED', failureReason: null });
    expect((await getBalance(db.prisma, settlement.id)).posted.toFixed(2)).toBe('0.00');
  });
});
