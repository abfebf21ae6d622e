import type { PrismaClient } from '../client';
import type { Tx } from './run-transaction';
import { notifyOperators } from './operator-notices';

// A workflow step that reached its bound waits for an operator (docs/workflows/financing.md,
// "Bounds"). The mark lives on the financing or receivable, where the API shows it to
// operators, and every operator party is told in its inbox. Only the workflow writes it.

/** Whose workflow is waiting: a financing's, a receivable's, or a payout's of a balance (a withdrawal, a fee sweep). */
export type AttentionSubject = { financingId: string } | { receivableId: string } | { payoutId: string };

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
      await markSubject(tx, subject, mark);
      // A payout has no link of its own in the inbox: the notice names it.
      const link = 'payoutId' in subject ? {} : subject;
      await notifyOperators(tx, { kind: 'ATTENTION_NEEDED', subject: notice.subject, body: notice.body, ...link }, dedupeKey);
    },
    { timeout: TRANSACTION_TIMEOUT_MS },
  );
}

/** An operator resumed: the mark goes (the step runs again and marks anew if it reaches its bound again). */
export async function clearAttention(prisma: PrismaClient, subject: AttentionSubject): Promise<void> {
  await markSubject(prisma, subject, null);
}

async function markSubject(db: PrismaClient | Tx, subject: AttentionSubject, mark: AttentionMark | null): Promise<void> {
  if ('financingId' in subject) await db.financing.update({ where: { id: subject.financingId }, data: columns(mark) });
  else if ('receivableId' in subject) await db.receivable.update({ where: { id: subject.receivableId }, data: columns(mark) });
  else await db.payout.update({ where: { id: subject.payoutId }, data: columns(mark) });
}
