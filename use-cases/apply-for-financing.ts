import { assertPermitted, type Actor } from '../domain/actor';
import { findApplicationReplay } from '../prisma/stores/financing-store';
import { quoteFinancing } from '../prisma/stores/program-store';
import type { ApplicationInput } from '../workflows/contracts/financing';
import { applyForFinancingWithStart } from '../workflows/client/financing-client';
import { actorOf } from './actor-of';
import { derivedId } from './derived-id';
import type { UseCaseContext } from './use-case-context';

/**
 * A supplier applies to finance a confirmed receivable (docs/workflows/financing.md). The
 * application is the first Update of the financing's workflow, started in the same call: it
 * prices the financing exactly as quoteFinancing, reserves every credit limit and marks the
 * receivable FINANCING_PENDING, so a financing never exists without the workflow that drives
 * it. A repeat of an earlier request is answered from the database without touching Temporal.
 */
export async function applyForFinancing(ctx: UseCaseContext, actor: Actor, input: ApplicationInput): Promise<{ financingId: string; replayed: boolean }> {
  assertPermitted(actor, 'APPLY_FOR_FINANCING');
  const earlier = await findApplicationReplay(ctx.prisma, actor, input);
  if (earlier) return { financingId: earlier.financing.id, replayed: true };
  // Every rule a quote checks, before anything starts: bad input is answered at once and starts no workflow.
  await quoteFinancing(ctx.prisma, actor, input);
  const applied = await applyForFinancingWithStart(ctx.temporal, {
    taskQueue: ctx.taskQueue,
    financingId: derivedId('financing', actor.partyId, input.idempotencyKey.trim()),
    settings: ctx.financingSettings,
    args: { actor: actorOf(actor), input },
    updateId: `apply:${ctx.requestId}`,
  });
  ctx.logger.info({ financingId: applied.financingId, financingNumber: applied.financingNumber, replayed: applied.replayed }, 'financing applied for');
  return { financingId: applied.financingId, replayed: applied.replayed };
}
