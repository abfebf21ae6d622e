import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJson } from './history-json';

// The replay test (workflows/workflow-histories.test.ts) replays real histories against the
// current workflow code. They are recorded from the integration tests' own scenarios: with
// RECORD_WORKFLOW_HISTORIES=1 (`npm run histories:record`), each scenario writes the history
// of the workflow it drove; without it, recording does nothing and the tests run as usual.

/** Where fixtures go: `workflows/histories/`, or WORKFLOW_HISTORIES_DIR when set. */
export const WORKFLOW_HISTORIES_DIR = resolve(process.env.WORKFLOW_HISTORIES_DIR ?? new URL('../../workflows/histories', import.meta.url).pathname);

export function recordingWorkflowHistories(): boolean {
  return process.env.RECORD_WORKFLOW_HISTORIES === '1';
}

/**
 * Writes the history of workflow `workflowId` as `<name>.json`. With `finished` (the default)
 * it first waits for the run to end, so the fixture holds the whole path; a scenario that
 * leaves its workflow running (a payout waiting for the bank) records what happened so far.
 */
export async function recordWorkflowHistory(client: Client, workflowId: string, name: string, { finished = true }: { finished?: boolean } = {}): Promise<void> {
  if (!recordingWorkflowHistories()) return;
  const handle = client.workflow.getHandle(workflowId);
  if (finished) await handle.result();
  const history = await handle.fetchHistory();
  await mkdir(WORKFLOW_HISTORIES_DIR, { recursive: true });
  await writeFile(join(WORKFLOW_HISTORIES_DIR, `${name}.json`), historyToJson(history));
}
