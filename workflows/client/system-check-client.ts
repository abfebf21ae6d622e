import type { Client } from '@temporalio/client';
import { systemCheckWorkflow } from '../definitions/system-check-workflow';
import type { SystemCheckResult } from '../contracts/system-check';
import { workflowIds } from '../contracts/workflow-ids';

/** A health probe answers quickly or not at all. */
const SYSTEM_CHECK_TIMEOUT_MS = 15_000;

/** Runs the system check workflow and waits for its answer. */
export function runSystemCheckWorkflow(client: Client, taskQueue: string, requestId: string, timeoutMs = SYSTEM_CHECK_TIMEOUT_MS): Promise<SystemCheckResult> {
  return client.workflow.execute(systemCheckWorkflow, { taskQueue, workflowId: workflowIds.systemCheck(requestId), workflowExecutionTimeout: timeoutMs });
}
