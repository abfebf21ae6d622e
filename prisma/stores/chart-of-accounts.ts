import type { PartyRole } from '../client';
import type { Currency } from '../../domain/money';
import { openAccount, type LedgerAccountPurpose, type LedgerAccountType, type LedgerAccountView, type LedgerBook } from './ledger/accounts';
import type { LedgerDb } from './ledger/ledger-db';

// The platform's chart of accounts (docs/ledger.md has it as a table). Customer money is a
// liability of the platform: every party's virtual account is a LIABILITY under the escrow
// bank account (an ASSET), so that the escrow balance always equals what the platform owes
// its customers plus what is in transit (账账相符). Opening is idempotent: accounts are found
// again by their code.

export const DEFAULT_LEDGER_CURRENCY: Currency = 'CNY';

/** The custody bank holding the escrow account; virtual account numbers are its sub-accounts. */
export const ESCROW_BANK_NAME = '平台存管银行 Platform escrow bank';

/** A virtual account as a payer is told to pay into it. */
export interface PayToAccount {
  bankName: string;
  accountName: string;
  virtualAccountNumber: string;
}

/**
 * Where the obligor pays a financing (回款专户): its collection account; for a voucher part's,
 * the voucher's, into which the issuer pays the whole voucher once and from which each part's
 * share, the financed one's too, is shared out (a payment into the financing's own would be
 * outside the voucher, and leave its claim unpaid). The API and the documents both say this one.
 */
export function payToAccountOf(
  financing: { funderName: string; virtualAccountNumber: string | null | undefined },
  voucherAccount: { name: string; virtualAccountNumber: string | null } | null | undefined,
): PayToAccount | null {
  if (voucherAccount?.virtualAccountNumber) return { bankName: ESCROW_BANK_NAME, accountName: voucherAccount.name, virtualAccountNumber: voucherAccount.virtualAccountNumber };
  if (!financing.virtualAccountNumber) return null;
  return { bankName: ESCROW_BANK_NAME, accountName: `${financing.funderName} 回款专户`, virtualAccountNumber: financing.virtualAccountNumber };
}

interface AccountTemplate {
  purpose: LedgerAccountPurpose;
  type: LedgerAccountType;
  book: LedgerBook;
  name: string;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

/** The platform's own accounts, one set per currency. */
export const PLATFORM_ACCOUNTS: readonly AccountTemplate[] = [
  // The real bank account holding every customer's money: it can never go below zero.
  { purpose: 'ESCROW_BANK', type: 'ASSET', book: 'MONEY', name: '托管账户 Escrow bank account', debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: true },
  // Paid out by us, not yet confirmed by the bank: still owed until it lands.
  { purpose: 'PAYOUT_IN_TRANSIT', type: 'LIABILITY', book: 'MONEY', name: '在途付款 Payouts in transit', debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
  // Received by the bank, not yet matched to a virtual account.
  { purpose: 'INBOUND_CLEARING', type: 'LIABILITY', book: 'MONEY', name: '待清分来账 Inbound clearing', debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
  // The platform's fee income: its own money, kept apart from customers'.
  { purpose: 'FEE_INCOME', type: 'REVENUE', book: 'MONEY', name: '平台服务费收入 Platform fee income', debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
  // Unmatched money (长款/短款 挂账): unbounded on purpose, a shortfall must be recordable.
  { purpose: 'SUSPENSE', type: 'LIABILITY', book: 'MONEY', name: '挂账 Suspense', debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
  // Memo book: the counterpart of every credit limit granted and of accrued penalties.
  { purpose: 'LIMIT_CONTROL', type: 'ASSET', book: 'MEMO', name: '授信额度控制 Credit limit control', debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
  { purpose: 'ACCRUAL_CONTROL', type: 'LIABILITY', book: 'MEMO', name: '应计罚息控制 Penalty accrual control', debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
];

/**
 * What the platform writes off when a difference with the bank cannot be put right
 * (docs/reconciliation.md, "Resolving an item"): a shortage it absorbs is a loss (对账损失, an
 * expense), a surplus nobody can claim is income (对账收益). Two accounts, not one: a loss and a
 * gain are never netted against each other. Both are the platform's own money at the escrow
 * bank, like fee income, and unbounded: a write-off must always be recordable. They are opened
 * when first needed (ensureReconciliationAccounts), so that a platform that never writes
 * anything off has no such accounts.
 */
export const RECONCILIATION_ACCOUNTS: readonly AccountTemplate[] = [
  { purpose: 'RECONCILIATION_LOSS', type: 'EXPENSE', book: 'MONEY', name: '对账损失 Reconciliation losses', debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
  { purpose: 'RECONCILIATION_GAIN', type: 'REVENUE', book: 'MONEY', name: '对账收益 Reconciliation gains', debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
];

/** Opens (or finds) the write-off accounts in a currency. */
export async function ensureReconciliationAccounts(db: LedgerDb, currency: Currency): Promise<{ loss: LedgerAccountView; gain: LedgerAccountView }> {
  const opened: LedgerAccountView[] = [];
  for (const template of RECONCILIATION_ACCOUNTS) opened.push(await openPlatformAccount(db, template, currency));
  return { loss: opened[0]!, gain: opened[1]! };
}

/** The virtual account each party role gets: a liability with no overdraft and its own account number. */
export const PARTY_ACCOUNTS: Partial<Record<PartyRole, { purpose: LedgerAccountPurpose; name: string }>> = {
  SUPPLIER: { purpose: 'SUPPLIER_SETTLEMENT', name: '供应商结算户 Supplier settlement' },
  FUNDER: { purpose: 'FUNDER_FUNDING', name: '资金方出资户 Funder funding' },
  CORE_ENTERPRISE: { purpose: 'CORE_REPAYMENT', name: '核心企业还款户 Core enterprise repayment' },
};

export function platformAccountCode(purpose: LedgerAccountPurpose, currency: Currency): string {
  return `platform:${purpose}:${currency}`;
}

export function partyAccountCode(partyId: string, purpose: LedgerAccountPurpose, currency: Currency): string {
  return `party:${partyId}:${purpose}:${currency}`;
}

export type PlatformAccounts = Record<(typeof PLATFORM_ACCOUNTS)[number]['purpose'], LedgerAccountView>;

/** Opens (or finds) the platform's accounts in a currency. */
export async function ensurePlatformAccounts(db: LedgerDb, currency: Currency = DEFAULT_LEDGER_CURRENCY): Promise<PlatformAccounts> {
  const accounts: Partial<PlatformAccounts> = {};
  for (const template of PLATFORM_ACCOUNTS) accounts[template.purpose] = await openPlatformAccount(db, template, currency);
  return accounts as PlatformAccounts;
}

/** Opens (or finds) one platform account of a template in a currency. */
function openPlatformAccount(db: LedgerDb, template: (typeof PLATFORM_ACCOUNTS)[number], currency: Currency): Promise<LedgerAccountView> {
  return openAccount(db, {
    code: platformAccountCode(template.purpose, currency),
    name: `${template.name} ${currency}`,
    type: template.type,
    purpose: template.purpose,
    book: template.book,
    currency,
    debitsMustNotExceedCredits: template.debitsMustNotExceedCredits,
    creditsMustNotExceedDebits: template.creditsMustNotExceedDebits,
  });
}

/**
 * Opens (or finds) a party's virtual accounts for its roles: SUPPLIER gets a settlement
 * account, FUNDER a funding account, CORE_ENTERPRISE a repayment account. Each is a
 * liability that cannot be overdrawn and has a virtual account number, so money paid to it
 * from outside is matched to the party. The platform party itself has none.
 */
export async function openPartyAccounts(
  db: LedgerDb,
  party: { id: string; roles: readonly PartyRole[] },
  currency: Currency = DEFAULT_LEDGER_CURRENCY,
): Promise<LedgerAccountView[]> {
  const opened: LedgerAccountView[] = [];
  for (const role of party.roles) {
    const template = PARTY_ACCOUNTS[role];
    if (!template) continue;
    opened.push(
      await openAccount(db, {
        code: partyAccountCode(party.id, template.purpose, currency),
        name: `${template.name} ${currency}`,
        type: 'LIABILITY',
        purpose: template.purpose,
        currency,
        ownerPartyId: party.id,
        debitsMustNotExceedCredits: true,
        withVirtualAccountNumber: true,
      }),
    );
  }
  return opened;
}

export function collectionAccountCode(financingId: string, currency: Currency): string {
  return `financing:${financingId}:COLLECTION:${currency}`;
}

/**
 * Opens (or finds) a financing's collection account (回款专户): the virtual account number the
 * core enterprise is told to pay into. Money there is owed to the assignee (the funder) until
 * the waterfall allocates it, so the funder owns it; it cannot be overdrawn.
 */
export async function openCollectionAccount(db: LedgerDb, financing: { id: string; financingNumber: string; funderPartyId: string }, currency: Currency): Promise<LedgerAccountView> {
  return openAccount(db, {
    code: collectionAccountCode(financing.id, currency),
    name: `回款专户 Collection ${financing.financingNumber} ${currency}`,
    type: 'LIABILITY',
    purpose: 'COLLECTION',
    currency,
    ownerPartyId: financing.funderPartyId,
    debitsMustNotExceedCredits: true,
    withVirtualAccountNumber: true,
  });
}
