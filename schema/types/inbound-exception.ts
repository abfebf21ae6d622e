import { InboundExceptionReason as ReasonValues, InboundExceptionResolution as ResolutionValues, InboundExceptionStatus as StatusValues } from '../../prisma/generated/client/enums';
import { INBOUND_EXCEPTION_PAGE_SIZE_MAX, visibleInboundExceptionsWhere } from '../../prisma/stores/inbound-exception-store';
import { getTransaction } from '../../prisma/stores/ledger/transactions';
import { maskBankAccountNumber } from '../../domain/party-rules';
import { WrongStateError } from '../../domain/errors';
import { REASON_LENGTH_MAX } from '../../domain/receivable-rules';
import { decideInboundExceptionResolution } from '../../use-cases/decide-inbound-exception-resolution';
import { proposeInboundExceptionResolution } from '../../use-cases/propose-inbound-exception-resolution';
import { builder } from '../builder';
import { LOOKUP_ERRORS } from '../errors';
import { rowIdOf, scopedById } from '../global-id';
import { Money, money } from '../money';
import { textUpTo } from '../validators';
import { LedgerTransaction } from './ledger';

// Bank lines the matcher could not book where they were addressed (docs/ledger.md,
// "Exceptions"): the money waits in suspense, with its bank line, for an operator. The list is
// the platform's work queue, so only operators see it; one operator proposes where the money
// goes (a virtual account, or a refund to the payer), another approves (four eyes), and only
// then does it move.

const InboundExceptionReasonEnum = builder.enumType('InboundExceptionReason', {
  values: {
    UNKNOWN_ACCOUNT: { value: ReasonValues.UNKNOWN_ACCOUNT, description: 'No virtual account has the number.' },
    CURRENCY_MISMATCH: { value: ReasonValues.CURRENCY_MISMATCH, description: 'The virtual account is in another currency.' },
    NO_ACCOUNTS_IN_CURRENCY: { value: ReasonValues.NO_ACCOUNTS_IN_CURRENCY, description: "The platform kept no books in the credit's currency: they were opened and the money parked in their suspense." },
    NOT_BOOKABLE: { value: ReasonValues.NOT_BOOKABLE, description: 'The ledger cannot hold the currency or the amount as the bank wrote it: nothing is booked, the bank line is kept.' },
    ACCOUNT_CLOSED: { value: ReasonValues.ACCOUNT_CLOSED, description: 'The virtual account is closed.' },
    FINANCING_ENDED: { value: ReasonValues.FINANCING_ENDED, description: 'The collection account of a financing that ended without disbursement: the money is the payer\'s, for a refund.' },
    FINANCING_SETTLED: { value: ReasonValues.FINANCING_SETTLED, description: 'The collection account of a settled financing: unapplied cash, to refund to the payer or apply; never paid to the supplier by itself.' },
    LEDGER_REFUSED: { value: ReasonValues.LEDGER_REFUSED, description: 'The ledger refused the booking for another reason (see detail).' },
    RECONCILIATION: {
      value: ReasonValues.RECONCILIATION,
      description: 'Parked by the approved resolution of a reconciliation item (`reconciliationItem`): a credit only the bank showed (its bank reference is the line\'s), or money the ledger counted as paid out and the bank still holds (`reconciliation:<item id>`).',
    },
    OVERPAID: {
      value: ReasonValues.OVERPAID,
      description: "Paid beyond the receivable's confirmed amount: the payer's, for a refund. Its bank reference is `overpaid:<allocation id>`; the payer is the inbound credit's, or none (blank) when the money came another way (an offline repayment, recourse), and then it can only be applied.",
    },
  },
});

const InboundExceptionResolutionEnum = builder.enumType('InboundExceptionResolution', {
  values: {
    APPLY: { value: ResolutionValues.APPLY, description: 'To a virtual account (`applyTo`).' },
    REFUND: { value: ResolutionValues.REFUND, description: "Back to the payer's account, by a payout (`refundPayout`)." },
    WRITE_OFF: { value: ResolutionValues.WRITE_OFF, description: "Written off: nobody can claim it, so it becomes the platform's reconciliation gain (对账收益, `platform:RECONCILIATION_GAIN:<currency>`)." },
  },
  description: 'What the maker proposed, and the checker approved, to do with the money.',
});

const InboundExceptionStatusEnum = builder.enumType('InboundExceptionStatus', {
  values: Object.values(StatusValues),
  description: 'OPEN → PROPOSED (an operator named where the money goes) → RESOLVED (another operator approved, and it moved); a rejected proposal is OPEN again.',
});

export const InboundExceptionRef = builder.prismaNode('InboundException', {
  description: 'A bank credit the matcher could not book where it was addressed: parked in suspense with its bank line, for an operator (platform operators only).',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleInboundExceptionsWhere(ctx.viewer)),
  fields: (t) => ({
    bankReference: t.exposeString('bankReference'),
    reason: t.field({ type: InboundExceptionReasonEnum, resolve: (row) => row.reason }),
    detail: t.exposeString('detail', { description: 'Why, in words: the account or financing concerned and what happened to it.' }),
    status: t.field({ type: InboundExceptionStatusEnum, resolve: (row) => row.status }),
    heldAmount: t.field({
      type: Money,
      nullable: true,
      description: "What suspense holds for it, the amount a resolution moves: the bank line's, the over-payment's, or what came back of a refund returned in part. Null when nothing is booked (NOT_BOOKABLE).",
      resolve: (row) => (row.heldAmount === null ? null : money(row.heldAmount, row.currency)),
    }),
    virtualAccountNumber: t.exposeString('virtualAccountNumber', { description: 'The number the payer used, as the bank reported it.' }),
    amount: t.field({
      type: Money,
      nullable: true,
      description: 'As the bank reported it; null only when the bank wrote no decimal amount (NOT_BOOKABLE).',
      resolve: (row) => (/^(0|[1-9]\d*)(\.\d+)?$/.test(row.amount) ? money(row.amount, row.currency) : null),
    }),
    payerName: t.exposeString('payerName'),
    payerAccount: t.string({ description: "The payer's account, masked: the last four digits.", resolve: (row) => maskBankAccountNumber(row.payerAccountNumber) }),
    remittanceInformation: t.exposeString('remittanceInformation'),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', description: "The bank's receipt time (the value date)." }),
    credit: t.prismaField({
      type: 'InboundCredit',
      nullable: true,
      description: 'The booking into suspense; null when the ledger could not hold the money (NOT_BOOKABLE), and for an over-payment (OVERPAID), which its allocation booked.',
      resolve: (query, row, _args, ctx) => (row.inboundCreditId ? ctx.prisma.inboundCredit.findUnique({ ...query, where: { id: row.inboundCreditId } }) : null),
    }),
    financing: t.prismaField({
      type: 'Financing',
      nullable: true,
      description: 'The financing whose collection account the number belongs to, if any.',
      resolve: (query, row, _args, ctx) => (row.financingId ? ctx.prisma.financing.findUnique({ ...query, where: { id: row.financingId } }) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    resolutionKind: t.field({
      type: InboundExceptionResolutionEnum,
      nullable: true,
      description: 'PROPOSED or RESOLVED: apply to an account, or refund to the payer.',
      resolve: (row) => row.resolutionKind,
    }),
    refundPayout: t.prismaField({
      type: 'Payout',
      nullable: true,
      description: "The latest refund to the payer approved for it: in flight or settled while RESOLVED; failed or returned when the exception is OPEN again (see `reopenReason`).",
      resolve: (query, row, _args, ctx) => ctx.prisma.payout.findFirst({ ...query, where: { inboundExceptionId: row.id, purpose: 'REFUND' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    }),
    reopenReason: t.exposeString('reopenReason', { nullable: true, description: 'Why an approved refund came back (the bank failed it, or the payer\'s bank returned it): the exception is OPEN again.' }),
    applyTo: t.prismaField({
      type: 'LedgerAccount',
      nullable: true,
      description: 'PROPOSED or RESOLVED, when applied: the virtual account the money goes to.',
      resolve: (query, row, _args, ctx) => (row.applyToAccountId ? ctx.prisma.ledgerAccount.findUnique({ ...query, where: { id: row.applyToAccountId } }) : null),
    }),
    proposalNote: t.exposeString('proposalNote', { nullable: true, description: 'Why the money goes there, in the proposing operator\'s words.' }),
    proposedAt: t.expose('proposedAt', { type: 'DateTime', nullable: true }),
    resolution: t.field({
      type: LedgerTransaction,
      nullable: true,
      description: 'RESOLVED: the posting that moved the money out of suspense (SUSPENSE_APPLIED to the account, REFUND into transit for the payout, or WRITE_OFF to the reconciliation gain).',
      resolve: (row, _args, ctx) => (row.resolutionTransactionId ? getTransaction(ctx.prisma, row.resolutionTransactionId) : null),
    }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    feedBankReference: t.exposeString('feedBankReference', {
      nullable: true,
      description:
        "RECONCILIATION: the bank feed's reference under which the feed later reported this statement credit. Set with the feed's booking: RESOLVED by it (no maker or checker) when the money was still parked and reached the account paid; otherwise nothing was booked again.",
    }),
  }),
});

const ProposeInboundExceptionResolutionInput = builder.inputType('ProposeInboundExceptionResolutionInput', {
  fields: (t) => ({
    accountId: t.globalID({
      required: false,
      description: 'The virtual account the money belongs to: a supplier settlement, funder funding, core enterprise repayment or collection account in its currency. Give one of `accountId`, `refund` and `writeOff`.',
    }),
    refund: t.boolean({
      required: false,
      description: "true: refund the money to the payer's account, as the bank line named it (a payout once approved). Give one of `accountId`, `refund` and `writeOff`.",
    }),
    writeOff: t.boolean({
      required: false,
      description: "true: write the money off as the platform's reconciliation gain (对账收益), when nobody can claim it. Give one of `accountId`, `refund` and `writeOff`.",
    }),
    note: t.string({ validate: textUpTo(REASON_LENGTH_MAX) }),
  }),
});

builder.mutationFields((t) => ({
  proposeInboundExceptionResolution: t.prismaField({
    type: 'InboundException',
    description: 'Names the virtual account money parked in suspense belongs to, or proposes to refund it to its payer, or to write it off (a platform operator with the MAKER role). Nothing moves until another operator approves.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID(), input: t.arg({ type: ProposeInboundExceptionResolutionInput }) },
    resolve: async (query, _root, { id, input }, ctx) => {
      const accountId = input.accountId ? rowIdOf(input.accountId, 'LedgerAccount') : null;
      const { exceptionId } = await proposeInboundExceptionResolution(ctx, ctx.viewer, rowIdOf(id, 'InboundException'), { accountId, refund: input.refund ?? null, writeOff: input.writeOff ?? null, note: input.note });
      return ctx.prisma.inboundException.findUniqueOrThrow({ ...query, where: { id: exceptionId } });
    },
  }),
  approveInboundExceptionResolution: t.prismaField({
    type: 'InboundException',
    description:
      "Approves a proposal (another platform operator, CHECKER): the money moves out of suspense to the named account, and the workflows it concerns are woken; or, for a refund, into transit for a payout to the payer's account, sent and followed like every payout (`refundPayout`). Approving a refund again answers the same payout.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { exceptionId } = await decideInboundExceptionResolution(ctx, ctx.viewer, rowIdOf(id, 'InboundException'), true);
      return ctx.prisma.inboundException.findUniqueOrThrow({ ...query, where: { id: exceptionId } });
    },
  }),
  rejectInboundExceptionResolution: t.prismaField({
    type: 'InboundException',
    description: 'Rejects a proposal (another platform operator, CHECKER): the money stays parked and the exception is OPEN again.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { exceptionId } = await decideInboundExceptionResolution(ctx, ctx.viewer, rowIdOf(id, 'InboundException'), false);
      return ctx.prisma.inboundException.findUniqueOrThrow({ ...query, where: { id: exceptionId } });
    },
  }),
}));

builder.queryFields((t) => ({
  inboundExceptions: t.prismaConnection({
    nullable: true,
    type: 'InboundException',
    cursor: 'id',
    totalCount: (_root, { status }, ctx) => ctx.prisma.inboundException.count({ where: { ...(status ? { status } : {}), ...visibleInboundExceptionsWhere(ctx.viewer) } }),
    description: 'Bank credits parked in suspense for an operator, oldest first (operators only).',
    authScopes: { permitted: 'READ_INBOUND_EXCEPTIONS' },
    maxSize: INBOUND_EXCEPTION_PAGE_SIZE_MAX,
    args: { status: t.arg({ type: InboundExceptionStatusEnum, required: false }) },
    resolve: (query, _root, { status }, ctx) =>
      ctx.prisma.inboundException.findMany({ ...query, where: { ...(status ? { status } : {}), ...visibleInboundExceptionsWhere(ctx.viewer) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));
