import { Decimal, formatAmount, type Currency } from '../../domain/money';
import { postingEntries } from '../../domain/ledger-rules';
import { LimitExceededError } from '../../domain/errors';
import type { CreditLimitKind } from '../client';
import { ensurePlatformAccounts } from './chart-of-accounts';
import { openAccount } from './ledger/accounts';
import { postTransaction } from './ledger/postings';
import type { Tx } from './run-transaction';
import { toDecimal } from './to-decimal';

export interface CreditLimitScope {
  kind: CreditLimitKind;
  funderPartyId: string;
  programId?: string | null;
  supplierPartyId?: string | null;
  obligorPartyId?: string | null;
  currency: Currency;
}

/** The ledger code of a limit: one account per program, per supplier in a program, and per funder and obligor. */
export function creditLimitCode(scope: CreditLimitScope): string {
  switch (scope.kind) {
    case 'PROGRAM':
      return `program:${scope.programId}:CREDIT_LIMIT:${scope.currency}`;
    case 'SUPPLIER':
      return `program:${scope.programId}:supplier:${scope.supplierPartyId}:CREDIT_LIMIT:${scope.currency}`;
    case 'OBLIGOR':
      return `funder:${scope.funderPartyId}:obligor:${scope.obligorPartyId}:CREDIT_LIMIT:${scope.currency}`;
  }
}

const LIMIT_NAMES: Record<CreditLimitKind, string> = {
  PROGRAM: 'Program limit',
  SUPPLIER: 'Supplier limit',
  OBLIGOR: 'Obligor concentration limit',
};

/**
 * Sets a limit to `amount` inside the caller's transaction: opens its account on first use
 * and posts the difference from what was granted before (a grant, or a reduction). A
 * reduction below what is already reserved or used is refused by the account's no-overdraft
 * bound (EXCEEDS_AVAILABLE_BALANCE): a limit cannot be cut under live commitments.
 */
export async function setCreditLimit(tx: Tx, scope: CreditLimitScope, amount: Decimal): Promise<string> {
  const platform = await ensurePlatformAccounts(tx, scope.currency);
  const account = await openAccount(tx, {
    code: creditLimitCode(scope),
    name: `${LIMIT_NAMES[scope.kind]} ${scope.currency}`,
    type: 'LIABILITY',
    purpose: 'CREDIT_LIMIT',
    book: 'MEMO',
    currency: scope.currency,
    ownerPartyId: scope.funderPartyId,
    debitsMustNotExceedCredits: true,
  });
  // Serialises two changes of one limit (two amendments at once).
  await tx.$queryRaw`SELECT 1 FROM credit_limit WHERE account_id = ${account.id}::uuid FOR UPDATE`;
  const existing = await tx.creditLimit.findUnique({ where: { accountId: account.id } });
  const granted = existing ? toDecimal(existing.granted) : new Decimal(0);
  const version = (existing?.version ?? 0) + 1;
  const difference = amount.minus(granted);
  if (!difference.isZero()) {
    const legs = postingEntries('CREDIT_LIMIT_GRANT', difference.abs(), scope.currency, { limitControl: platform.LIMIT_CONTROL.id, creditLimit: account.id });
    const entries = difference.gt(0) ? legs : legs.map((leg) => ({ ...leg, direction: leg.direction === 'DEBIT' ? ('CREDIT' as const) : ('DEBIT' as const) }));
    try {
      await postTransaction(tx, {
        idempotencyKey: `credit-limit:${account.id}:v${version}`,
        code: difference.gt(0) ? 'CREDIT_LIMIT_GRANT' : 'CREDIT_LIMIT_REDUCTION',
        description: `${LIMIT_NAMES[scope.kind]} set to ${formatAmount(amount, scope.currency)}`,
        metadata: { kind: scope.kind, programId: scope.programId ?? null, supplierPartyId: scope.supplierPartyId ?? null, obligorPartyId: scope.obligorPartyId ?? null },
        entries,
      });
    } catch (error) {
      if (error instanceof LimitExceededError) {
        throw new LimitExceededError('LIMIT_BELOW_COMMITMENTS', `${LIMIT_NAMES[scope.kind].toLowerCase()} cannot go below what is already reserved or used (asked ${formatAmount(amount, scope.currency)})`);
      }
      throw error;
    }
  }
  const data = { granted: amount.toFixed(), version, updatedAt: new Date() };
  if (existing) await tx.creditLimit.update({ where: { accountId: account.id }, data });
  else {
    await tx.creditLimit.create({
      data: {
        ...data,
        accountId: account.id,
        kind: scope.kind,
        funderPartyId: scope.funderPartyId,
        programId: scope.programId ?? null,
        supplierPartyId: scope.supplierPartyId ?? null,
        obligorPartyId: scope.obligorPartyId ?? null,
        currency: scope.currency,
      },
    });
  }
  return account.id;
}
