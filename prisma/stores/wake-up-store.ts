import type { FinancingWakeUp, FinancingWakeUpSignal, PrismaClient } from '../client';
import type { Tx } from './run-transaction';

// The outbox of the financing workflows' wake-ups (docs/ledger.md, "Wake-ups"). A booking that
// concerns a waiting workflow records "wake financing X" in its own database transaction, so
// the wake-up exists exactly when the money does; the worker delivers it as a Signal afterwards
// and marks it delivered. A crash between the two leaves it undelivered, and the next delivery
// (at the worker's start-up, then on every poll) sends it: at least once. A Signal twice is
// harmless: a woken workflow looks at the database and finds nothing new the second time.

/** Wake-ups delivered per pass; the next pass takes the rest. */
export const WAKE_UP_BATCH_MAX = 100;

export interface WakeUpInput {
  financingId: string;
  signal: FinancingWakeUpSignal;
  /** What calls for it, e.g. `inbound:<bank reference>`: the same cause wakes a financing once. */
  cause: string;
}

/** Records wake-ups inside the caller's transaction (the booking's). */
export async function recordWakeUps(tx: Tx, wakeUps: readonly WakeUpInput[]): Promise<void> {
  if (wakeUps.length === 0) return;
  await tx.financingWakeUp.createMany({ data: wakeUps.map((wakeUp) => ({ ...wakeUp, cause: wakeUp.cause.slice(0, 200) })), skipDuplicates: true });
}

/**
 * The financings of a funder that wait for its funding account to be topped up, to be woken by
 * a top-up booked in `tx`. Read in the booking's transaction: a financing that starts waiting
 * after it commits finds the money when it tries.
 */
export async function fundingWakeUpsFor(tx: Tx, funderPartyId: string, currency: string, cause: string): Promise<WakeUpInput[]> {
  const waiting = await tx.financing.findMany({ where: { funderPartyId, currency, status: 'FUNDING_PENDING' }, select: { id: true }, orderBy: { id: 'asc' } });
  return waiting.map(({ id }) => ({ financingId: id, signal: 'FUNDING_AVAILABLE' as const, cause }));
}

/** The oldest wake-ups not yet delivered. */
export function pendingWakeUps(prisma: PrismaClient, limit = WAKE_UP_BATCH_MAX): Promise<FinancingWakeUp[]> {
  return prisma.financingWakeUp.findMany({ where: { deliveredAt: null }, orderBy: { id: 'asc' }, take: Math.min(Math.max(1, limit), WAKE_UP_BATCH_MAX) });
}

/** The Signal went out (or the workflow had ended, `workflowRunning` false): never sent again. */
export async function markWakeUpDelivered(prisma: PrismaClient, id: bigint, workflowRunning: boolean, at = new Date()): Promise<void> {
  await prisma.financingWakeUp.updateMany({ where: { id, deliveredAt: null }, data: { deliveredAt: at, workflowRunning, attempts: { increment: 1 } } });
}

/** The Signal could not be sent (Temporal unreachable): tried again at the next pass. */
export async function markWakeUpFailed(prisma: PrismaClient, id: bigint, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await prisma.financingWakeUp.updateMany({ where: { id, deliveredAt: null }, data: { attempts: { increment: 1 }, lastError: message.slice(0, 500) } });
}
