import { ConflictError, LimitExceededError, WrongStateError } from '../../domain/errors';
import { REASON_LENGTH_MAX } from '../../domain/receivable-rules';
import { ReconciliationResolutionKind as KindValues, ReconciliationResolutionStatus as StatusValues } from '../../prisma/generated/client/enums';
import { getTransaction } from '../../prisma/stores/ledger/transactions';
import { decideReconciliationItemResolution } from '../../use-cases/decide-reconciliation-item-resolution';
import { proposeReconciliationItemResolution } from '../../use-cases/propose-reconciliation-item-resolution';
import { builder } from '../builder';
import { LOOKUP_ERRORS } from '../errors';
import { rowIdOf } from '../global-id';
import { Money, money } from '../money';
import { textUpTo } from '../validators';
import { visibleUser } from '../visible-user';
import { LedgerTransaction } from './ledger';

// Reconciliation items resolved by hand, with four eyes (docs/reconciliation.md, "Resolving an
// item"): one operator proposes, another approves (one ledger transaction, linked to the item)
// or rejects. Operators only: to anyone else the items do not exist.

/** Proposals listed per item: an item is proposed a handful of times at most. */
const RESOLUTIONS_PER_ITEM_MAX = 50;

const ReconciliationResolutionKindEnum = builder.enumType('ReconciliationResolutionKind', {
  values: {
    SUSPENSE: {
      value: KindValues.SUSPENSE,
      description:
        'The bank holds more than the ledger: booked into the escrow account and parked in suspense as an inbound exception (`exception`), which is then applied to an account, refunded to the payer or written off with four eyes of its own. The only resolution of a credit only the bank showed.',
    },
    WRITE_OFF: {
      value: KindValues.WRITE_OFF,
      description: "Written off: a shortage to the platform's reconciliation loss (对账损失), a surplus nobody can claim to its reconciliation gain (对账收益).",
    },
    RECOVER: {
      value: KindValues.RECOVER,
      description:
        "A bank's reversal (冲正) of a credit it booked in error (an INBOUND_CREDIT_REVERSAL item): taken back from the account the credit reached, refused EXCEEDS_AVAILABLE_BALANCE when that account's available balance does not hold it (then write the shortage off).",
    },
  },
});

const ReconciliationResolutionStatusEnum = builder.enumType('ReconciliationResolutionStatus', {
  values: Object.values(StatusValues),
  description: 'PROPOSED (waits for a checker) → APPROVED (posted; the item is RESOLVED) or REJECTED (the item waits for a new proposal).',
});

builder.prismaObject('ReconciliationResolution', {
  description: 'A proposal to resolve a reconciliation item by hand, and its decision.',
  fields: (t) => ({
    kind: t.field({ type: ReconciliationResolutionKindEnum, resolve: (row) => row.kind }),
    status: t.field({ type: ReconciliationResolutionStatusEnum, resolve: (row) => row.status }),
    amount: t.field({
      type: Money,
      description: "The item's effect on the bank's balance the maker confirmed: positive when the bank holds more than the ledger, negative when less. The posting moves the ledger's escrow account by it.",
      resolve: (row) => money(row.amount, row.currency),
    }),
    note: t.exposeString('note', { description: 'Why, in the proposing operator\'s words.' }),
    proposedBy: t.prismaField({
      type: 'User',
      nullable: true,
      resolve: (query, row, _args, ctx) => visibleUser(ctx, query, row.makerUserId),
    }),
    proposedAt: t.expose('proposedAt', { type: 'DateTime' }),
    decidedBy: t.prismaField({
      type: 'User',
      nullable: true,
      resolve: (query, row, _args, ctx) => visibleUser(ctx, query, row.checkerUserId),
    }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    transaction: t.field({
      type: LedgerTransaction,
      nullable: true,
      description: 'APPROVED: the posting (RECONCILIATION_PARKED, RECONCILIATION_GAIN or RECONCILIATION_LOSS).',
      resolve: (row, _args, ctx) => (row.transactionId ? getTransaction(ctx.prisma, row.transactionId) : null),
    }),
    exception: t.prismaField({
      type: 'InboundException',
      nullable: true,
      description: 'APPROVED SUSPENSE: the inbound exception holding the money for its own resolution.',
      resolve: (query, row, _args, ctx) => (row.exceptionId ? ctx.prisma.inboundException.findUnique({ ...query, where: { id: row.exceptionId } }) : null),
    }),
  }),
});

builder.prismaObjectFields('ReconciliationItem', (t) => ({
  resolution: t.prismaField({
    type: 'ReconciliationResolution',
    nullable: true,
    description: 'RESOLVED by hand: the approved resolution (who proposed, who approved, when, the posting). Its posting is also `bookedTransaction`.',
    resolve: (query, row, _args, ctx) => (row.resolutionId ? ctx.prisma.reconciliationResolution.findUnique({ ...query, where: { id: row.resolutionId } }) : null),
  }),
  pendingResolution: t.prismaField({
    type: 'ReconciliationResolution',
    nullable: true,
    description: 'The proposal waiting for a checker, if any.',
    resolve: (query, row, _args, ctx) => ctx.prisma.reconciliationResolution.findFirst({ ...query, where: { itemId: row.id, status: 'PROPOSED' } }),
  }),
  resolutions: t.prismaField({
    type: ['ReconciliationResolution'],
    description: `Every proposal made for the item, newest first (at most ${RESOLUTIONS_PER_ITEM_MAX}).`,
    resolve: (query, row, _args, ctx) => ctx.prisma.reconciliationResolution.findMany({ ...query, where: { itemId: row.id }, orderBy: [{ proposedAt: 'desc' }, { id: 'desc' }], take: RESOLUTIONS_PER_ITEM_MAX }),
  }),
}));

const ProposeReconciliationItemResolutionInput = builder.inputType('ProposeReconciliationItemResolutionInput', {
  fields: (t) => ({
    kind: t.field({ type: ReconciliationResolutionKindEnum }),
    amount: t.field({
      type: 'Decimal',
      description: "The item's effect on the bank's balance, as the daily report shows it: positive when the bank holds more than the ledger, negative when less. Must be the item's, to the cent (RESOLUTION_AMOUNT_MISMATCH otherwise).",
    }),
    note: t.string({ validate: textUpTo(REASON_LENGTH_MAX) }),
  }),
});

const RESOLUTION_ERRORS = [...LOOKUP_ERRORS, WrongStateError, ConflictError] as const;

builder.mutationFields((t) => ({
  proposeReconciliationItemResolution: t.prismaField({
    type: 'ReconciliationItem',
    description: 'Proposes how an OPEN or NEEDS_ATTENTION reconciliation item is put right (a platform operator with the MAKER role). Nothing moves until another operator approves.',
    errors: { types: [...RESOLUTION_ERRORS] },
    args: { id: t.arg.globalID(), input: t.arg({ type: ProposeReconciliationItemResolutionInput }) },
    resolve: async (query, _root, { id, input }, ctx) => {
      const { itemId } = await proposeReconciliationItemResolution(ctx, ctx.viewer, rowIdOf(id, 'ReconciliationItem'), { kind: input.kind, amount: String(input.amount), note: input.note });
      return ctx.prisma.reconciliationItem.findUniqueOrThrow({ ...query, where: { id: itemId } });
    },
  }),
  approveReconciliationItemResolution: t.prismaField({
    type: 'ReconciliationItem',
    description:
      "Approves the proposed resolution (another platform operator, CHECKER): one ledger transaction brings the escrow account to what the bank holds, dated in the open accounting day, and the item is RESOLVED with it. Approving again answers the resolved item.",
    // RECOVER is refused EXCEEDS_AVAILABLE_BALANCE when the account the reversed credit reached does not hold it.
    errors: { types: [...RESOLUTION_ERRORS, LimitExceededError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { itemId } = await decideReconciliationItemResolution(ctx, ctx.viewer, rowIdOf(id, 'ReconciliationItem'), true);
      return ctx.prisma.reconciliationItem.findUniqueOrThrow({ ...query, where: { id: itemId } });
    },
  }),
  rejectReconciliationItemResolution: t.prismaField({
    type: 'ReconciliationItem',
    description: 'Rejects the proposed resolution (another platform operator, CHECKER): nothing moves and the item waits for a new proposal.',
    errors: { types: [...RESOLUTION_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { itemId } = await decideReconciliationItemResolution(ctx, ctx.viewer, rowIdOf(id, 'ReconciliationItem'), false);
      return ctx.prisma.reconciliationItem.findUniqueOrThrow({ ...query, where: { id: itemId } });
    },
  }),
}));
