import { randomUUID } from 'node:crypto';
import { assertPermitted, type Actor } from '../domain/actor';
import { runSystemCheckWorkflow } from '../workflows/client/system-check-client';
import type { SystemCheckResult } from '../workflows/contracts/system-check';
import type { UseCaseContext } from './use-case-context';

/** An operator proves the whole path: API → Temporal → worker → PostgreSQL and back. */
export async function runSystemCheck(ctx: UseCaseContext, actor: Actor): Promise<SystemCheckResult> {
  assertPermitted(actor, 'RUN_SYSTEM_CHECK');
  return runSystemCheckWorkflow(ctx.temporal, ctx.taskQueue, `${ctx.requestId}-${randomUUID()}`);
}
