import { z } from 'zod';
import { FinancingStatus as FinancingStatusValues } from '../../prisma/generated/client/enums';
import { payToAccountOf } from '../../prisma/stores/chart-of-accounts';
import { visibleFinancingsWhere } from '../../prisma/stores/financing-store';
import { toDecimal } from '../../prisma/stores/to-decimal';
import { describeFinancingWorkflow } from '../../workflows/client/financing-client';
import { applyForFinancing } from '../../use-cases/apply-for-financing';
import { decideOnFinancing } from '../../use-cases/decide-on-financing';
import { dateColumn, isoDateOfColumn } from '../../domain/business-date';
import { ConflictError, LimitExceededError, WrongStateError } from '../../domain/errors';
import { REASON_LENGTH_MAX } from '../../domain/receivable-rules';
import type { Prisma } from '../../prisma/client';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { LOOKUP_ERRORS } from '../errors';
import { dayRange, textUpTo } from '../validators';
import { rowIdOf, scopedById } from '../global-id';
import { Money, money } from '../money';
import { Counterparty, counterpartyOf, WorkflowStatus } from './receivable';

export const FinancingStatusEnum = builder.enumType('FinancingStatus', {
  values: Object.values(FinancingStatusValues),
  description:
    'PENDING_ACKNOWLEDGEMENT (open assignment) → PENDING_APPROVAL → PENDING_CONFIRMATION → APPROVED; or REFUSED, REJECTED, WITHDRAWN, EXPIRED, which release the limits and the receivable.',
});

builder.prismaObject('FinancingTransition', {
  description: 'One change of state, with who made it, when and why.',
  fields: (t) => ({
    fromStatus: t.field({ type: FinancingStatusEnum, nullable: true, resolve: (row) => row.fromStatus }),
    toStatus: t.field({ type: FinancingStatusEnum, resolve: (row) => row.toStatus }),
    actorName: t.string({
      nullable: true,
      description: 'The user who acted; null when the platform acted (expiry at a deadline).',
      select: { actorUser: { select: { displayName: true } } },
      resolve: (row) => row.actorUser?.displayName ?? null,
    }),
    actorParty: t.relation('actorParty', { type: Counterparty, nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

export const CollectionAccount = builder.objectRef<{ bankName: string; accountName: string; virtualAccountNumber: string }>('CollectionAccount').implement({
  description: "回款专户: where the core enterprise pays at maturity. Money paid to this virtual account number is matched to the financing; for a voucher part's financing it is the voucher's, where the issuer pays the whole voucher and the part's share is shared out. Null before there is one and once the financing has ended and closed it (money paid there then is held for a refund).",
  fields: (t) => ({
    bankName: t.exposeString('bankName'),
    accountName: t.exposeString('accountName'),
    virtualAccountNumber: t.exposeString('virtualAccountNumber'),
  }),
});

const userName = (relation: 'acknowledgedBy' | 'approvedBy' | 'approvalConfirmedBy') => ({
  nullable: true as const,
  select: { [relation]: { select: { displayName: true } } },
  resolve: (row: Record<string, unknown>) => (row[relation] as { displayName: string } | null)?.displayName ?? null,
});

export const FinancingRef = builder.prismaNode('Financing', {
  description: 'A financing of one confirmed receivable under a program, with its figures: as quoted until the money moves, then repriced to the day it moved (the quote stays in `quoted`).',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleFinancingsWhere(ctx.viewer)),
  // Select mode: a query reads only the columns its fields ask for (each field names its own),
  // not the whole row's 66 columns with every one of its 24 amounts parsed into a Decimal. The
  // few short columns a list shows on every row (no amounts) are read with every row instead: a
  // field that names its own columns is checked, per row, against the plan that read them, and
  // on a page of 50 those checks cost more than reading seven short columns a query does not show.
  select: { id: true, financingNumber: true, status: true, supplierPartyId: true, funderPartyId: true, obligorPartyId: true, valueDate: true, dueDate: true },
  fields: (t) => ({
    financingNumber: t.string({ resolve: (financing) => financing.financingNumber }),
    status: t.field({ type: FinancingStatusEnum, resolve: (financing) => financing.status }),
    receivable: t.relation('receivable'),
    program: t.relation('program'),
    terms: t.relation('programTerms', { description: 'The terms version the financing was priced with.' }),
    supplier: t.field({ type: Counterparty, resolve: (f, _args, ctx) => counterpartyOf(ctx, f.supplierPartyId) }),
    funder: t.field({ type: Counterparty, resolve: (f, _args, ctx) => counterpartyOf(ctx, f.funderPartyId) }),
    obligor: t.field({ type: Counterparty, resolve: (f, _args, ctx) => counterpartyOf(ctx, f.obligorPartyId) }),
    principal: t.field({ type: Money, select: { principal: true, currency: true }, resolve: (f) => money(f.principal, f.currency) }),
    interest: t.field({ type: Money, select: { interest: true, currency: true }, resolve: (f) => money(f.interest, f.currency) }),
    fees: t.field({ type: Money, select: { fees: true, currency: true }, resolve: (f) => money(f.fees, f.currency) }),
    netDisbursement: t.field({ type: Money, description: 'What reaches the supplier.', select: { netDisbursement: true, currency: true }, resolve: (f) => money(f.netDisbursement, f.currency) }),
    repaymentAtMaturity: t.field({ type: Money, description: 'What the core enterprise pays on the due date.', select: { repaymentAtMaturity: true, currency: true }, resolve: (f) => money(f.repaymentAtMaturity, f.currency) }),
    effectiveAnnualRate: t.field({
      type: 'Rate',
      description: 'Interest and fees over the net disbursement, annualised on 365 days (six decimals).',
      select: { effectiveAnnualRate: true },
      resolve: (f) => toDecimal(f.effectiveAnnualRate).toFixed(6),
    }),
    valueDate: t.field({
      type: 'Date',
      description: 'The day interest starts: the day the money moved once disbursed; before, the assumed value date of the quote.',
      resolve: (f) => isoDateOfColumn(f.valueDate),
    }),
    dueDate: t.field({ type: 'Date', resolve: (f) => isoDateOfColumn(f.dueDate) }),
    tenorDays: t.exposeInt('tenorDays'),
    appliedAt: t.expose('appliedAt', { type: 'DateTime' }),
    acknowledgementDeadline: t.expose('acknowledgementDeadline', { type: 'DateTime', nullable: true, description: 'Open assignment: the core enterprise must acknowledge by then.' }),
    approvalDeadline: t.expose('approvalDeadline', { type: 'DateTime', nullable: true, description: 'The funder must approve and confirm by then.' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    acknowledgedBy: t.string(userName('acknowledgedBy')),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true }),
    approvedBy: t.string({ ...userName('approvedBy'), description: 'The maker (经办) of the approval.' }),
    approvalConfirmedAt: t.expose('approvalConfirmedAt', { type: 'DateTime', nullable: true }),
    approvalConfirmedBy: t.string({ ...userName('approvalConfirmedBy'), description: 'The checker (复核), always another user.' }),
    closedReason: t.exposeString('closedReason', { nullable: true }),
    collectionAccount: t.field({
      type: CollectionAccount,
      nullable: true,
      select: {
        collectionAccount: { select: { virtualAccountNumber: true, closedAt: true } },
        funder: { select: { legalName: true } },
        receivable: { select: { voucherPart: { select: { voucher: { select: { collectionAccount: { select: { name: true, virtualAccountNumber: true } } } } } } } },
      },
      // None once the financing ended and its account closed: money paid there now is parked for a refund.
      resolve: (f) => (f.collectionAccount?.closedAt ? null : payToAccountOf({ funderName: f.funder.legalName, virtualAccountNumber: f.collectionAccount?.virtualAccountNumber }, f.receivable.voucherPart?.voucher.collectionAccount)),
    }),
    history: t.relation('transitions', { description: 'Every change of state, oldest first: one per state it went through (about a dozen at most; a failed payout retried adds two).', query: { orderBy: { id: 'asc' } } }),
    documents: t.relation('documents', { description: 'Its documents, oldest first, one per kind (notice of assignment, acknowledgement, terms summary, disbursement advice, settlement statement), but for the settlement statement: issued again when recourse is returned after settlement, once per such return, each version listed after the one it supersedes, which keeps `supersededAt`; the current one has none.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    workflow: t.field({ type: WorkflowStatus, resolve: (f, _args, ctx) => describeFinancingWorkflow(ctx.temporal, f.id) }),
  }),
});

const FinancingFilter = builder.inputType('FinancingFilter', {
  fields: (t) => ({
    status: t.field({ type: [FinancingStatusEnum], required: false }),
    programId: t.globalID({ required: false }),
    receivableId: t.globalID({ required: false }),
    supplierPartyId: t.globalID({ required: false }),
    funderPartyId: t.globalID({ required: false }),
    obligorPartyId: t.globalID({ required: false }),
    dueDateFrom: t.field({ type: 'Date', required: false }),
    dueDateTo: t.field({ type: 'Date', required: false }),
  }),
  validate: dayRange('dueDateFrom', 'dueDateTo'),
});

type FinancingFilterShape = typeof FinancingFilter.$inferInput;

/** The financings a list shows: the caller's, narrowed by the filter. */
function financingsWhere(ctx: GraphQLContext, filter: FinancingFilterShape | null | undefined): Prisma.FinancingWhereInput {
  const id = (value: { typename: string; id: string } | null | undefined, typename: string) => (value === null || value === undefined ? undefined : rowIdOf(value, typename));
  return {
    AND: [
      visibleFinancingsWhere(ctx.viewer),
      filter?.status?.length ? { status: { in: filter.status } } : {},
      {
        programId: id(filter?.programId, 'Program'),
        receivableId: id(filter?.receivableId, 'Receivable'),
        supplierPartyId: id(filter?.supplierPartyId, 'Party'),
        funderPartyId: id(filter?.funderPartyId, 'Party'),
        obligorPartyId: id(filter?.obligorPartyId, 'Party'),
      },
      filter?.dueDateFrom ? { dueDate: { gte: dateColumn(filter.dueDateFrom) } } : {},
      filter?.dueDateTo ? { dueDate: { lte: dateColumn(filter.dueDateTo) } } : {},
    ],
  };
}

builder.queryFields((t) => ({
  financing: t.prismaField({
    type: 'Financing',
    nullable: true,
    description: 'A financing by id; null when there is none or you may not see it (a silent one is not the obligor\'s to see).',
    args: { id: t.arg.globalID() },
    resolve: (query, _root, { id }, ctx) => ctx.prisma.financing.findFirst({ ...query, where: scopedById(rowIdOf(id, 'Financing'), visibleFinancingsWhere(ctx.viewer)) }),
  }),
  financings: t.prismaConnection({
    nullable: true,
    type: 'Financing',
    cursor: 'id',
    totalCount: (_root, { filter }, ctx) => ctx.prisma.financing.count({ where: financingsWhere(ctx, filter) }),
    description:
      'Financings you may see: suppliers their own, funders those offered to them, core enterprises those under open assignment of what they owe, operators all. Newest first.',
    args: { filter: t.arg({ type: FinancingFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => ctx.prisma.financing.findMany({ ...query, where: financingsWhere(ctx, filter), orderBy: [{ appliedAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

const ApplyForFinancingInput = builder.inputType('ApplyForFinancingInput', {
  fields: (t) => ({
    receivableId: t.globalID(),
    programId: t.globalID(),
    amount: t.string({ description: 'The principal, a decimal string, at most advance rate × confirmed amount.', validate: z.string().max(64) }),
    idempotencyKey: t.string({ description: 'Chosen by the client; repeating the request with the same key returns the same financing.', validate: z.string().max(400) }),
  }),
});

const DECISION_ERRORS = [...LOOKUP_ERRORS, WrongStateError] as const;
const reasonArg = textUpTo(REASON_LENGTH_MAX);

builder.mutationFields((t) => ({
  applyForFinancing: t.prismaField({
    type: 'Financing',
    description:
      'Applies to finance a confirmed receivable (suppliers). Prices it exactly as quoteFinancing, reserves every credit limit and marks the receivable FINANCING_PENDING; under open assignment the core enterprise is asked to acknowledge, otherwise the funder to approve.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError, LimitExceededError, ConflictError] },
    args: { input: t.arg({ type: ApplyForFinancingInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { financingId } = await applyForFinancing(ctx, ctx.viewer, { receivableId: rowIdOf(input.receivableId, 'Receivable'), programId: rowIdOf(input.programId, 'Program'), amount: input.amount, idempotencyKey: input.idempotencyKey });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: financingId } });
    },
  }),
  acknowledgeAssignment: t.prismaField({
    type: 'Financing',
    description: "The core enterprise acknowledges the notice of assignment (转让回执) and commits to pay the financing's collection account. Open assignment only.",
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      await decideOnFinancing(ctx, ctx.viewer, rowIdOf(id, 'Financing'), { kind: 'ACKNOWLEDGE' });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Financing') } });
    },
  }),
  refuseAssignment: t.prismaField({
    type: 'Financing',
    description: 'The core enterprise refuses the assignment, with a reason. The financing ends; its limits and the receivable are released.',
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID(), reason: t.arg.string({ validate: reasonArg }) },
    resolve: async (query, _root, { id, reason }, ctx) => {
      await decideOnFinancing(ctx, ctx.viewer, rowIdOf(id, 'Financing'), { kind: 'REFUSE', reason });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Financing') } });
    },
  }),
  approveFinancing: t.prismaField({
    type: 'Financing',
    description: "The funder's first approval (经办). Another user of the funder must confirm it.",
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      await decideOnFinancing(ctx, ctx.viewer, rowIdOf(id, 'Financing'), { kind: 'APPROVE' });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Financing') } });
    },
  }),
  confirmApproval: t.prismaField({
    type: 'Financing',
    description: "The funder's second approval (复核), by a CHECKER or ADMIN who is not the approver. The financing is APPROVED.",
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      await decideOnFinancing(ctx, ctx.viewer, rowIdOf(id, 'Financing'), { kind: 'CONFIRM_APPROVAL' });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Financing') } });
    },
  }),
  rejectFinancing: t.prismaField({
    type: 'Financing',
    description: 'The funder rejects the financing before it is approved, with a reason. Its limits and the receivable are released.',
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID(), reason: t.arg.string({ validate: reasonArg }) },
    resolve: async (query, _root, { id, reason }, ctx) => {
      await decideOnFinancing(ctx, ctx.viewer, rowIdOf(id, 'Financing'), { kind: 'REJECT', reason });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Financing') } });
    },
  }),
  withdrawFinancing: t.prismaField({
    type: 'Financing',
    description: 'The supplier withdraws its application before approval, with a reason. Its limits and the receivable are released.',
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID(), reason: t.arg.string({ validate: reasonArg }) },
    resolve: async (query, _root, { id, reason }, ctx) => {
      await decideOnFinancing(ctx, ctx.viewer, rowIdOf(id, 'Financing'), { kind: 'WITHDRAW', reason });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Financing') } });
    },
  }),
}));
