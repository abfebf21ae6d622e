import { isOperator } from '../../domain/actor';
import { WrongStateError } from '../../domain/errors';
import { resumeFinancing } from '../../use-cases/resume-financing';
import { resumeReceivable } from '../../use-cases/resume-receivable';
import { builder } from '../builder';
import { LOOKUP_ERRORS } from '../errors';
import { uuid } from '../validators';

// A workflow step that reached its bound waits for an operator (docs/workflows/financing.md,
// "Bounds"). Operators see it on the financing or receivable and resume it; everyone else sees
// null, so nothing about it (nor about a silent financing) reaches another party.

interface AttentionColumns {
  attentionStep: string | null;
  attentionReason: string | null;
  attentionSince: Date | null;
}

const WorkflowAttention = builder.objectRef<{ step: string; reason: string; since: Date }>('WorkflowAttention').implement({
  description: 'A step of the workflow that did not complete within its bound: the process waits for an operator to find the cause and resume it.',
  fields: (t) => ({
    step: t.exposeString('step', { description: 'The activity and what it was doing, e.g. submitPayout or notifyFinancingParty:FUNDER:FUNDING_REQUIRED.' }),
    reason: t.exposeString('reason', { description: 'The last failure, as the step reported it.' }),
    since: t.field({ type: 'DateTime', resolve: (attention) => attention.since }),
  }),
});

const ATTENTION_SELECT = { attentionStep: true, attentionReason: true, attentionSince: true } as const;

function attentionOf(row: AttentionColumns, viewer: Parameters<typeof isOperator>[0]) {
  if (!isOperator(viewer) || row.attentionStep === null || row.attentionReason === null || row.attentionSince === null) return null;
  return { step: row.attentionStep, reason: row.attentionReason, since: row.attentionSince };
}

const ATTENTION_DESCRIPTION = 'Operators only (null for everyone else): the step that waits for an operator, or null when the process is running by itself.';

builder.prismaObjectFields('Financing', (t) => ({
  attention: t.field({ type: WorkflowAttention, nullable: true, description: ATTENTION_DESCRIPTION, select: ATTENTION_SELECT, resolve: (row, _args, ctx) => attentionOf(row, ctx.viewer) }),
}));

builder.prismaObjectFields('Receivable', (t) => ({
  attention: t.field({ type: WorkflowAttention, nullable: true, description: ATTENTION_DESCRIPTION, select: ATTENTION_SELECT, resolve: (row, _args, ctx) => attentionOf(row, ctx.viewer) }),
}));

builder.mutationFields((t) => ({
  resumeFinancing: t.prismaField({
    type: 'Financing',
    description: "Runs again the step a financing's workflow is waiting at (attention), once its cause is fixed (platform operators). WrongStateError when nothing waits.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.id({ validate: uuid }) },
    resolve: async (query, _root, { id }, ctx) => {
      await resumeFinancing(ctx, ctx.viewer, String(id));
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  resumeReceivable: t.prismaField({
    type: 'Receivable',
    description: "Runs again the step a receivable's confirmation workflow is waiting at (attention), once its cause is fixed (platform operators). WrongStateError when nothing waits.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.id({ validate: uuid }) },
    resolve: async (query, _root, { id }, ctx) => {
      await resumeReceivable(ctx, ctx.viewer, String(id));
      return ctx.prisma.receivable.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
}));
