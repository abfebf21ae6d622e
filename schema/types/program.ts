import { resolveArrayConnection } from '@pothos/plugin-relay';
import { z } from 'zod';
import {
  AssignmentMode as AssignmentModeValues,
  CreditLimitKind as CreditLimitKindValues,
  DayCount as DayCountValues,
  InterestMode as InterestModeValues,
  ProgramChangeKind as ProgramChangeKindValues,
  ProgramChangeStatus as ProgramChangeStatusValues,
  WaterfallBucket as WaterfallBucketValues,
} from '../../prisma/generated/client/enums';
import { isOperator } from '../../domain/actor';
import { quoteFinancing, visibleProgramsWhere } from '../../prisma/stores/program-store';
import { programChangesWhere } from '../../prisma/stores/program-change-store';
import { visibleProgramTermsWhere } from '../../prisma/stores/visibility';
import { balanceOfTotals } from '../../prisma/stores/ledger/balances';
import { toDecimal } from '../../prisma/stores/to-decimal';
import { ConflictError, LimitExceededError, NotFoundError, WrongStateError } from '../../domain/errors';
import { formatAmount, type Currency } from '../../domain/money';
import type { Quote } from '../../domain/pricing';
import { limitsOpenedOutOfSight, silentLimitUseByAccount } from '../../prisma/stores/silent-assignment';
import { batchLoad } from '../batch-load';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { rowIdOf, scopedById } from '../global-id';
import { resolveKeyedConnection, type KeyedList } from '../keyed-connection';
import { totalCountField, withTotalCount } from '../total-count';
import { amendProgram } from '../../use-cases/amend-program';
import { createProgram } from '../../use-cases/create-program';
import { enrollSupplier } from '../../use-cases/enroll-supplier';
import { COMMON_ERRORS, LOOKUP_ERRORS } from '../errors';
import { Money, money } from '../money';
import { Counterparty } from './receivable';

export const InterestModeEnum = builder.enumType('InterestMode', { values: Object.values(InterestModeValues), description: 'UPFRONT: interest taken from the disbursement (前收息, a discount). ARREARS: paid with the principal at maturity (后收息).' });
export const DayCountEnum = builder.enumType('DayCount', { values: Object.values(DayCountValues), description: 'Actual days over a 360- or 365-day year.' });
export const AssignmentModeEnum = builder.enumType('AssignmentMode', { values: Object.values(AssignmentModeValues), description: 'OPEN (明保理): the core enterprise is notified and acknowledges. SILENT (暗保理): it is not.' });
export const WaterfallBucketEnum = builder.enumType('WaterfallBucket', { values: Object.values(WaterfallBucketValues) });
export const ProgramChangeKindEnum = builder.enumType('ProgramChangeKind', { values: Object.values(ProgramChangeKindValues), description: 'CREATE_PROGRAM: a new program. AMEND_TERMS: a new version of its terms and limits. ENROLL_SUPPLIER: a supplier enrolled, its supplier limit opened.' });
export const ProgramChangeStatusEnum = builder.enumType('ProgramChangeStatus', {
  values: Object.values(ProgramChangeStatusValues),
  description: 'PROPOSED: waits for the approvals of an operator checker and of the funder, in either order. APPLIED: both approved and it took effect. REJECTED: either side rejected it; nothing changed.',
});

const rate = (description: string) => ({ type: 'Rate' as const, description });

/** What `seesAllOf` asks of a program, read with the terms that show its limits. */
const LIMIT_VIEWERS = { funderPartyId: true, corePartyId: true } as const;

const ProgramTermsRef = builder.prismaNode('ProgramTerms', {
  description: 'One version of a program\'s terms. Rates are fractions ("0.06" is 6% a year). Never changed: an amendment adds a version.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleProgramTermsWhere(ctx.viewer)),
  fields: (t) => ({
    version: t.exposeInt('version'),
    advanceRate: t.field({ ...rate('Share of the confirmed amount that may be financed, e.g. "0.8".'), resolve: (terms) => toDecimal(terms.advanceRate) }),
    annualRate: t.field({ ...rate('Annual interest rate, e.g. "0.06".'), resolve: (terms) => toDecimal(terms.annualRate) }),
    interestMode: t.field({ type: InterestModeEnum, resolve: (terms) => terms.interestMode }),
    dayCount: t.field({ type: DayCountEnum, resolve: (terms) => terms.dayCount }),
    flatFee: t.field({ type: Money, select: { flatFee: true, program: { select: { currency: true } } }, resolve: (terms) => money(terms.flatFee, terms.program.currency) }),
    feeRate: t.field({ ...rate('Fee as a fraction of the principal, e.g. "0.001".'), resolve: (terms) => toDecimal(terms.feeRate) }),
    tenorDaysMax: t.exposeInt('tenorDaysMax'),
    tenorDaysMin: t.exposeInt('tenorDaysMin', { description: 'The shortest tenor financed, counted from the day the money moves: a financing closer than this to its due date when it would be disbursed expires instead.' }),
    graceDays: t.exposeInt('graceDays'),
    penaltyRate: t.field({ ...rate('Annual penalty rate on overdue principal after the grace days.'), resolve: (terms) => toDecimal(terms.penaltyRate) }),
    recourse: t.exposeBoolean('recourse'),
    recourseAfterDays: t.exposeInt('recourseAfterDays', { nullable: true }),
    assignmentMode: t.field({ type: AssignmentModeEnum, resolve: (terms) => terms.assignmentMode }),
    waterfall: t.field({ type: [WaterfallBucketEnum], description: 'The order in which a repayment pays the buckets (four at most).', resolve: (terms) => terms.waterfall }),
    programLimit: t.field({
      type: Money,
      nullable: true,
      description: "The program's total limit (the PROGRAM limit): to those who see it in the program's `limits` (the funder, the core enterprise, operators); null to a supplier or a voucher holder.",
      select: { programLimit: true, program: { select: { currency: true, ...LIMIT_VIEWERS } } },
      resolve: (terms, _args, ctx) => (seesAllOf(ctx, terms.program) ? money(terms.programLimit, terms.program.currency) : null),
    }),
    supplierLimit: t.field({ type: Money, select: { supplierLimit: true, program: { select: { currency: true } } }, resolve: (terms) => money(terms.supplierLimit, terms.program.currency) }),
    obligorLimit: t.field({
      type: Money,
      nullable: true,
      description: "The funder's limit on the core enterprise (the OBLIGOR limit): to those who see it in the program's `limits` (the funder, the core enterprise, operators); null to a supplier or a voucher holder.",
      select: { obligorLimit: true, program: { select: { currency: true, ...LIMIT_VIEWERS } } },
      resolve: (terms, _args, ctx) => (seesAllOf(ctx, terms.program) ? money(terms.obligorLimit, terms.program.currency) : null),
    }),
    admitsVoucherHolders: t.exposeBoolean('admitsVoucherHolders', { description: "Whether holders of parts of the core enterprise's vouchers may finance them under this program without being enrolled." }),
    voucherHolderLimit: t.field({
      type: Money,
      description: 'Each voucher holder\'s limit in the program (its supplier limit, opened on its first application).',
      select: { voucherHolderLimit: true, program: { select: { currency: true } } },
      resolve: (terms) => money(terms.voucherHolderLimit, terms.program.currency),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('Program', {
  description: 'A financing program: a funder\'s product with one core enterprise, for the suppliers enrolled in it.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleProgramsWhere(ctx.viewer)),
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    currency: t.exposeString('currency'),
    funder: t.relation('funder', { type: Counterparty }),
    core: t.relation('core', { type: Counterparty, description: 'The core enterprise (obligor) whose receivables the program finances.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    terms: t.field({
      type: ProgramTermsRef,
      description: 'The current terms: what new financings are priced with.',
      // The highest version, read with the program's own row (a page of programs reads all its current terms in one statement).
      select: (_args, _ctx, nestedSelection) => ({ terms: nestedSelection({ orderBy: { version: 'desc' as const }, take: 1 }) }),
      resolve: (program) => {
        const [terms] = program.terms;
        if (!terms) throw new NotFoundError('ProgramTerms', program.id);
        return terms;
      },
    }),
    termsHistory: t.relatedConnection('terms', {
      cursor: 'id',
      totalCount: true,
      description: 'Every version, oldest first.',
      query: () => ({ orderBy: { version: 'asc' } }),
    }),
    limits: t.connection({
      type: CreditLimitRef,
      description:
        'Credit limits in the ledger (授信额度): granted, and available after reservations and use. The funder, the core enterprise and operators see all; a supplier sees its own. By kind (PROGRAM, SUPPLIER, OBLIGOR); a cursor names its limit, so a page goes on from it whatever limits were opened meanwhile.',
      resolve: async (program, args, ctx) => {
        // Every program of a page asks together: one read of their limits with their accounts' totals.
        const limits = (await batchLoad<ProgramParties, CreditLimitShape[]>(ctx, 'Program.limits', program, (programs) => programLimits(ctx, programs))) ?? [];
        return resolveKeyedConnection(CREDIT_LIMITS, args, limits);
      },
    }, { fields: totalCountField }),
    changes: t.relatedConnection('changes', {
      cursor: 'id',
      totalCount: true,
      description: "Proposed, applied and rejected changes of the program, newest first: operators and the program's funder only (anyone else sees none).",
      args: { status: t.arg({ type: ProgramChangeStatusEnum, required: false }) },
      query: ({ status }, ctx) => ({ where: programChangesWhere(ctx.viewer, { status }), orderBy: [{ proposedAt: 'desc' }, { id: 'desc' }] }),
    }),
    enrolledSuppliers: t.connection({
      type: 'String',
      description: 'Legal names of the enrolled suppliers, in the order they were enrolled (the funder, the core enterprise and operators only; a supplier sees only itself).',
      resolve: async (program, args, ctx) => {
        const names = (await batchLoad<ProgramParties, string[]>(ctx, 'Program.enrolledSuppliers', program, (programs) => enrolledSupplierNames(ctx, programs))) ?? [];
        return withTotalCount(resolveArrayConnection({ args }, names), names.length);
      },
    }, { fields: totalCountField }),
  }),
});

interface ProgramParties {
  id: string;
  funderPartyId: string;
  corePartyId: string;
  currency: string;
}

interface CreditLimitShape {
  /** Its ledger account: orders the limits of one kind, and names the limit in cursors. Not a field. */
  accountId: string;
  kind: string;
  granted: string;
  available: string;
  currency: string;
  supplierName: string | null;
}

/** A program's limits in the order programLimits reads them: by kind, then account. */
const CREDIT_LIMITS: KeyedList<CreditLimitShape> = {
  name: 'CreditLimit',
  key: [{ of: (limit) => limit.kind, values: Object.values(CreditLimitKindValues) }, { of: (limit) => limit.accountId }],
};

/**
 * The funder, the core enterprise and operators see all of a program's limits and enrolments; a
 * supplier only its own. Asked by `limits`, `enrolledSuppliers` and the terms' limits alike, so
 * that no field shows a party a limit the others hide from it.
 */
function seesAllOf(ctx: GraphQLContext, program: Pick<ProgramParties, 'funderPartyId' | 'corePartyId'>): boolean {
  return isOperator(ctx.viewer) || ctx.viewer.partyId === program.funderPartyId || ctx.viewer.partyId === program.corePartyId;
}

/**
 * The credit limits of each program as the caller may see them, in one statement for all of
 * them: each program's own (all, or the caller's supplier limit), and, to those who see all,
 * the funder's limit on the core enterprise (an OBLIGOR limit shared by the funder's programs
 * with that core enterprise, so one row may belong to several programs).
 */
async function programLimits(ctx: GraphQLContext, programs: ProgramParties[]): Promise<Map<ProgramParties, CreditLimitShape[]>> {
  const viewerParty = ctx.viewer.partyId;
  const rows = await ctx.prisma.creditLimit.findMany({
    where: {
      OR: programs.flatMap((program) => {
        const seesAll = seesAllOf(ctx, program);
        return [
          { programId: program.id, ...(seesAll ? {} : { supplierPartyId: viewerParty }) },
          ...(seesAll ? [{ kind: 'OBLIGOR' as const, funderPartyId: program.funderPartyId, obligorPartyId: program.corePartyId, currency: program.currency }] : []),
        ];
      }),
    },
    include: {
      supplier: { select: { legalName: true } },
      // The balance now is the account's totals (what getBalance reads), taken with the limit.
      account: { select: { currency: true, normalBalance: true, debitsPosted: true, creditsPosted: true, debitsPending: true, creditsPending: true } },
    },
    orderBy: [{ kind: 'asc' }, { accountId: 'asc' }],
  });
  // The core enterprise sees its limits as they would be with no silent financing (silent assignment
  // is not told): what silent financings use is added back, and a voucher holder's limit that only
  // silent financings opened is not there.
  const asCore = programs.filter((program) => program.corePartyId === viewerParty).map((program) => program.id);
  const silentUse = asCore.length > 0 ? await silentLimitUseByAccount(ctx.prisma, ctx.viewer) : new Map<string, string>();
  const holderLimits = rows.filter((row) => row.kind === 'SUPPLIER' && row.programId !== null && row.supplierPartyId !== null && asCore.includes(row.programId));
  const outOfSight = await limitsOpenedOutOfSight(ctx.prisma, ctx.viewer, holderLimits.map((row) => ({ programId: row.programId!, supplierPartyId: row.supplierPartyId! })));
  const shaped = rows.map((row) => {
    const balance = balanceOfTotals(row.accountId, row.account);
    const common = { accountId: row.accountId, kind: row.kind, granted: row.granted.toString(), currency: row.currency, supplierName: row.supplier?.legalName ?? null };
    return {
      row,
      seenAs: (program: ProgramParties): CreditLimitShape => ({
        ...common,
        available: (program.corePartyId === viewerParty ? balance.available.plus(silentUse.get(row.accountId) ?? 0) : balance.available).toFixed(),
      }),
    };
  });
  return new Map(
    programs.map((program) => {
      const seesAll = seesAllOf(ctx, program);
      const own = shaped.filter(
        ({ row }) =>
          (row.programId === program.id && (seesAll || row.supplierPartyId === viewerParty) && !outOfSight.has(`${row.programId}:${row.supplierPartyId}`)) ||
          (seesAll && row.kind === 'OBLIGOR' && row.funderPartyId === program.funderPartyId && row.obligorPartyId === program.corePartyId && row.currency === program.currency),
      );
      return [program, own.map(({ seenAs }) => seenAs(program))];
    }),
  );
}

/** The legal names of each program's enrolled suppliers as the caller may list them, in one statement for all of them. */
async function enrolledSupplierNames(ctx: GraphQLContext, programs: ProgramParties[]): Promise<Map<ProgramParties, string[]>> {
  const listed = programs.filter((program) => seesAllOf(ctx, program)).map((program) => program.id);
  const ownOnly = programs.filter((program) => !seesAllOf(ctx, program)).map((program) => program.id);
  const rows = await ctx.prisma.programEnrollment.findMany({
    where: { OR: [{ programId: { in: listed } }, { programId: { in: ownOnly }, supplierPartyId: ctx.viewer.partyId }] },
    select: { programId: true, supplier: { select: { legalName: true } } },
    orderBy: { enrolledAt: 'asc' },
  });
  return new Map(programs.map((program) => [program, rows.filter((row) => row.programId === program.id).map((row) => row.supplier.legalName)]));
}

const CreditLimitRef = builder
  .objectRef<CreditLimitShape>('CreditLimit')
  .implement({
    description: 'One credit limit: PROGRAM (the program total), OBLIGOR (the funder\'s limit on the core enterprise), SUPPLIER (one supplier in the program).',
    fields: (t) => ({
      kind: t.exposeString('kind'),
      supplierName: t.exposeString('supplierName', { nullable: true }),
      granted: t.field({ type: Money, resolve: (limit) => money(limit.granted, limit.currency) }),
      available: t.field({ type: Money, description: 'Granted less what is reserved by applications and used by disbursed financings.', resolve: (limit) => money(limit.available, limit.currency) }),
    }),
  });

export const ProgramTermsInput = builder.inputType('ProgramTermsInput', {
  fields: (t) => ({
    advanceRate: t.string({ validate: z.string().max(32) }),
    annualRate: t.string({ validate: z.string().max(32) }),
    interestMode: t.field({ type: InterestModeEnum }),
    dayCount: t.field({ type: DayCountEnum }),
    flatFee: t.string({ required: false, validate: z.string().max(64) }),
    feeRate: t.string({ required: false, validate: z.string().max(32) }),
    tenorDaysMax: t.int(),
    tenorDaysMin: t.int({ required: false, description: 'The shortest tenor financed, counted from the day the money moves; 1 when absent. At most tenorDaysMax.' }),
    graceDays: t.int(),
    penaltyRate: t.string({ validate: z.string().max(32) }),
    recourse: t.boolean(),
    recourseAfterDays: t.int({ required: false }),
    assignmentMode: t.field({ type: AssignmentModeEnum }),
    waterfall: t.field({ type: [WaterfallBucketEnum], required: false }),
    programLimit: t.string({ validate: z.string().max(64) }),
    supplierLimit: t.string({ validate: z.string().max(64) }),
    obligorLimit: t.string({ validate: z.string().max(64) }),
    admitsVoucherHolders: t.boolean({ required: false, description: "Whether holders of parts of the core enterprise's vouchers may finance them under this program; false when absent." }),
    voucherHolderLimit: t.string({ required: false, validate: z.string().max(64), description: 'Each voucher holder\'s limit; above zero when the program admits voucher holders; 0 when absent.' }),
  }),
});

const CreateProgramInput = builder.inputType('CreateProgramInput', {
  fields: (t) => ({
    name: t.string({ validate: z.string().max(800) }),
    funderCreditCode: t.string({ validate: z.string().max(64) }),
    coreCreditCode: t.string({ validate: z.string().max(64) }),
    currency: t.string({ validate: z.string().max(8) }),
    terms: t.field({ type: ProgramTermsInput }),
  }),
});


interface QuoteShape {
  quote: Quote;
  currency: Currency;
  programCode: string;
  termsVersion: number;
  maxAmount: Quote['principal'];
}

const FinancingQuote = builder.objectRef<QuoteShape>('FinancingQuote').implement({
  description: 'The exact figures of a financing if applied for now and disbursed today (see docs/pricing.md). Nothing is reserved; a disbursement on a later day is repriced to it.',
  fields: (t) => ({
    programCode: t.exposeString('programCode'),
    termsVersion: t.exposeInt('termsVersion'),
    principal: t.field({ type: Money, resolve: (q) => money(formatAmount(q.quote.principal, q.currency), q.currency) }),
    maxAmount: t.field({ type: Money, description: 'Advance rate × confirmed amount.', resolve: (q) => money(formatAmount(q.maxAmount, q.currency), q.currency) }),
    valueDate: t.field({ type: 'Date', description: 'The assumed value date: today, as if the money moved now. Interest runs from the day it actually moves; the disbursement reprices to that day.', resolve: (q) => q.quote.valueDate }),
    dueDate: t.field({ type: 'Date', resolve: (q) => q.quote.dueDate }),
    tenorDays: t.int({ resolve: (q) => q.quote.tenorDays }),
    interest: t.field({ type: Money, resolve: (q) => money(q.quote.interest, q.currency) }),
    fees: t.field({ type: Money, resolve: (q) => money(q.quote.fees, q.currency) }),
    netDisbursement: t.field({ type: Money, description: 'What reaches the supplier.', resolve: (q) => money(q.quote.netDisbursement, q.currency) }),
    interestAtMaturity: t.field({ type: Money, resolve: (q) => money(q.quote.interestAtMaturity, q.currency) }),
    repaymentAtMaturity: t.field({ type: Money, description: 'What the core enterprise pays on the due date.', resolve: (q) => money(q.quote.repaymentAtMaturity, q.currency) }),
    effectiveAnnualRate: t.field({ type: 'Rate', description: 'Interest and fees over the net disbursement, annualised on 365 days (six decimals).', resolve: (q) => q.quote.effectiveAnnualRate.toFixed(6) }),
  }),
});

builder.queryFields((t) => ({
  program: t.prismaField({
    type: 'Program',
    nullable: true,
    description: 'A program by id; null when there is none or you take no part in it.',
    args: { id: t.arg.globalID() },
    resolve: (query, _root, { id }, ctx) => ctx.prisma.program.findFirst({ ...query, where: scopedById(rowIdOf(id, 'Program'), visibleProgramsWhere(ctx.viewer)) }),
  }),
  programs: t.prismaConnection({
    nullable: true,
    type: 'Program',
    cursor: 'id',
    totalCount: (_root, _args, ctx) => ctx.prisma.program.count({ where: visibleProgramsWhere(ctx.viewer) }),
    description: 'Programs you take part in (operators: all).',
    resolve: (query, _root, _args, ctx) => ctx.prisma.program.findMany({ ...query, where: visibleProgramsWhere(ctx.viewer), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
  quoteFinancing: t.field({
    nullable: true,
    type: FinancingQuote,
    description: 'Prices a financing of a confirmed receivable under a program. No side effects.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { receivableId: t.arg.globalID(), programId: t.arg.globalID(), amount: t.arg.string({ validate: z.string().max(64) }) },
    resolve: async (_root, args, ctx) => {
      const result = await quoteFinancing(ctx.prisma, ctx.viewer, { receivableId: rowIdOf(args.receivableId, 'Receivable'), programId: rowIdOf(args.programId, 'Program'), amount: args.amount });
      return { quote: result.quote, currency: result.currency, programCode: result.program.code, termsVersion: result.terms.version, maxAmount: result.maxAmount };
    },
  }),
}));

builder.mutationFields((t) => ({
  createProgram: t.prismaField({
    type: 'ProgramChange',
    description:
      'Proposes a program between a funder and a core enterprise (platform administrators). Nothing exists until an operator CHECKER other than the proposer and the funder have both approved it (approveProgramChange). The same request repeated (same x-request-id) answers the same change.',
    errors: { types: [...COMMON_ERRORS, ConflictError, LimitExceededError] },
    args: { input: t.arg({ type: CreateProgramInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { changeId } = await createProgram(ctx, ctx.viewer, input);
      return ctx.prisma.programChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
  amendProgram: t.prismaField({
    type: 'ProgramChange',
    description:
      'Proposes a version of the terms and limits (platform administrators); it applies when an operator CHECKER and the funder have approved it, and financings already priced keep theirs. A limit below what is already reserved or used is refused now and again when it applies.',
    errors: { types: [...LOOKUP_ERRORS, LimitExceededError, ConflictError] },
    args: { id: t.arg.globalID(), terms: t.arg({ type: ProgramTermsInput }) },
    resolve: async (query, _root, { id, terms }, ctx) => {
      const { changeId } = await amendProgram(ctx, ctx.viewer, rowIdOf(id, 'Program'), terms);
      return ctx.prisma.programChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
  enrollSupplier: t.prismaField({
    type: 'ProgramChange',
    description: 'Proposes enrolling a supplier in a program (platform administrators); its supplier limit opens when an operator CHECKER and the funder have approved it.',
    errors: { types: [...LOOKUP_ERRORS, ConflictError] },
    args: { programId: t.arg.globalID(), supplierCreditCode: t.arg.string({ validate: z.string().max(64) }) },
    resolve: async (query, _root, { programId, supplierCreditCode }, ctx) => {
      const { changeId } = await enrollSupplier(ctx, ctx.viewer, rowIdOf(programId, 'Program'), supplierCreditCode);
      return ctx.prisma.programChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
}));
