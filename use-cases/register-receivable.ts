import { assertPermitted, type Actor } from '../domain/actor';
import type { RegistrationInput } from '../domain/receivable-rules';
import { findRegistrationReplay } from '../prisma/stores/receivable-store';
import { registerReceivableWithStart } from '../workflows/client/receivable-client';
import { actorOf } from './actor-of';
import { derivedId } from './derived-id';
import type { UseCaseContext } from './use-case-context';

/**
 * A supplier registers a receivable (docs/workflows/receivable.md). The registration is the
 * first Update of the receivable's confirmation workflow, started in the same call: the
 * receivable never exists without the workflow that asks the core enterprise to confirm it.
 * A repeat of an earlier request is answered from the database without touching Temporal.
 */
export async function registerReceivable(ctx: UseCaseContext, actor: Actor, input: RegistrationInput): Promise<{ receivableId: string; replayed: boolean }> {
  assertPermitted(actor, 'REGISTER_RECEIVABLE');
  const earlier = await findRegistrationReplay(ctx.prisma, actor, input);
  if (earlier) return { receivableId: earlier.receivable.id, replayed: true };
  const registered = await registerReceivableWithStart(ctx.temporal, {
    taskQueue: ctx.taskQueue,
    receivableId: derivedId('receivable', actor.partyId, input.idempotencyKey.trim()),
    settings: ctx.receivableSettings,
    args: { actor: actorOf(actor), input },
    updateId: `register:${ctx.requestId}`,
  });
  ctx.logger.info({ receivableId: registered.receivableId, registrationNumber: registered.registrationNumber, replayed: registered.replayed }, 'receivable registered');
  return { receivableId: registered.receivableId, replayed: registered.replayed };
}
