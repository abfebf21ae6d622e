import type { Logger } from 'pino';
import { maskBankAccountNumber } from '../../domain/party-rules';
import type { PrismaClient } from '../client';

// The platform's escrow bank account of each currency (docs/reconciliation.md, "Importing"): the
// real account behind the ledger's ESCROW_BANK account of that currency. The ledger keeps one
// escrow account per currency, and its ledger-only activity is every payout and credit of the
// currency, so only that account's statements can be reconciled against it: a statement of any
// other account is refused, and a day's report is built from that account's statement alone.
// The bank adapter knows the account (every payout leaves it, every credit reaches it); the
// worker registers it when it starts, so that the API, which holds no bank adapter, knows it too.

const ACCOUNT_NUMBER_SHAPE = /^[0-9]{8,32}$/;

export interface EscrowAccountRegistration {
  currency: string;
  accountNumber: string;
  /** The account registered before, when this registration changed it (the platform moved its escrow account). */
  replaced: string | null;
}

/**
 * Registers the escrow account of a currency, or confirms it. Another number than the one
 * registered replaces it: the bank adapter is configured with the account the platform's money
 * is in, and a new one is a deliberate move of the escrow account, said loudly in the log.
 */
export async function registerEscrowAccount(
  prisma: PrismaClient,
  logger: Pick<Logger, 'info' | 'warn'>,
  input: { currency: string; accountNumber: string },
  now: Date,
): Promise<EscrowAccountRegistration> {
  if (!ACCOUNT_NUMBER_SHAPE.test(input.accountNumber)) throw new RangeError(`an escrow account number is 8 to 32 digits, got ${JSON.stringify(input.accountNumber)}`);
  const [row] = await prisma.$queryRaw<Array<{ replaced: string | null }>>`
    WITH before AS (SELECT account_number FROM escrow_bank_account WHERE currency = ${input.currency} FOR UPDATE)
    INSERT INTO escrow_bank_account (currency, account_number, registered_at) VALUES (${input.currency}, ${input.accountNumber}, ${now})
    ON CONFLICT (currency) DO UPDATE SET account_number = EXCLUDED.account_number, registered_at = EXCLUDED.registered_at
      WHERE escrow_bank_account.account_number <> EXCLUDED.account_number
    RETURNING (SELECT account_number FROM before) AS replaced`;
  const replaced = row?.replaced ?? null;
  const facts = { currency: input.currency, accountNumber: maskBankAccountNumber(input.accountNumber) };
  if (replaced && replaced !== input.accountNumber) logger.warn({ ...facts, replaced: maskBankAccountNumber(replaced) }, 'escrow bank account changed: statements of the account before are no longer imported');
  else if (row) logger.info(facts, 'escrow bank account registered');
  return { currency: input.currency, accountNumber: input.accountNumber, replaced: replaced && replaced !== input.accountNumber ? replaced : null };
}

/** The escrow account registered for a currency, or null when none is. */
export async function escrowAccountOf(prisma: PrismaClient, currency: string): Promise<string | null> {
  const row = await prisma.escrowBankAccount.findUnique({ where: { currency }, select: { accountNumber: true } });
  return row?.accountNumber ?? null;
}
