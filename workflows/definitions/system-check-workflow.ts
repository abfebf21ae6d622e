import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { SystemCheckResult } from '../contracts/system-check';

const { checkDatabase } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 5 },
});

/**
 * End-to-end health probe: API → Temporal → worker → PostgreSQL and back. `npm start`
 * runs it before announcing readiness, and operators can run it through the API.
 */
export async function systemCheckWorkflow(): Promise<SystemCheckResult> {
  const database = await checkDatabase();
  return { workflowId: workflowInfo().workflowId, database, completedAt: new Date() };
}
