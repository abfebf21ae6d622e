import { VOUCHER_PARTS_MAX } from '../../domain/voucher-rules';
import { z } from 'zod';
import { VoucherPartStatus as PartStatusValues, VoucherStatus as VoucherStatusValues, VoucherTransferStatus as TransferStatusValues } from '../../prisma/generated/client/enums';
import type { Voucher, VoucherPart } from '../../prisma/client';
import { visibleDocumentsWhere } from '../../prisma/stores/visibility';
import {
  assigneeVisible,
  heldPartsWhere,
  ownTransfersWhere,
  partFinancingsOf,
  partHolding,
  partHoldingUnassigned,
  visiblePartIds,
  visiblePartsWhere,
  visibleTransfersWhere,
  visibleVouchersWhere,
  type PartFinancing,
} from '../../prisma/stores/voucher-store';
import { partStatusAsSeen } from '../../domain/voucher-rules';
import { isoDateOfColumn } from '../../domain/business-date';
import { ConflictError, LimitExceededError, ReceivableEncumberedError, WrongStateError } from '../../domain/errors';
import { REASON_LENGTH_MAX, RECEIVABLE_INVOICES_MAX } from '../../domain/receivable-rules';
import { decideOnVoucherTransfer, type VoucherTransferDecisionInput } from '../../use-cases/decide-on-voucher-transfer';
import { issueVoucher } from '../../use-cases/issue-voucher';
import { proposeVoucherTransfer } from '../../use-cases/propose-voucher-transfer';
import { renderTransferCertificate } from '../../use-cases/render-transfer-certificate';
import { describeVoucherAcceptanceWorkflow } from '../../workflows/client/voucher-client';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { COMMON_ERRORS, LOOKUP_ERRORS } from '../errors';
import { rowIdOf, scopedById } from '../global-id';
import { Money, money } from '../money';
import { textUpTo } from '../validators';
import { Counterparty, WorkflowStatus } from './receivable';

// Vouchers (数字债权凭证, docs/workflows/voucher-acceptance.md). What a party sees follows the
// Confidentiality rule of the design: the issuer its vouchers whole, a holder its parts, the chain
// above them and the parts its own transfers created, a funder the parts it finances and the
// chain above them; anyone else nothing, as if it did not exist. A part's state and holding show
// its assignment only to those who may know its assignee (prisma/stores/voucher-store.ts).

const VoucherStatusEnum = builder.enumType('VoucherStatus', {
  values: Object.values(VoucherStatusValues),
  description: 'PENDING_APPROVAL → PENDING_ACCEPTANCE → ACTIVE (or REJECTED, REFUSED, EXPIRED) → PAID or DEFAULTED.',
});
const VoucherPartStatusEnum = builder.enumType('VoucherPartStatus', {
  values: Object.values(PartStatusValues),
  description: 'PENDING_ACCEPTANCE → ACTIVE (or REFUSED, EXPIRED: a part that never came to be) → FINANCING → FINANCED → PAID.',
});
const VoucherTransferStatusEnum = builder.enumType('VoucherTransferStatus', {
  values: Object.values(TransferStatusValues),
  description:
    'PENDING_APPROVAL → PENDING_ACCEPTANCE → ACCEPTED (or REFUSED, EXPIRED); PENDING_APPROVAL → REJECTED or CANCELLED; an offer to a company not yet registered → RECIPIENT_NAME_MISMATCH when the company registers under another name than the one given.',
});

interface VisibleParts {
  voucher: Voucher;
  parts: VoucherPart[];
  /** The financings of all of the voucher's parts: who may know of an assignment is decided from them. */
  financings: PartFinancing[];
}

/** Every part of a voucher the caller may see, with the voucher: one read per voucher and request. */
function visibleParts(ctx: GraphQLContext, voucherId: string): Promise<VisibleParts> {
  const cache = ctx as GraphQLContext & { voucherParts?: Map<string, Promise<VisibleParts>> };
  cache.voucherParts ??= new Map();
  let found = cache.voucherParts.get(voucherId);
  if (!found) {
    found = (async () => {
      const voucher = await ctx.prisma.voucher.findUniqueOrThrow({ where: { id: voucherId } });
      const all = await ctx.prisma.voucherPart.findMany({ where: { voucherId }, include: { transferIn: { select: { approvedAt: true } } }, orderBy: { partNumber: 'asc' } });
      const financings = await partFinancingsOf(ctx.prisma, voucherId);
      const visible = visiblePartIds(all, voucher, ctx.viewer, financings);
      return { voucher, parts: all.filter((part) => visible.has(part.id)), financings };
    })();
    cache.voucherParts.set(voucherId, found);
  }
  return found;
}

/** Whether the caller may know that this part is assigned (and to whom). */
async function knowsAssignment(ctx: GraphQLContext, part: VoucherPart): Promise<boolean> {
  const { voucher, financings } = await visibleParts(ctx, part.voucherId);
  return assigneeVisible(part, voucher, ctx.viewer, financings);
}

interface LineageNode {
  part: VoucherPart;
  children: LineageNode[];
}

const VoucherLineageNode = builder.objectRef<LineageNode>('VoucherLineageNode');
VoucherLineageNode.implement({
  description: 'A part and the parts transferred from it that you may see.',
  fields: (t) => ({
    part: t.prismaField({ type: 'VoucherPart', resolve: (_query, node) => node.part }),
    children: t.field({ type: [VoucherLineageNode], description: `The parts transferred from it that you may see, at most ${VOUCHER_PARTS_MAX} (the parts of a voucher).`, resolve: (node) => node.children }),
  }),
});

builder.prismaNode('Voucher', {
  description: "A voucher (数字债权凭证): a core enterprise's confirmed payable, issued to a first holder and passed down the supply chain in parts.",
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleVouchersWhere(ctx.viewer)),
  fields: (t) => ({
    voucherNumber: t.exposeString('voucherNumber'),
    status: t.field({ type: VoucherStatusEnum, resolve: (voucher) => voucher.status }),
    issuer: t.relation('issuer', { type: Counterparty }),
    amount: t.field({ type: Money, resolve: (voucher) => money(voucher.amount, voucher.currency) }),
    dueDate: t.field({ type: 'Date', resolve: (voucher) => isoDateOfColumn(voucher.dueDate) }),
    issuedAt: t.expose('issuedAt', { type: 'DateTime' }),
    acceptedAt: t.expose('acceptedAt', { type: 'DateTime', nullable: true }),
    closedReason: t.exposeString('closedReason', { nullable: true }),
    parts: t.prismaField({
      type: ['VoucherPart'],
      description: `The parts you may see, in creation order, at most ${VOUCHER_PARTS_MAX}: all of them to the issuer; to a holder its own, the chain above them and the parts its transfers created; to a funder the parts it finances and the chain above them.`,
      resolve: async (_query, voucher, _args, ctx) => (await visibleParts(ctx, voucher.id)).parts,
    }),
  }),
});

export const VoucherPartRef = builder.prismaNode('VoucherPart', {
  description: 'One holding of a voucher by one party. The root part is the issue; every other part was transferred from its parent.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visiblePartsWhere(ctx.viewer)),
  fields: (t) => ({
    partNumber: t.exposeString('partNumber'),
    tier: t.exposeInt('tier'),
    status: t.field({
      type: VoucherPartStatusEnum,
      description: 'FINANCING and FINANCED show only to those who may know of the assignment (its holder, its funder, the issuer under open assignment); anyone else sees ACTIVE.',
      resolve: async (part, _args, ctx) => partStatusAsSeen(part.status, await knowsAssignment(ctx, part)),
    }),
    holder: t.relation('holder', { type: Counterparty }),
    voucher: t.relation('voucher'),
    originalAmount: t.field({ type: Money, description: 'What the part received when it was created.', resolve: (part) => money(part.originalAmount, part.currency) }),
    heldAmount: t.field({ type: Money, description: 'What it holds: received, less what it transferred away.', resolve: (part) => money(part.heldAmount, part.currency) }),
    holding: t.field({
      type: Money,
      description:
        "The part's claim in the ledger's memo book, now or as of a past instant (the holdings at any past time are a balance query). To those who may not know of an assignment, the claim whoever holds it: the holder's and its funder's together.",
      args: { asOf: t.arg({ type: 'DateTime', required: false }) },
      resolve: async (part, { asOf }, ctx) =>
        money((await knowsAssignment(ctx, part)) ? await partHolding(ctx.prisma, part.claimAccountId, asOf ?? null) : await partHoldingUnassigned(ctx.prisma, part, asOf ?? null), part.currency),
    }),
    acceptedAt: t.expose('acceptedAt', { type: 'DateTime', nullable: true }),
    chain: t.prismaField({
      type: ['VoucherPart'],
      description: 'The holders from the issue down to this part, root first, one per tier (as on its transfer certificate).',
      resolve: async (_query, part, _args, ctx) => {
        const { parts } = await visibleParts(ctx, part.voucherId);
        const byId = new Map(parts.map((each) => [each.id, each]));
        const chain: VoucherPart[] = [];
        for (let at: VoucherPart | undefined = byId.get(part.id); at; at = at.parentPartId ? byId.get(at.parentPartId) : undefined) chain.unshift(at);
        return chain;
      },
    }),
    lineage: t.field({
      type: VoucherLineageNode,
      description: 'The tree below this part, as far as you may see it (the issuer: all of it; a holder: the parts its own transfers created; a funder: nothing below the part it finances).',
      resolve: async (part, _args, ctx) => {
        const { parts } = await visibleParts(ctx, part.voucherId);
        const children = new Map<string, VoucherPart[]>();
        for (const each of parts) if (each.parentPartId) children.set(each.parentPartId, [...(children.get(each.parentPartId) ?? []), each]);
        const build = (at: VoucherPart): LineageNode => ({ part: at, children: (children.get(at.id) ?? []).map(build) });
        return build(parts.find((each) => each.id === part.id) ?? part);
      },
    }),
  }),
});

builder.prismaObject('VoucherTransferInvoice', {
  fields: (t) => ({
    lineNumber: t.exposeInt('lineNumber'),
    invoiceCode: t.exposeString('invoiceCode'),
    invoiceNumber: t.exposeString('invoiceNumber'),
    amount: t.field({ type: Money, select: { amount: true, transfer: { select: { currency: true } } }, resolve: (invoice) => money(invoice.amount, invoice.transfer.currency) }),
    issueDate: t.field({ type: 'Date', resolve: (invoice) => isoDateOfColumn(invoice.issueDate) }),
  }),
});

builder.prismaNode('VoucherTransfer', {
  description: 'The issue of a voucher (no from part) or a transfer of an amount from one part to a new one, with its trade background.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleTransfersWhere(ctx.viewer)),
  fields: (t) => ({
    transferNumber: t.exposeString('transferNumber'),
    status: t.field({ type: VoucherTransferStatusEnum, resolve: (transfer) => transfer.status }),
    isIssue: t.boolean({ description: 'True for the issue (from the issuer, no from part).', resolve: (transfer) => transfer.fromPartId === null }),
    voucher: t.relation('voucher'),
    fromPart: t.relation('fromPart', { nullable: true }),
    toPart: t.relation('toPart', { nullable: true, description: 'The part the transfer creates; null while the recipient is a company not yet registered (its part is created when it registers).' }),
    transferor: t.relation('fromParty', { type: Counterparty }),
    recipient: t.relation('toParty', { type: Counterparty, nullable: true, description: 'The recipient party; null while it is a company not yet registered (see recipientCreditCode and recipientName).' }),
    recipientRegistered: t.boolean({ description: 'False while the recipient is a company not yet registered on the platform: the offer waits for it to register.', resolve: (transfer) => transfer.toPartyId !== null }),
    recipientCreditCode: t.string({
      description: "The recipient's unified social credit code: the party's, or the one the transferor gave for a company not yet registered.",
      select: { recipientCreditCode: true, toParty: { select: { creditCode: true } } },
      resolve: (transfer) => transfer.toParty?.creditCode ?? transfer.recipientCreditCode!,
    }),
    recipientName: t.string({
      description: "The recipient's name: the party's registered name, or the one the transferor gave for a company not yet registered.",
      select: { recipientName: true, toParty: { select: { legalName: true } } },
      resolve: (transfer) => transfer.toParty?.legalName ?? transfer.recipientName!,
    }),
    amount: t.field({ type: Money, resolve: (transfer) => money(transfer.amount, transfer.currency) }),
    contractNumber: t.exposeString('contractNumber'),
    invoices: t.relation('invoices', { description: `Its invoices in line order, at most ${RECEIVABLE_INVOICES_MAX} (fixed at proposal).`, query: { orderBy: { lineNumber: 'asc' } } }),
    proposedAt: t.expose('proposedAt', { type: 'DateTime' }),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    acceptanceDeadline: t.expose('acceptanceDeadline', { type: 'DateTime' }),
    closedReason: t.exposeString('closedReason', { nullable: true }),
    workflow: t.field({ type: WorkflowStatus, resolve: (transfer, _args, ctx) => describeVoucherAcceptanceWorkflow(ctx.temporal, transfer.id) }),
    certificate: t.prismaField({
      type: 'Document',
      nullable: true,
      description:
        'The transfer certificate (转让凭证, a PDF with the chain of holders), rendered once the transfer or issue is accepted: null before then, and to anyone but its transferor, its recipient and operators.',
      resolve: (query, transfer, _args, ctx) =>
        ctx.prisma.document.findFirst({ ...query, where: { AND: [{ voucherTransferId: transfer.id, kind: 'TRANSFER_CERTIFICATE' }, visibleDocumentsWhere(ctx.viewer)] } }),
    }),
  }),
});

builder.queryFields((t) => ({
  voucher: t.prismaField({
    type: 'Voucher',
    nullable: true,
    description: 'A voucher by id; null when there is none or you may not see it.',
    args: { id: t.arg.globalID() },
    resolve: (query, _root, { id }, ctx) => ctx.prisma.voucher.findFirst({ ...query, where: scopedById(rowIdOf(id, 'Voucher'), visibleVouchersWhere(ctx.viewer)) }),
  }),
  vouchersHeld: t.prismaConnection({
    type: 'VoucherPart',
    nullable: true,
    cursor: 'id',
    description: 'The parts your party holds or was offered, newest first.',
    args: { status: t.arg({ type: [VoucherPartStatusEnum], required: false }) },
    totalCount: (_root, { status }, ctx) => ctx.prisma.voucherPart.count({ where: heldWhere(ctx, status) }),
    resolve: (query, _root, { status }, ctx) => ctx.prisma.voucherPart.findMany({ ...query, where: heldWhere(ctx, status), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
  vouchersIssued: t.prismaConnection({
    type: 'Voucher',
    nullable: true,
    cursor: 'id',
    description: 'The vouchers your party issued (core enterprises), newest first.',
    totalCount: (_root, _args, ctx) => ctx.prisma.voucher.count({ where: { issuerPartyId: ctx.viewer.partyId } }),
    resolve: (query, _root, _args, ctx) => ctx.prisma.voucher.findMany({ ...query, where: { issuerPartyId: ctx.viewer.partyId }, orderBy: [{ issuedAt: 'desc' }, { id: 'desc' }] }),
  }),
  voucherTransfers: t.prismaConnection({
    type: 'VoucherTransfer',
    nullable: true,
    cursor: 'id',
    description: 'Transfers your party made or was offered (with status PENDING_ACCEPTANCE: the inbox), newest first.',
    args: { status: t.arg({ type: [VoucherTransferStatusEnum], required: false }) },
    totalCount: (_root, { status }, ctx) => ctx.prisma.voucherTransfer.count({ where: transfersWhere(ctx, status) }),
    resolve: (query, _root, { status }, ctx) => ctx.prisma.voucherTransfer.findMany({ ...query, where: transfersWhere(ctx, status), orderBy: [{ proposedAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

/** Own parts only, operators included, each from the moment it was offered: the list is a party's holdings. */
function heldWhere(ctx: GraphQLContext, status: ReadonlyArray<(typeof PartStatusValues)[keyof typeof PartStatusValues]> | null | undefined) {
  return withStatus(heldPartsWhere(ctx.viewer.partyId), status);
}

/** Own transfers only, operators included, an offer from its approval on: the list is a party's inbox and outbox. */
function transfersWhere(ctx: GraphQLContext, status: ReadonlyArray<(typeof TransferStatusValues)[keyof typeof TransferStatusValues]> | null | undefined) {
  return withStatus(ownTransfersWhere(ctx.viewer.partyId), status);
}

/** A list's rows narrowed to the statuses asked for, when any are. */
function withStatus<Where, Status extends string>(where: Where, status: readonly Status[] | null | undefined) {
  return { AND: [where, status?.length ? { status: { in: [...status] } } : {}] };
}

const VoucherInvoiceInput = builder.inputType('VoucherInvoiceInput', {
  fields: (t) => ({
    invoiceCode: t.string({ validate: z.string().max(64) }),
    invoiceNumber: t.string({ validate: z.string().max(64) }),
    amount: t.string({ description: 'Decimal string, e.g. "600000.00".', validate: z.string().max(64) }),
    issueDate: t.field({ type: 'Date' }),
  }),
});

const IssueVoucherInput = builder.inputType('IssueVoucherInput', {
  fields: (t) => ({
    holderCreditCode: t.string({ description: "The first holder's unified social credit code.", validate: z.string().max(64) }),
    holderName: t.string({
      required: false,
      description: "The first holder's registered name: required when no party has the credit code yet (the voucher then waits for the company to register); when one has, it must be that party's name.",
      validate: z.string().max(400),
    }),
    contractNumber: t.string({ validate: z.string().max(256) }),
    currency: t.string({ validate: z.string().max(8) }),
    amount: t.string({ description: 'Decimal string; at most the sum of the invoice amounts.', validate: z.string().max(64) }),
    dueDate: t.field({ type: 'Date' }),
    invoices: t.field({ type: [VoucherInvoiceInput], validate: z.array(z.unknown()).max(1000) }),
    idempotencyKey: t.string({ description: 'Chosen by the client; repeating the request with the same key returns the same voucher.', validate: z.string().max(400) }),
  }),
});

const ProposeVoucherTransferInput = builder.inputType('ProposeVoucherTransferInput', {
  fields: (t) => ({
    fromPartId: t.globalID({ description: 'The part you hold and transfer from.' }),
    recipientCreditCode: t.string({ validate: z.string().max(64) }),
    recipientName: t.string({
      required: false,
      description: "The recipient's registered name: required when no party has the credit code yet (the offer then waits for the company to register); when one has, it must be that party's name.",
      validate: z.string().max(400),
    }),
    contractNumber: t.string({ validate: z.string().max(256) }),
    currency: t.string({ description: "The voucher's currency.", validate: z.string().max(8) }),
    amount: t.string({ description: 'Decimal string; at most what the part has available.', validate: z.string().max(64) }),
    invoices: t.field({ type: [VoucherInvoiceInput], validate: z.array(z.unknown()).max(1000) }),
    idempotencyKey: t.string({ description: 'Chosen by the client; repeating the request with the same key returns the same transfer.', validate: z.string().max(400) }),
  }),
});

const reasonArg = textUpTo(REASON_LENGTH_MAX);
const DECISION_ERRORS = [...LOOKUP_ERRORS, WrongStateError] as const;

builder.mutationFields((t) => {
  // The five decisions differ only in what they are and whether a reason is required.
  const decision = (kind: VoucherTransferDecisionInput['kind'], description: string, withReason: boolean) =>
    t.prismaField({
      type: 'VoucherTransfer',
      description,
      errors: { types: [...DECISION_ERRORS] },
      args: { id: t.arg.globalID(), reason: t.arg.string({ required: withReason, validate: reasonArg }) },
      resolve: async (query, _root, args, ctx) => {
        const id = rowIdOf(args.id, 'VoucherTransfer');
        const input = (withReason ? { kind, reason: args.reason ?? '' } : { kind }) as VoucherTransferDecisionInput;
        await decideOnVoucherTransfer(ctx, ctx.viewer, id, input);
        return ctx.prisma.voucherTransfer.findUniqueOrThrow({ ...query, where: { id } });
      },
    });
  return {
  issueVoucher: t.prismaField({
    type: 'Voucher',
    description: "Issues a voucher (开立) to a first holder (a core enterprise's MAKER). A CHECKER of the core approves it; the holder then accepts it.",
    errors: { types: [...COMMON_ERRORS, ConflictError, ReceivableEncumberedError] },
    args: { input: t.arg({ type: IssueVoucherInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { voucherId } = await issueVoucher(ctx, ctx.viewer, input);
      return ctx.prisma.voucher.findUniqueOrThrow({ ...query, where: { id: voucherId } });
    },
  }),
  proposeVoucherTransfer: t.prismaField({
    type: 'VoucherTransfer',
    description: 'Proposes a transfer (拆分流转) of part of what a part you hold has available. A CHECKER of your party approves it; the recipient then accepts it.',
    errors: { types: [...LOOKUP_ERRORS, ConflictError, WrongStateError, LimitExceededError, ReceivableEncumberedError] },
    args: { input: t.arg({ type: ProposeVoucherTransferInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { transferId } = await proposeVoucherTransfer(ctx, ctx.viewer, { ...input, fromPartId: rowIdOf(input.fromPartId, 'VoucherPart') });
      return ctx.prisma.voucherTransfer.findUniqueOrThrow({ ...query, where: { id: transferId } });
    },
  }),
  approveVoucherTransfer: decision('APPROVE', "Approves a transfer or issue (the transferor's CHECKER, never its maker): it is offered to the recipient.", false),
  rejectVoucherTransfer: decision('REJECT', "Rejects a transfer or issue before approval (the transferor's CHECKER): the hold is released.", true),
  cancelVoucherTransfer: decision('CANCEL', "Withdraws a transfer or issue before approval (the transferor's MAKER): the hold is released.", true),
  acceptVoucherTransfer: decision('ACCEPT', 'Accepts a transfer or issue (签收, the recipient): the part becomes yours.', false),
  refuseVoucherTransfer: decision('REFUSE', 'Refuses a transfer or issue (the recipient): the amount goes back to the transferor.', true),
  renderTransferCertificate: t.prismaField({
    type: 'Document',
    description:
      "Renders the transfer certificate (转让凭证) of an ACCEPTED transfer or issue whose rendering failed, from the stored facts, and answers with it (platform operators). Once: when it is stored already, it is answered as it is. WrongStateError when the transfer is not ACCEPTED.",
    errors: { types: [...DECISION_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, args, ctx) => {
      const { documentId } = await renderTransferCertificate(ctx, ctx.viewer, rowIdOf(args.id, 'VoucherTransfer'));
      return ctx.prisma.document.findUniqueOrThrow({ ...query, where: { id: documentId } });
    },
  }),
  };
});
