import { z } from 'zod';
import { DocumentKind as DocumentKindValues, ReceivableStatus as ReceivableStatusValues } from '../../prisma/generated/client/enums';
import { registryCheck, visibleReceivablesWhere } from '../../prisma/stores/receivable-store';
import { financedOutOfSightAmong, statusAsSeenWhere, statusMayBeMasked, transitionsAsSeenWhere } from '../../prisma/stores/silent-assignment';
import { batchLoad } from '../batch-load';
import { visibleDocumentsWhere, visibleNotificationsWhere } from '../../prisma/stores/visibility';
import { visibleFinancingsWhere } from '../../prisma/stores/financing-store';
import { dateColumn, isoDateOfColumn } from '../../domain/business-date';
import { describeReceivableWorkflow } from '../../workflows/client/receivable-client';
import { decideOnReceivable } from '../../use-cases/decide-on-receivable';
import { registerReceivable } from '../../use-cases/register-receivable';
import { normaliseCreditCode } from '../../domain/credit-code';
import { ConflictError, ReceivableEncumberedError, WrongStateError } from '../../domain/errors';
import { REASON_LENGTH_MAX, RECEIVABLE_INVOICES_MAX } from '../../domain/receivable-rules';
import { DOCUMENTS_PATH } from '../documents-path';
import type { Prisma } from '../../prisma/client';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { COMMON_ERRORS, ErrorInterface, LOOKUP_ERRORS } from '../errors';
import { dayRange, textUpTo } from '../validators';
import { encodeGlobalId, rowIdOf, scopedById } from '../global-id';
import { Money, money } from '../money';
import { FinancingRef } from './financing';

export const ReceivableStatusEnum = builder.enumType('ReceivableStatus', {
  values: Object.values(ReceivableStatusValues),
  description: 'REGISTERED → CONFIRMED (or REJECTED, EXPIRED, CANCELLED) → FINANCING_PENDING → FINANCED → SETTLED.',
});

export const DocumentKindEnum = builder.enumType('DocumentKind', { values: Object.values(DocumentKindValues) });

builder.objectType(ReceivableEncumberedError, {
  name: 'ReceivableEncumberedError',
  description: 'An invoice is already active in another registration (no double financing).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ReceivableEncumberedError,
  fields: (t) => ({
    ownRegistrationNumber: t.string({
      nullable: true,
      description: "Your registration that already holds the invoice; null when it is another party's (which registration holds it is not told).",
      resolve: (error) => error.registrationNumber,
    }),
    invoiceCode: t.exposeString('invoiceCode'),
    invoiceNumber: t.exposeString('invoiceNumber'),
  }),
});

export const Counterparty = builder.prismaObject('Party', {
  variant: 'Counterparty',
  // Only the columns it shows, read with the row whatever is asked of it: its fields then read
  // the row as it is, so a counterparty loaded by counterpartyOf (not through a Prisma query of
  // its own) is answered without a second read.
  select: { id: true, legalName: true, creditCode: true },
  description: 'Another party as named on a receivable or financing: who it is, nothing more. `party(id: partyId)` answers only for your own party (and for operators).',
  fields: (t) => ({
    partyId: t.globalID({ description: "The party's global id.", resolve: (party) => ({ type: 'Party', id: party.id }) }),
    legalName: t.string({ resolve: (party) => party.legalName }),
    creditCode: t.string({ resolve: (party) => party.creditCode }),
  }),
});

type CounterpartyRow = { id: string; legalName: string; creditCode: string };

/**
 * The party named by `partyId` on a row of a page: a page names two or three counterparties
 * per row, and every one of them asked in this request's turn (suppliers, funders and obligors
 * alike) is read by one statement rather than one per relation. Who a row names is not
 * scoped: whoever sees the row sees who it names.
 */
export function counterpartyOf(ctx: GraphQLContext, partyId: string): Promise<CounterpartyRow> {
  const loaded = batchLoad(ctx, 'Counterparty', partyId, async (ids) => {
    const rows = await ctx.prisma.party.findMany({ where: { id: { in: ids } }, select: { id: true, legalName: true, creditCode: true } });
    return new Map(rows.map((row) => [row.id, row]));
  });
  // A promise per row rather than an async function's: a page asks for 100 to 150 of these.
  return loaded.then((party) => {
    // A row's parties are foreign keys that cannot be deleted: a missing one is a broken database, not a result.
    if (!party) throw new Error(`party ${partyId} named on a row does not exist`);
    return party;
  });
}

/** The wire shape of an invoice: its receivable's currency comes with it from the receivable already read. */
interface InvoiceShape {
  lineNumber: number;
  invoiceCode: string;
  invoiceNumber: string;
  amount: Prisma.Decimal;
  issueDate: Date;
  currency: string;
}

const ReceivableInvoice = builder.objectRef<InvoiceShape>('ReceivableInvoice').implement({
  fields: (t) => ({
    lineNumber: t.exposeInt('lineNumber'),
    invoiceCode: t.exposeString('invoiceCode', { description: '发票代码, normalised (no spaces, upper case).' }),
    invoiceNumber: t.exposeString('invoiceNumber', { description: '发票号码, normalised.' }),
    amount: t.field({ type: Money, resolve: (invoice) => money(invoice.amount, invoice.currency) }),
    issueDate: t.field({ type: 'Date', resolve: (invoice) => isoDateOfColumn(invoice.issueDate) }),
  }),
});

builder.prismaObject('ReceivableTransition', {
  description: 'One change of state, with who made it, when and why.',
  fields: (t) => ({
    fromStatus: t.field({ type: ReceivableStatusEnum, nullable: true, resolve: (row) => row.fromStatus }),
    toStatus: t.field({ type: ReceivableStatusEnum, resolve: (row) => row.toStatus }),
    actorName: t.string({
      nullable: true,
      description: 'The user who acted; null when the platform acted (e.g. expiry at the deadline).',
      select: { actorUser: { select: { displayName: true } } },
      resolve: (row) => row.actorUser?.displayName ?? null,
    }),
    actorParty: t.relation('actorParty', { type: Counterparty, nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('Document', {
  description: 'A generated PDF. Download it with GET `url` and the same bearer token; its SHA-256 proves it unchanged.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleDocumentsWhere(ctx.viewer)),
  fields: (t) => ({
    kind: t.field({ type: DocumentKindEnum, resolve: (document) => document.kind }),
    fileName: t.exposeString('fileName'),
    contentType: t.exposeString('contentType'),
    sha256: t.exposeString('sha256'),
    sizeBytes: t.exposeInt('sizeBytes'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    version: t.exposeInt('version', { description: '1 when first issued. A settlement statement whose figures changed after it was issued (recourse returned to the supplier) is issued again as version 2, and so on.' }),
    supersededAt: t.expose('supersededAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a later version replaced it: it no longer states the figures, and is kept for the record. Null for the current document of its kind.',
    }),
    url: t.string({ description: 'Where to download it on this server: /documents/<its id>, with the same bearer token.', resolve: (document) => `${DOCUMENTS_PATH}${encodeGlobalId('Document', document.id)}` }),
  }),
});

export const WorkflowStatus = builder.objectRef<{ workflowId: string; runId: string | null; status: string }>('WorkflowStatus').implement({
  description: 'The Temporal workflow behind an object: RUNNING while it waits for people or timers.',
  fields: (t) => ({
    workflowId: t.exposeString('workflowId'),
    runId: t.exposeString('runId', { nullable: true }),
    status: t.exposeString('status', { description: 'RUNNING, COMPLETED, FAILED, TERMINATED, TIMED_OUT, CANCELLED or NOT_FOUND.' }),
  }),
});

builder.prismaNode('Receivable', {
  description: 'A receivable (应收账款) a supplier registered against a core enterprise (the obligor).',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleReceivablesWhere(ctx.viewer)),
  // Select mode: a query reads only the columns its fields ask for (each field names its own),
  // not the whole row with every amount parsed into a Decimal. The few short columns a list shows
  // on every row (no amounts) are read with every row instead: a field that names its own columns
  // is checked, per row, against the plan that read them, and on a page of 50 those checks cost
  // more than reading six short columns that a query does not show.
  select: { id: true, registrationNumber: true, status: true, contractNumber: true, dueDate: true, supplierPartyId: true, obligorPartyId: true },
  fields: (t) => ({
    registrationNumber: t.string({ resolve: (receivable) => receivable.registrationNumber }),
    status: t.field({
      type: ReceivableStatusEnum,
      description:
        "CONFIRMED while a financing you may not see holds it: to the obligor of a silent financing (silent assignment is not told), and to a funder of another funder's financing of the same receivable.",
      resolve: (receivable, _args, ctx) => {
        // Only a financed receivable, seen by others than its supplier, can differ (statusAsSeen's
        // rule): any other row answers as it is, at once rather than through a promise per row.
        if (!statusMayBeMasked(ctx.viewer, receivable)) return receivable.status;
        // The page's such rows are asked about together.
        return batchLoad(ctx, 'Receivable.status', receivable.id, async (ids) => {
          const hidden = await financedOutOfSightAmong(ctx.prisma, ctx.viewer, ids);
          return new Map(ids.map((id) => [id, hidden.has(id)]));
        }).then((masked) => (masked ? 'CONFIRMED' : receivable.status));
      },
    }),
    supplier: t.field({ type: Counterparty, resolve: (receivable, _args, ctx) => counterpartyOf(ctx, receivable.supplierPartyId) }),
    obligor: t.field({ type: Counterparty, resolve: (receivable, _args, ctx) => counterpartyOf(ctx, receivable.obligorPartyId) }),
    contractNumber: t.string({ resolve: (receivable) => receivable.contractNumber }),
    currency: t.exposeString('currency'),
    faceAmount: t.field({ type: Money, select: { faceAmount: true, currency: true }, resolve: (receivable) => money(receivable.faceAmount, receivable.currency) }),
    confirmedAmount: t.field({
      type: Money,
      nullable: true,
      description: 'What the obligor confirmed; lower than the face amount when diluted.',
      select: { confirmedAmount: true, currency: true },
      resolve: (receivable) => (receivable.confirmedAmount === null ? null : money(receivable.confirmedAmount, receivable.currency)),
    }),
    dueDate: t.field({ type: 'Date', resolve: (receivable) => isoDateOfColumn(receivable.dueDate) }),
    documentHashes: t.exposeStringList('documentHashes', { description: "SHA-256 of the supplier's supporting files." }),
    registeredAt: t.expose('registeredAt', { type: 'DateTime' }),
    confirmationDeadline: t.expose('confirmationDeadline', { type: 'DateTime' }),
    confirmedAt: t.expose('confirmedAt', { type: 'DateTime', nullable: true }),
    closedReason: t.exposeString('closedReason', { nullable: true }),
    invoices: t.field({
      type: [ReceivableInvoice],
      description: `Its invoices in line order, at most ${RECEIVABLE_INVOICES_MAX} (fixed at registration).`,
      // The currency is the receivable's, read with it: an invoice's amount costs no read of its own.
      select: { currency: true, invoices: { select: { lineNumber: true, invoiceCode: true, invoiceNumber: true, amount: true, issueDate: true }, orderBy: { lineNumber: 'asc' } } },
      // Named fields rather than a spread of Prisma's row: a page builds a few hundred of these,
      // and copying a row's properties one by one through a spread cost more than the page's amounts.
      resolve: (receivable) =>
        receivable.invoices.map((invoice) => ({ lineNumber: invoice.lineNumber, invoiceCode: invoice.invoiceCode, invoiceNumber: invoice.invoiceNumber, amount: invoice.amount, issueDate: invoice.issueDate, currency: receivable.currency })),
    }),
    latestFinancing: t.field({
      type: FinancingRef,
      nullable: true,
      description:
        "The financing applied for last among those you may see (one at a time holds a receivable; earlier ones ended). None to the obligor of a silent financing, nor to a funder of another funder's.",
      // Read with the receivable, so a page of receivables reads its latest financings in the same statement.
      select: (_args, ctx, nestedSelection) => ({
        financings: nestedSelection({ where: visibleFinancingsWhere(ctx.viewer), orderBy: [{ appliedAt: 'desc' as const }, { id: 'desc' as const }], take: 1 }),
      }),
      resolve: (receivable) => receivable.financings[0] ?? null,
    }),
    history: t.relation('transitions', {
      description:
        "Every change of state, oldest first: a handful at most, one per state it went through. Without the rows of a financing you may not see (to the obligor, a silent financing's; to a funder, another funder's).",
      query: (_args, ctx) => ({ where: transitionsAsSeenWhere(ctx.viewer), orderBy: { id: 'asc' } }),
    }),
    documents: t.relation('documents', { description: 'Its documents, oldest first, at most two: the registration certificate and the confirmation letter.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    workflow: t.field({ type: WorkflowStatus, resolve: (receivable, _args, ctx) => describeReceivableWorkflow(ctx.temporal, receivable.id) }),
  }),
});

const RegistryCheck = builder
  .objectRef<{ encumbered: boolean; since: Date | null; registrationNumber: string | null; status: string | null }>('RegistryCheck')
  .implement({
    description:
      "Whether an invoice is encumbered by an active registration. Never says by whom or for how much; the registration's number and status only to the receivable's own supplier and obligor (and operators).",
    fields: (t) => ({
      encumbered: t.exposeBoolean('encumbered'),
      since: t.expose('since', { type: 'DateTime', nullable: true }),
      registrationNumber: t.exposeString('registrationNumber', { nullable: true }),
      status: t.field({ type: ReceivableStatusEnum, nullable: true, resolve: (answer) => answer.status as never }),
    }),
  });

const ReceivableFilter = builder.inputType('ReceivableFilter', {
  fields: (t) => ({
    status: t.field({ type: [ReceivableStatusEnum], required: false }),
    obligorPartyId: t.globalID({ required: false }),
    supplierPartyId: t.globalID({ required: false }),
    dueDateFrom: t.field({ type: 'Date', required: false }),
    dueDateTo: t.field({ type: 'Date', required: false }),
  }),
  validate: dayRange('dueDateFrom', 'dueDateTo'),
});

/** The receivables a list shows: the caller's, narrowed by the filter. */
function receivablesWhere(ctx: GraphQLContext, filter: typeof ReceivableFilter.$inferInput | null | undefined): Prisma.ReceivableWhereInput {
  return {
    AND: [
      visibleReceivablesWhere(ctx.viewer),
      // As the caller sees the status: a receivable financed out of its sight is CONFIRMED to it.
      filter?.status?.length ? statusAsSeenWhere(ctx.viewer, filter.status) : {},
      filter?.obligorPartyId ? { obligorPartyId: rowIdOf(filter.obligorPartyId, 'Party') } : {},
      filter?.supplierPartyId ? { supplierPartyId: rowIdOf(filter.supplierPartyId, 'Party') } : {},
      filter?.dueDateFrom ? { dueDate: { gte: dateColumn(filter.dueDateFrom) } } : {},
      filter?.dueDateTo ? { dueDate: { lte: dateColumn(filter.dueDateTo) } } : {},
    ],
  };
}

builder.queryFields((t) => ({
  receivable: t.prismaField({
    type: 'Receivable',
    nullable: true,
    description: 'A receivable by id; null when there is none or you may not see it.',
    args: { id: t.arg.globalID() },
    resolve: (query, _root, { id }, ctx) => ctx.prisma.receivable.findFirst({ ...query, where: scopedById(rowIdOf(id, 'Receivable'), visibleReceivablesWhere(ctx.viewer)) }),
  }),
  receivables: t.prismaConnection({
    nullable: true,
    type: 'Receivable',
    cursor: 'id',
    totalCount: (_root, { filter }, ctx) => ctx.prisma.receivable.count({ where: receivablesWhere(ctx, filter) }),
    description: 'Receivables you may see: suppliers their own, core enterprises those they owe, operators all. Newest first.',
    args: { filter: t.arg({ type: ReceivableFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => ctx.prisma.receivable.findMany({ ...query, where: receivablesWhere(ctx, filter), orderBy: [{ registeredAt: 'desc' }, { id: 'desc' }] }),
  }),
  registryCheck: t.field({
    nullable: true,
    type: RegistryCheck,
    description: 'Is this invoice encumbered (登记查重)? Open to every authenticated party; only the receivable\'s own parties learn which registration and its status.',
    args: {
      obligorCreditCode: t.arg.string({ validate: z.string().min(1).max(64) }),
      invoiceCode: t.arg.string({ validate: z.string().min(1).max(64) }),
      invoiceNumber: t.arg.string({ validate: z.string().min(1).max(64) }),
    },
    resolve: (_root, args, ctx) => registryCheck(ctx.prisma, ctx.viewer, normaliseCreditCode(args.obligorCreditCode), args.invoiceCode, args.invoiceNumber),
  }),
}));

const InvoiceInput = builder.inputType('InvoiceInput', {
  fields: (t) => ({
    invoiceCode: t.string({ validate: z.string().max(64) }),
    invoiceNumber: t.string({ validate: z.string().max(64) }),
    amount: t.string({ description: 'Decimal string, e.g. "600000.00".', validate: z.string().max(64) }),
    issueDate: t.field({ type: 'Date' }),
  }),
});

const RegisterReceivableInput = builder.inputType('RegisterReceivableInput', {
  fields: (t) => ({
    obligorCreditCode: t.string({ description: "The core enterprise's unified social credit code.", validate: z.string().max(64) }),
    contractNumber: t.string({ validate: z.string().max(256) }),
    currency: t.string({ validate: z.string().max(8) }),
    faceAmount: t.string({ description: 'Decimal string; must equal the sum of the invoice amounts.', validate: z.string().max(64) }),
    dueDate: t.field({ type: 'Date' }),
    invoices: t.field({ type: [InvoiceInput], validate: z.array(z.unknown()).max(1000, { message: 'at most 200 invoices per registration' }) }),
    documentHashes: t.stringList({ required: false, description: 'SHA-256 (hex) of supporting files.', validate: z.array(z.string().max(128)).max(100) }),
    idempotencyKey: t.string({ description: 'Chosen by the client; repeating the request with the same key returns the same receivable.', validate: z.string().max(400) }),
  }),
});

const DECISION_ERRORS = [...LOOKUP_ERRORS, WrongStateError] as const;
const reasonArg = textUpTo(REASON_LENGTH_MAX);

builder.mutationFields((t) => ({
  registerReceivable: t.prismaField({
    type: 'Receivable',
    description: 'Registers a receivable (suppliers). Its invoices are checked against the registry; the core enterprise is asked to confirm.',
    errors: { types: [...COMMON_ERRORS, ConflictError, ReceivableEncumberedError] },
    args: { input: t.arg({ type: RegisterReceivableInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { receivableId } = await registerReceivable(ctx, ctx.viewer, input);
      return ctx.prisma.receivable.findUniqueOrThrow({ ...query, where: { id: receivableId } });
    },
  }),
  confirmReceivable: t.prismaField({
    type: 'Receivable',
    description: "Confirms the debt (确权), the obligor's users only. `confirmedAmount` below the face amount records dilution.",
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID(), confirmedAmount: t.arg.string({ required: false, validate: z.string().max(64) }) },
    resolve: async (query, _root, { id, confirmedAmount }, ctx) => {
      await decideOnReceivable(ctx, ctx.viewer, rowIdOf(id, 'Receivable'), { kind: 'CONFIRM', confirmedAmount });
      return ctx.prisma.receivable.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Receivable') } });
    },
  }),
  rejectReceivable: t.prismaField({
    type: 'Receivable',
    description: 'Rejects the receivable with a reason (the obligor). Its invoices leave the registry.',
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID(), reason: t.arg.string({ validate: reasonArg }) },
    resolve: async (query, _root, { id, reason }, ctx) => {
      await decideOnReceivable(ctx, ctx.viewer, rowIdOf(id, 'Receivable'), { kind: 'REJECT', reason });
      return ctx.prisma.receivable.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Receivable') } });
    },
  }),
  cancelReceivable: t.prismaField({
    type: 'Receivable',
    description: 'Withdraws the receivable before financing (the supplier). Its invoices leave the registry.',
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID(), reason: t.arg.string({ validate: reasonArg }) },
    resolve: async (query, _root, { id, reason }, ctx) => {
      await decideOnReceivable(ctx, ctx.viewer, rowIdOf(id, 'Receivable'), { kind: 'CANCEL', reason });
      return ctx.prisma.receivable.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Receivable') } });
    },
  }),
}));

builder.prismaNode('Notification', {
  description: "A message in your party's inbox.",
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleNotificationsWhere(ctx.viewer)),
  fields: (t) => ({
    kind: t.exposeString('kind'),
    subject: t.exposeString('subject'),
    body: t.exposeString('body'),
    receivable: t.relation('receivable', { nullable: true }),
    financing: t.prismaField({
      type: 'Financing',
      nullable: true,
      description: 'The financing the message is about, if you may see it.',
      resolve: async (query, notification, _args, ctx) => {
        const { financingId } = notification;
        if (!financingId) return null;
        // The page's notifications select the same fields: their financings are read together.
        const found = await batchLoad(ctx, `Notification.financing:${JSON.stringify(query)}`, financingId, async (ids) => {
          const select = 'select' in query && query.select ? { select: { ...query.select, id: true } } : {};
          const rows = await ctx.prisma.financing.findMany({ ...query, ...select, where: { AND: [{ id: { in: ids } }, visibleFinancingsWhere(ctx.viewer)] } });
          return new Map(rows.map((row) => [row.id, row]));
        });
        return found ?? null;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('notifications', (t) =>
  t.prismaConnection({
    type: 'Notification',
    nullable: true,
    cursor: 'id',
    totalCount: (_root, _args, ctx) => ctx.prisma.notification.count({ where: visibleNotificationsWhere(ctx.viewer) }),
    description: "Your party's inbox, newest first.",
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.notification.findMany({ ...query, where: visibleNotificationsWhere(ctx.viewer), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
);

