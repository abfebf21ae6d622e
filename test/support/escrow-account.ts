import type { PrismaClient } from '../../prisma/client';
import { registerEscrowAccount } from '../../prisma/stores/escrow-account-store';
import { testLogger } from './logger';

/**
 * The platform's escrow account is `accountNumber` in each currency, as the worker registers its
 * bank adapter's account when it starts (docs/reconciliation.md, "Importing"): only that
 * account's statements are imported. A test that plays another bank registers that one.
 */
export async function escrowAccountIs(prisma: PrismaClient, accountNumber: string, currencies: readonly string[] = ['CNY']): Promise<void> {
  for (const currency of currencies) await registerEscrowAccount(prisma, testLogger, { currency, accountNumber }, new Date());
}
