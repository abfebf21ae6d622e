import { Decimal, formatAmount, type Currency } from '../../domain/money';
import { ConflictError, LimitExceededError, WrongStateError } from '../../domain/errors';
import type { ProgramTermsInput as TermsShape } from '../../domain/program-rules';
import type { ProgramChangeInput } from '../../prisma/stores/program-change-store';
import { PROGRAM_CHANGE_PAGE_SIZE_MAX, PROGRAM_CHANGE_REASON_LENGTH_MAX, programChangesWhere, visibleProgramChangesWhere } from '../../prisma/stores/program-change-store';
import { decideProgramChange } from '../../use-cases/decide-program-change';
import { builder } from '../builder';
import { LOOKUP_ERRORS } from '../errors';
import { rowIdOf, scopedById } from '../global-id';
import { Money, money } from '../money';
import { textUpTo } from '../validators';
import { visibleUser } from '../visible-user';
import { AssignmentModeEnum, DayCountEnum, InterestModeEnum, ProgramChangeKindEnum, ProgramChangeStatusEnum, WaterfallBucketEnum } from './program';
import { Counterparty } from './receivable';

interface ProposedTermsShape {
  terms: TermsShape;
  currency: string;
}

const rate = (description: string) => ({ type: 'Rate' as const, description });

const ProposedProgramTerms = builder.objectRef<ProposedTermsShape>('ProposedProgramTerms').implement({
  description: 'The terms and limits a program change proposes, as validated when it was proposed. Rates are fractions ("0.06" is 6% a year).',
  fields: (t) => ({
    advanceRate: t.field({ ...rate('Share of the confirmed amount that may be financed.'), resolve: ({ terms }) => new Decimal(terms.advanceRate) }),
    annualRate: t.field({ ...rate('Annual interest rate.'), resolve: ({ terms }) => new Decimal(terms.annualRate) }),
    interestMode: t.field({ type: InterestModeEnum, resolve: ({ terms }) => terms.interestMode }),
    dayCount: t.field({ type: DayCountEnum, resolve: ({ terms }) => terms.dayCount }),
    flatFee: t.field({ type: Money, resolve: ({ terms, currency }) => money(limitAmount(terms.flatFee ?? '0', currency), currency) }),
    feeRate: t.field({ ...rate('Fee as a fraction of the principal.'), resolve: ({ terms }) => new Decimal(terms.feeRate ?? '0') }),
    tenorDaysMax: t.int({ resolve: ({ terms }) => terms.tenorDaysMax }),
    tenorDaysMin: t.int({ resolve: ({ terms }) => terms.tenorDaysMin ?? 1 }),
    graceDays: t.int({ resolve: ({ terms }) => terms.graceDays }),
    penaltyRate: t.field({ ...rate('Annual penalty rate on overdue principal after the grace days.'), resolve: ({ terms }) => new Decimal(terms.penaltyRate) }),
    recourse: t.boolean({ resolve: ({ terms }) => terms.recourse }),
    recourseAfterDays: t.int({ nullable: true, resolve: ({ terms }) => terms.recourseAfterDays ?? null }),
    assignmentMode: t.field({ type: AssignmentModeEnum, resolve: ({ terms }) => terms.assignmentMode }),
    waterfall: t.field({ type: [WaterfallBucketEnum], resolve: ({ terms }) => terms.waterfall ?? [] }),
    programLimit: t.field({ type: Money, resolve: ({ terms, currency }) => money(limitAmount(terms.programLimit, currency), currency) }),
    supplierLimit: t.field({ type: Money, resolve: ({ terms, currency }) => money(limitAmount(terms.supplierLimit, currency), currency) }),
    obligorLimit: t.field({ type: Money, resolve: ({ terms, currency }) => money(limitAmount(terms.obligorLimit, currency), currency) }),
    admitsVoucherHolders: t.boolean({ resolve: ({ terms }) => terms.admitsVoucherHolders === true }),
    voucherHolderLimit: t.field({ type: Money, resolve: ({ terms, currency }) => money(limitAmount(terms.voucherHolderLimit ?? '0', currency), currency) }),
  }),
});

/** A stored amount (canonical, no trailing zeros) with the currency's decimals, as Money carries it. */
function limitAmount(amount: string, currency: string): string {
  return formatAmount(new Decimal(amount), currency as Currency);
}

builder.prismaNode('ProgramChange', {
  description:
    "A proposed change of a program's money settings: a new program, new terms and limits, or a supplier's enrolment. Proposed by an operator; applied only when an operator CHECKER other than the proposer and the program's funder have both approved it, in either order. Operators and the funder see it; nobody else.",
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleProgramChangesWhere(ctx.viewer)),
  fields: (t) => ({
    kind: t.field({ type: ProgramChangeKindEnum, resolve: (change) => change.kind }),
    status: t.field({ type: ProgramChangeStatusEnum, resolve: (change) => change.status }),
    program: t.relation('program', { nullable: true, description: 'The program changed; for CREATE_PROGRAM, the program created once the change applied.' }),
    funder: t.prismaField({ type: Counterparty, description: 'The funder whose approval the change needs.', resolve: (query, change, _args, ctx) => ctx.prisma.party.findUniqueOrThrow({ ...query, where: { id: change.funderPartyId } }) }),
    core: t.prismaField({ type: Counterparty, description: "The program's core enterprise.", resolve: (query, change, _args, ctx) => ctx.prisma.party.findUniqueOrThrow({ ...query, where: { id: change.corePartyId } }) }),
    supplier: t.prismaField({
      type: Counterparty,
      nullable: true,
      description: 'The supplier an ENROLL_SUPPLIER change enrols.',
      resolve: (query, change, _args, ctx) => (change.supplierPartyId ? ctx.prisma.party.findUniqueOrThrow({ ...query, where: { id: change.supplierPartyId } }) : null),
    }),
    name: t.string({ nullable: true, description: 'The name of the program a CREATE_PROGRAM change creates.', resolve: (change) => ((change.input as unknown as ProgramChangeInput).kind === 'CREATE_PROGRAM' ? (change.input as unknown as { name: string }).name : null) }),
    terms: t.field({
      type: ProposedProgramTerms,
      nullable: true,
      description: 'The terms and limits proposed (CREATE_PROGRAM and AMEND_TERMS).',
      select: { input: true, program: { select: { currency: true } } },
      resolve: (change) => {
        const input = change.input as unknown as ProgramChangeInput;
        if (input.kind === 'CREATE_PROGRAM') return { terms: input.terms, currency: input.currency };
        if (input.kind === 'AMEND_TERMS') return { terms: input.terms, currency: change.program!.currency };
        return null;
      },
    }),
    proposedBy: t.prismaField({ type: 'User', nullable: true, description: 'The operator who proposed it (operators only).', resolve: (query, change, _args, ctx) => visibleUser(ctx, query, change.proposedByUserId) }),
    proposedAt: t.expose('proposedAt', { type: 'DateTime' }),
    platformApprovedBy: t.prismaField({ type: 'User', nullable: true, description: 'The operator checker who approved it for the platform (operators only).', resolve: (query, change, _args, ctx) => visibleUser(ctx, query, change.platformApprovedByUserId) }),
    platformApprovedAt: t.expose('platformApprovedAt', { type: 'DateTime', nullable: true }),
    funderApprovedBy: t.prismaField({ type: 'User', nullable: true, description: "The funder's user who approved it (the funder and operators).", resolve: (query, change, _args, ctx) => visibleUser(ctx, query, change.funderApprovedByUserId) }),
    funderApprovedAt: t.expose('funderApprovedAt', { type: 'DateTime', nullable: true }),
    rejectedBy: t.prismaField({ type: 'User', nullable: true, description: 'Who rejected it, when the caller may see that user.', resolve: (query, change, _args, ctx) => visibleUser(ctx, query, change.rejectedByUserId) }),
    rejectedAt: t.expose('rejectedAt', { type: 'DateTime', nullable: true }),
    rejectionReason: t.exposeString('rejectionReason', { nullable: true }),
    appliedAt: t.expose('appliedAt', { type: 'DateTime', nullable: true }),
    appliedTerms: t.relation('terms', { nullable: true, description: 'The terms version the change produced once applied (CREATE_PROGRAM: version 1; AMEND_TERMS: the new version).' }),
  }),
});

builder.queryFields((t) => ({
  programChanges: t.prismaConnection({
    nullable: true,
    type: 'ProgramChange',
    cursor: 'id',
    maxSize: PROGRAM_CHANGE_PAGE_SIZE_MAX,
    totalCount: (_root, { status }, ctx) => ctx.prisma.programChange.count({ where: programChangesWhere(ctx.viewer, { status }) }),
    description: "Program changes, newest first: operators see all, a funder those of its programs, anyone else none.",
    args: { status: t.arg({ type: ProgramChangeStatusEnum, required: false }) },
    resolve: (query, _root, { status }, ctx) => ctx.prisma.programChange.findMany({ ...query, where: programChangesWhere(ctx.viewer, { status }), orderBy: [{ proposedAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  approveProgramChange: t.prismaField({
    type: 'ProgramChange',
    description:
      "Approves a program change: for the platform (an operator CHECKER, not its proposer) or for the funder (the program's funder's CHECKER or ADMIN). The second side's approval applies it; when the state no longer allows it (a limit below what is now committed) the approval is refused and the change stays PROPOSED.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError, ConflictError, LimitExceededError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { changeId } = await decideProgramChange(ctx, ctx.viewer, rowIdOf(id, 'ProgramChange'), { approve: true });
      return ctx.prisma.programChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
  rejectProgramChange: t.prismaField({
    type: 'ProgramChange',
    description: 'Rejects a program change still PROPOSED (an operator CHECKER, not its proposer, or the funder\'s CHECKER or ADMIN). Nothing of the program changes.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID(), reason: t.arg.string({ validate: textUpTo(PROGRAM_CHANGE_REASON_LENGTH_MAX) }) },
    resolve: async (query, _root, { id, reason }, ctx) => {
      const { changeId } = await decideProgramChange(ctx, ctx.viewer, rowIdOf(id, 'ProgramChange'), { approve: false, reason });
      return ctx.prisma.programChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
}));
