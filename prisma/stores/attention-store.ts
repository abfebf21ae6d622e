import type { PrismaClient } from '../client';

// A workflow step that reached its bound waits for an operator (docs/workflows/financing.md,
// "Bounds"). The mark lives on the financing or receivable, where the API shows it to
// operators, and every operator party is told in its inbox. Only the workflow writes it.

/** Whose workflow is waiting. */
export type AttentionSubject = { financingId: string } | { receivableId: string };

export interface AttentionMark {
  step: string;
  reason: string;
  since: Date;
}

export interface AttentionNotice {
  subject: string;
  body: string;
}

const TRANSACTION_TIMEOUT_MS = 10_000;

function columns(mark: AttentionMark | null) {
  return { attentionStep: mark?.step ?? null, attentionReason: mark?.reason ?? null, attentionSince: mark?.since ?? null };
}

/**
 * Marks the financing or receivable and notifies every operator party, in one transaction;
 * `dedupeKey` (the workflow, the step and the time) makes a retried activity notify once.
 */
export async function recordAttention(prisma: PrismaClient, subject: AttentionSubject, mark: AttentionMark, notice: AttentionNotice, dedupeKey: string): Promise<void> {
  await prisma.$transaction(
    async (tx) => {
      if ('financingId' in subject) await tx.financing.update({ where: { id: subject.financingId }, data: columns(mark) });
      else await tx.receivable.update({ where: { id: subject.receivableId }, data: columns(mark) });
      const operators = await tx.party.findMany({ where: { roles: { has: 'PLATFORM' } }, select: { id: true } });
      await tx.notification.createMany({
        data: operators.map((operator) => ({ partyId: operator.id, kind: 'ATTENTION_NEEDED', subject: notice.subject, body: notice.body, ...subject, dedupeKey: `${dedupeKey}:${operator.id}` })),
        skipDuplicates: true,
      });
    },
    { timeout: TRANSACTION_TIMEOUT_MS },
  );
}

/** An operator resumed: the mark goes (the step runs again and marks anew if it reaches its bound again). */
export async function clearAttention(prisma: PrismaClient, subject: AttentionSubject): Promise<void> {
  if ('financingId' in subject) await prisma.financing.update({ where: { id: subject.financingId }, data: columns(null) });
  else await prisma.receivable.update({ where: { id: subject.receivableId }, data: columns(null) });
}
