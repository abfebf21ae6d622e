import { resolveOffsetConnection } from '@pothos/plugin-relay';
import type { Prisma } from '../../prisma/client';
import { z } from 'zod';
import { PayoutStatus as PayoutStatusValues } from '../../prisma/generated/client/enums';
import { ESCROW_BANK_NAME } from '../../prisma/stores/chart-of-accounts';
import { financingTransactionPages } from '../../prisma/stores/ledger/transactions';
import { toDecimal } from '../../prisma/stores/to-decimal';
import { decideOfflineRepayment } from '../../use-cases/decide-offline-repayment';
import { recordOfflineRepayment } from '../../use-cases/record-offline-repayment';
import { registerPayoutAccount } from '../../use-cases/register-payout-account';
import { decidePayoutAccount } from '../../use-cases/decide-payout-account';
import { currentPayoutAccount } from '../../prisma/stores/payout-account-store';
import { retryPayout } from '../../use-cases/retry-payout';
import { isoDateOfColumn } from '../../domain/business-date';
import { advanced } from '../../domain/pricing';
import { LimitExceededError, WrongStateError } from '../../domain/errors';
import { maskBankAccountNumber } from '../../domain/party-rules';
import { builder } from '../builder';
import { textUpTo } from '../validators';
import { rowIdOf, scopedById } from '../global-id';
import { totalCountField, withTotalCount } from '../total-count';
import { isOperator, type Actor } from '../../domain/actor';
import { visibleAllocationsWhere, visibleBankAccountsWhere, visibleInboundCreditsWhere, visibleOfflineRepaymentsWhere, visiblePayoutsWhere } from '../../prisma/stores/visibility';
import { REASON_LENGTH_MAX } from '../../domain/receivable-rules';
import { COMMON_ERRORS, LOOKUP_ERRORS } from '../errors';
import { Money, money } from '../money';
import { LedgerTransaction } from './ledger';
import { batchLoad } from '../batch-load';

// After approval: what a financing's money did and still owes, the payouts and repayments
// behind it, the supplier's payout account, and the people's actions on money (retrying a
// payout, recording an offline repayment with four eyes). The development tools that play the
// bank are in development-bank.ts, loaded only with the simulator.

const PayoutStatusEnum = builder.enumType('PayoutStatus', {
  values: Object.values(PayoutStatusValues),
  description: 'SUBMITTED → PENDING or UNKNOWN (timed out: not failed) → SETTLED, or FAILED; a SETTLED payout can come back RETURNED.',
});

builder.prismaNode('Payout', {
  description: "A payment out of the escrow account: an attempt to pay a financing's proceeds to the supplier's bank, a supplier's withdrawal, a fee sweep, or a refund to a payer (see `purpose`). Retries reuse its reference; a new attempt is a person's decision.",
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visiblePayoutsWhere(ctx.viewer)),
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    payoutReference: t.exposeString('payoutReference'),
    amount: t.field({ type: Money, resolve: (payout) => money(payout.amount, payout.currency) }),
    status: t.field({ type: PayoutStatusEnum, resolve: (payout) => payout.status }),
    beneficiaryName: t.exposeString('beneficiaryName'),
    beneficiaryAccount: t.string({ description: 'Masked: the last four digits.', resolve: (payout) => maskBankAccountNumber(payout.beneficiaryAccountNumber) }),
    beneficiaryBank: t.exposeString('beneficiaryBank'),
    bankReference: t.exposeString('bankReference', { nullable: true }),
    failureReason: t.exposeString('failureReason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    settledAt: t.expose('settledAt', { type: 'DateTime', nullable: true }),
    failedAt: t.expose('failedAt', { type: 'DateTime', nullable: true }),
    returnedAt: t.expose('returnedAt', { type: 'DateTime', nullable: true }),
  }),
});

/**
 * Who is shown what a funder owes back that its funding account could not yet cover: the
 * supplier, the funder and operators. The funder's account is its own business: the core
 * enterprise is not told it fell short.
 */
function seesWhatFunderOwes(viewer: Pick<Actor, 'partyRoles' | 'partyId'>, financing: { supplierPartyId: string; funderPartyId: string }): boolean {
  return isOperator(viewer) || [financing.supplierPartyId, financing.funderPartyId].includes(viewer.partyId);
}

builder.prismaNode('RepaymentAllocation', {
  description: 'One run of the waterfall: what was collected and where each yuan went.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleAllocationsWhere(ctx.viewer)),
  fields: (t) => {
    const bucket = (field: 'collected' | 'penalty' | 'fees' | 'interest' | 'principal' | 'surplus' | 'overpaid' | 'penaltyReversed' | 'recourseReturned' | 'outstandingAfter', description?: string) =>
      t.field({ type: Money, description, select: { financing: { select: { currency: true } } }, resolve: (row) => money(row[field], row.financing.currency) });
    const owedByFunder = (field: 'surplusOwed' | 'overpaidOwed', description: string) =>
      t.field({
        type: Money,
        nullable: true,
        description,
        select: { financing: { select: { currency: true, supplierPartyId: true, funderPartyId: true } } },
        resolve: (row, _args, ctx) => (seesWhatFunderOwes(ctx.viewer, row.financing) ? money(row[field], row.financing.currency) : null),
      });
    return {
      // Whoever sees an allocation sees its financing (visibleAllocationsWhere).
      financing: t.relation('financing', { description: 'The financing the money was allocated to.' }),
      source: t.exposeString('source', { description: 'REPAYMENT (paid into the collection account) or RECOURSE (claimed from the supplier).' }),
      collected: bucket('collected'),
      penalty: bucket('penalty'),
      fees: bucket('fees'),
      interest: bucket('interest'),
      principal: bucket('principal'),
      surplus: bucket('surplus', "Returned to the supplier once the funder was whole, up to the receivable's confirmed amount."),
      overpaid: bucket('overpaid', "Paid beyond the receivable's confirmed amount: the payer's, held in suspense for a refund."),
      penaltyReversed: bucket('penaltyReversed', 'Penalty already charged for days after this money reached the bank, reversed because it counts from that day.'),
      recourseReturned: bucket(
        'recourseReturned',
        "Of a recourse claim: given back to the supplier because money the core enterprise paid before the claim, processed later, covered it. The other figures are what the claim still pays.",
      ),
      outstandingAfter: bucket('outstandingAfter', 'Still owed after this allocation.'),
      surplusOwed: owedByFunder(
        'surplusOwed',
        "Of `surplus`, after a repayment was allocated again because money the bank received earlier was processed later: what the funder's funding account could not yet give back to the supplier. It goes back from that account's next credit. The supplier, the funder and platform operators see it; the core enterprise gets null.",
      ),
      overpaidOwed: owedByFunder(
        'overpaidOwed',
        "Of `overpaid`, after a repayment was allocated again because money the bank received earlier was processed later: what the funder's funding account could not yet give back to suspense for the payer's refund. It goes back from that account's next credit. The supplier, the funder and platform operators see it; the core enterprise gets null.",
      ),
      valueDate: t.field({ type: 'Date', description: 'The day the money counts from: when the bank received it, however late it was processed.', resolve: (row) => isoDateOfColumn(row.valueDate) }),
      allocatedAt: t.expose('allocatedAt', { type: 'DateTime' }),
    };
  },
});

interface Buckets {
  principal: string;
  interest: string;
  fees: string;
  penalty: string;
  currency: string;
}

const BucketsRef = builder.objectRef<Buckets>('FinancingBuckets').implement({
  description: 'Amounts per waterfall bucket.',
  fields: (t) => ({
    principal: t.field({ type: Money, resolve: (b) => money(b.principal, b.currency) }),
    interest: t.field({ type: Money, resolve: (b) => money(b.interest, b.currency) }),
    fees: t.field({ type: Money, resolve: (b) => money(b.fees, b.currency) }),
    penalty: t.field({ type: Money, resolve: (b) => money(b.penalty, b.currency) }),
    total: t.field({ type: Money, resolve: (b) => money(toDecimal(b.principal).plus(b.interest).plus(b.fees).plus(b.penalty), b.currency) }),
  }),
});

builder.prismaObjectFields('Financing', (t) => ({
  fundingDeadline: t.expose('fundingDeadline', { type: 'DateTime', nullable: true, description: 'FUNDING_PENDING: the funder must top up its funding account by then.' }),
  disbursedAt: t.expose('disbursedAt', { type: 'DateTime', nullable: true }),
  disbursed: t.field({
    type: Money,
    nullable: true,
    description: 'What the funder advanced: the principal less interest taken up front.',
    // From the financing's own figures (domain/pricing.ts, `advanced`) rather than its terms' interest mode: a page reads no terms for it.
    select: { netDisbursement: true, fees: true, currency: true, disbursedAt: true },
    resolve: (f) => (f.disbursedAt ? money(advanced({ netDisbursement: toDecimal(f.netDisbursement), fees: toDecimal(f.fees) }), f.currency) : null),
  }),
  outstanding: t.field({
    type: BucketsRef,
    description: 'Still owed, per bucket (zero before disbursement and once settled).',
    select: { principalOutstanding: true, interestOutstanding: true, feesOutstanding: true, penaltyOutstanding: true, currency: true },
    resolve: (f) => ({ principal: f.principalOutstanding.toString(), interest: f.interestOutstanding.toString(), fees: f.feesOutstanding.toString(), penalty: f.penaltyOutstanding.toString(), currency: f.currency }),
  }),
  repaid: t.field({
    type: BucketsRef,
    description: 'Collected so far, per bucket.',
    select: { repaidPrincipal: true, repaidInterest: true, repaidFees: true, repaidPenalty: true, currency: true },
    resolve: (f) => ({ principal: f.repaidPrincipal.toString(), interest: f.repaidInterest.toString(), fees: f.repaidFees.toString(), penalty: f.repaidPenalty.toString(), currency: f.currency }),
  }),
  penaltyAccrued: t.field({ type: Money, description: 'Penalty interest charged so far (罚息), collected or not, net of reversals.', select: { penaltyAccrued: true, currency: true }, resolve: (f) => money(f.penaltyAccrued, f.currency) }),
  penaltyChargedThrough: t.field({ type: 'Date', nullable: true, select: { penaltyAccruedThrough: true }, resolve: (f) => (f.penaltyAccruedThrough ? isoDateOfColumn(f.penaltyAccruedThrough) : null) }),
  penaltyDays: t.exposeInt('penaltyDays', { description: 'The days penalty interest is charged for, net of reversals.' }),
  penaltyReversed: t.field({
    type: Money,
    description: 'Penalty charged and later reversed (红字冲正) because a repayment counted from the day the bank received it; penaltyAccrued is net of it.',
    select: { penaltyReversed: true, currency: true },
    resolve: (f) => money(f.penaltyReversed, f.currency),
  }),
  overpaymentHeld: t.field({ type: Money, description: "Paid beyond the receivable's confirmed amount over the financing's life: the payer's, parked in suspense as an OVERPAID inbound exception each time, where operators refund it (this total is not lowered by the refunds).", select: { overpaymentHeld: true, currency: true }, resolve: (f) => money(f.overpaymentHeld, f.currency) }),
  overdueSince: t.field({ type: 'Date', nullable: true, select: { overdueSince: true }, resolve: (f) => (f.overdueSince ? isoDateOfColumn(f.overdueSince) : null) }),
  surplusReturned: t.field({ type: Money, description: "Paid beyond what was owed, returned to the supplier (up to the receivable's confirmed amount).", select: { surplusReturned: true, currency: true }, resolve: (f) => money(f.surplusReturned, f.currency) }),
  recourseClaimed: t.field({ type: Money, description: "Claimed from the supplier's account under recourse (追索).", select: { recourseClaimed: true, currency: true }, resolve: (f) => money(f.recourseClaimed, f.currency) }),
  recourseReturnOwed: t.field({
    type: Money,
    nullable: true,
    description:
      "Recourse to be given back to the supplier that the funder's funding account could not yet cover: it goes back from that account's next credit. The supplier, the funder and platform operators see it; the core enterprise gets null.",
    select: { recourseReturnOwed: true, currency: true, supplierPartyId: true, funderPartyId: true },
    resolve: (f, _args, ctx) => (seesWhatFunderOwes(ctx.viewer, f) ? money(f.recourseReturnOwed, f.currency) : null),
  }),
  settledAt: t.expose('settledAt', {
    type: 'DateTime',
    nullable: true,
    description:
      'When the funder was made whole, in business time: when the bank received the money that paid the last of it (a recourse claim: when it was made), however late it was read. The SETTLED transition and its FINANCING_UPDATED event are dated when the platform settled it, at or after this.',
  }),
  payouts: t.relatedConnection('payouts', {
    cursor: 'id',
    totalCount: true,
    description: 'Every payout attempt, the first first.',
    query: () => ({ orderBy: { attempt: 'asc' } }),
  }),
  repayments: t.relatedConnection('allocations', {
    cursor: 'id',
    totalCount: true,
    description: 'Every waterfall run, oldest first.',
    query: () => ({ orderBy: [{ allocatedAt: 'asc' }, { id: 'asc' }] }),
  }),
  ledgerTransactions: t.connection(
    {
      type: LedgerTransaction,
      description: "The financing's ledger transactions in the order they were written; a party sees only those touching its own accounts, and of them only those entries.",
      resolve: async (f, args, ctx) => {
        let total = 0;
        const page = await resolveOffsetConnection({ args }, async ({ offset, limit }) => {
          // Every financing of a page asks with the same arguments: one load answers them all.
          // The party's filter is in the statement: a page holds what the caller may see, and of each transaction only its entries.
          const party = isOperator(ctx.viewer) ? null : ctx.viewer.partyId;
          const found = await batchLoad(ctx, `Financing.ledgerTransactions:${offset}:${limit}`, f.id, (financingIds) => financingTransactionPages(ctx.prisma, financingIds, party, offset, limit));
          total = found?.total ?? 0;
          return found?.transactions ?? [];
        });
        return withTotalCount(page, total);
      },
    },
    { fields: totalCountField },
  ),
}));

/** A party's pending payout-account changes: one proposal at a time, and an approved change or two cooling off. */
const PAYOUT_ACCOUNT_CHANGES_SHOWN_MAX = 10;

/** A change still waiting: a proposal, or an approved account still cooling off. */
const PENDING_CHANGES_WHERE = (): Prisma.PartyBankAccountWhereInput => ({ OR: [{ status: 'PROPOSED' }, { status: 'APPROVED', effectiveFrom: { gt: new Date() } }] });
const PENDING_CHANGES_ORDER: Prisma.PartyBankAccountOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];

builder.prismaObjectField('Party', 'payoutAccountChanges', (t) =>
  t.relation('bankAccounts', {
    description: `The party's payout account changes still waiting (a proposal, or an approved account cooling off), newest first, at most ${PAYOUT_ACCOUNT_CHANGES_SHOWN_MAX}: to the party's own users and to operators, who are told of every change and may stop one cooling off (rejectPayoutAccount). Empty to anyone else.`,
    query: (_args, ctx) => ({ where: { AND: [visibleBankAccountsWhere(ctx.viewer), PENDING_CHANGES_WHERE()] }, orderBy: PENDING_CHANGES_ORDER, take: PAYOUT_ACCOUNT_CHANGES_SHOWN_MAX }),
  }),
);

const PartyBankAccountStatusEnum = builder.enumType('PartyBankAccountStatus', {
  values: ['PROPOSED', 'APPROVED', 'REJECTED'] as const,
  description: 'PROPOSED by one user of the party; APPROVED by a second (in effect from effectiveFrom); or REJECTED (also a proposal another proposal replaced).',
});

builder.prismaNode('PartyBankAccount', {
  description: "Where a party's payouts go, in the party's own name. Changed with four eyes and a cooling-off period (docs/security.md). The number is masked.",
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleBankAccountsWhere(ctx.viewer)),
  fields: (t) => ({
    accountName: t.exposeString('accountName'),
    accountNumber: t.string({ description: 'Masked: the last four digits.', resolve: (account) => maskBankAccountNumber(account.accountNumber) }),
    bankName: t.exposeString('bankName'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    status: t.field({ type: PartyBankAccountStatusEnum, resolve: (account) => account.status }),
    effectiveFrom: t.expose('effectiveFrom', {
      type: 'DateTime',
      nullable: true,
      description: 'APPROVED: from when payouts go to it (after the cooling-off period when it replaced an account).',
    }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
  }),
});

const TopUpInstruction = builder.objectRef<{ purpose: string; bankName: string; accountName: string; virtualAccountNumber: string; currency: string }>('TopUpInstruction').implement({
  description: 'How to send money to one of your virtual accounts: pay this account number at the escrow bank; it is matched to you automatically.',
  fields: (t) => ({
    purpose: t.exposeString('purpose', { description: 'FUNDER_FUNDING, CORE_REPAYMENT or SUPPLIER_SETTLEMENT.' }),
    bankName: t.exposeString('bankName'),
    accountName: t.exposeString('accountName'),
    virtualAccountNumber: t.exposeString('virtualAccountNumber', { description: 'In full: it is an address for money, and yours.' }),
    currency: t.exposeString('currency'),
  }),
});

builder.prismaNode('OfflineRepayment', {
  description:
    'A receipt the core enterprise reports before the bank feed does: recorded by one operator, approved by another. Approved, it is an expected payment, not money: nothing is posted until the bank line that brings the money is booked, and the receipt is matched to it (docs/ledger.md, "Offline receipts").',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleOfflineRepaymentsWhere(ctx.viewer)),
  fields: (t) => ({
    financing: t.relation('financing'),
    amount: t.field({ type: Money, resolve: (row) => money(row.amount, row.currency) }),
    bankReference: t.exposeString('bankReference'),
    note: t.exposeString('note'),
    status: t.exposeString('status', {
      description: 'PENDING (recorded, for a checker) → APPROVED (expected: waiting for the bank line) → MATCHED (the bank line came and was booked); or REJECTED.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    matchedCredit: t.prismaField({
      type: 'InboundCredit',
      nullable: true,
      description: 'MATCHED: the bank line that brought the money, booked once like every bank line.',
      resolve: (query, row, _args, ctx) => (row.matchedCreditId ? ctx.prisma.inboundCredit.findFirst({ ...query, where: { id: row.matchedCreditId, ...visibleInboundCreditsWhere(ctx.viewer) } }) : null),
    }),
    matchedAt: t.expose('matchedAt', { type: 'DateTime', nullable: true }),
    escalatedAt: t.expose('escalatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the operators were told that no bank line had brought the approved receipt in time.',
    }),
  }),
});

builder.queryFields((t) => ({
  payoutAccount: t.prismaField({
    type: 'PartyBankAccount',
    nullable: true,
    description: "Your party's payout bank account in effect now, if any (a change waiting for approval or its cooling-off period is in payoutAccountChanges).",
    resolve: async (query, _root, _args, ctx) => {
      const current = await currentPayoutAccount(ctx.prisma, ctx.viewer.partyId);
      return current ? ctx.prisma.partyBankAccount.findUnique({ ...query, where: { id: current.id } }) : null;
    },
  }),
  payoutAccountChanges: t.prismaField({
    type: ['PartyBankAccount'],
    description: `Your party's payout accounts waiting for a second user's approval or for their cooling-off period to end, newest first (at most ${PAYOUT_ACCOUNT_CHANGES_SHOWN_MAX}).`,
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.partyBankAccount.findMany({ ...query, where: { partyId: ctx.viewer.partyId, ...PENDING_CHANGES_WHERE() }, orderBy: PENDING_CHANGES_ORDER, take: PAYOUT_ACCOUNT_CHANGES_SHOWN_MAX }),
  }),
  topUpInstructions: t.field({
    type: [TopUpInstruction],
    description: "Where to send money to your party's virtual accounts (a funder's funding account, a core enterprise's repayment account): one per account and currency, so a handful at most.",
    resolve: async (_root, _args, ctx) => {
      const accounts = await ctx.prisma.ledgerAccount.findMany({ where: { ownerPartyId: ctx.viewer.partyId, virtualAccountNumber: { not: null }, purpose: { not: 'COLLECTION' }, closedAt: null }, include: { ownerParty: true }, orderBy: { code: 'asc' } });
      return accounts.map((account) => ({ purpose: account.purpose, bankName: ESCROW_BANK_NAME, accountName: account.ownerParty?.legalName ?? account.name, virtualAccountNumber: account.virtualAccountNumber!, currency: account.currency }));
    },
  }),
}));

const BankAccountInput = builder.inputType('BankAccountInput', {
  fields: (t) => ({
    accountName: t.string({ description: '户名, as the bank has it.', validate: z.string().max(400) }),
    accountNumber: t.string({ description: '账号: digits (spaces and dashes are dropped).', validate: z.string().max(64) }),
    bankName: t.string({ description: '开户行', validate: z.string().max(400) }),
  }),
});

const OfflineRepaymentInput = builder.inputType('OfflineRepaymentInput', {
  fields: (t) => ({
    financingId: t.globalID(),
    amount: t.string({ validate: z.string().max(64) }),
    bankReference: t.string({ description: "The receipt's reference (unique).", validate: z.string().max(100) }),
    note: t.string({ validate: textUpTo(REASON_LENGTH_MAX) }),
  }),
});

builder.prismaNode('InboundCredit', {
  description: 'Money the bank received for a virtual account number, and where it was booked.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleInboundCreditsWhere(ctx.viewer)),
  fields: (t) => ({
    bankReference: t.exposeString('bankReference'),
    virtualAccountNumber: t.exposeString('virtualAccountNumber'),
    amount: t.field({ type: Money, resolve: (credit) => money(credit.amount, credit.currency) }),
    payerName: t.exposeString('payerName'),
    outcome: t.exposeString('outcome', { description: 'MATCHED to the virtual account, or SUSPENSE when the number is unknown (长款挂账).' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
  }),
});

builder.mutationFields((t) => ({
  registerPayoutAccount: t.prismaField({
    type: 'PartyBankAccount',
    description:
      "Proposes where your party's payouts go (ADMIN), in your party's own legal name. Nothing changes until a second user of your party approves it (approvePayoutAccount); a change of account then waits out the cooling-off period while the funders and operators are told. Payouts in flight keep theirs.",
    errors: { types: [...COMMON_ERRORS] },
    args: { input: t.arg({ type: BankAccountInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { bankAccountId } = await registerPayoutAccount(ctx, ctx.viewer, input);
      return ctx.prisma.partyBankAccount.findUniqueOrThrow({ ...query, where: { id: bankAccountId } });
    },
  }),
  approvePayoutAccount: t.prismaField({
    type: 'PartyBankAccount',
    description: "Approves your party's proposed payout account (a second ADMIN or CHECKER of the party, never the proposer): in effect at once when the party had none, else after the cooling-off period.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { bankAccountId } = await decidePayoutAccount(ctx, ctx.viewer, rowIdOf(id, 'PartyBankAccount'), true);
      return ctx.prisma.partyBankAccount.findUniqueOrThrow({ ...query, where: { id: bankAccountId } });
    },
  }),
  rejectPayoutAccount: t.prismaField({
    type: 'PartyBankAccount',
    description:
      "Rejects your party's proposed payout account (a second ADMIN or CHECKER of the party), or stops an approved change still cooling off (any ADMIN or CHECKER of the party, or an operator's; funders and operators are told, and the party when an operator stopped it). Payouts keep going to the account in effect.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { bankAccountId } = await decidePayoutAccount(ctx, ctx.viewer, rowIdOf(id, 'PartyBankAccount'), false);
      return ctx.prisma.partyBankAccount.findUniqueOrThrow({ ...query, where: { id: bankAccountId } });
    },
  }),
  retryPayout: t.prismaField({
    type: 'Payout',
    description: "Pays out again after a failed or returned payout, to the supplier's payout account as it is now (the supplier or an operator). Never automatic.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError, LimitExceededError] },
    args: { financingId: t.arg.globalID() },
    resolve: async (query, _root, { financingId }, ctx) => {
      const { payoutId } = await retryPayout(ctx, ctx.viewer, rowIdOf(financingId, 'Financing'));
      return ctx.prisma.payout.findUniqueOrThrow({ ...query, where: { id: payoutId } });
    },
  }),
  recordOfflineRepayment: t.prismaField({
    type: 'OfflineRepayment',
    description: 'Records money the core enterprise paid outside the bank feed (an operator MAKER). Nothing moves until another operator approves it.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { input: t.arg({ type: OfflineRepaymentInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { offlineRepaymentId } = await recordOfflineRepayment(ctx, ctx.viewer, { ...input, financingId: rowIdOf(input.financingId, 'Financing') });
      return ctx.prisma.offlineRepayment.findUniqueOrThrow({ ...query, where: { id: offlineRepaymentId } });
    },
  }),
  approveOfflineRepayment: t.prismaField({
    type: 'OfflineRepayment',
    description:
      'Approves a recorded offline receipt (another operator, CHECKER): it becomes an expected payment, matched to the bank line that brings the money (at once when the feed booked it already). Nothing is posted by the approval.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { offlineRepaymentId } = await decideOfflineRepayment(ctx, ctx.viewer, rowIdOf(id, 'OfflineRepayment'), true);
      return ctx.prisma.offlineRepayment.findUniqueOrThrow({ ...query, where: { id: offlineRepaymentId } });
    },
  }),
  rejectOfflineRepayment: t.prismaField({
    type: 'OfflineRepayment',
    description: 'Rejects a recorded offline receipt (another operator, CHECKER). Nothing is expected or booked.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { offlineRepaymentId } = await decideOfflineRepayment(ctx, ctx.viewer, rowIdOf(id, 'OfflineRepayment'), false);
      return ctx.prisma.offlineRepayment.findUniqueOrThrow({ ...query, where: { id: offlineRepaymentId } });
    },
  }),
}));
