import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { startTestApi, type TestApi } from './api';
import type { TestDatabase } from './database';
import { TEST_FINANCING_WINDOWS } from './financings';
import { startTimeSkipping } from './time-skipping';

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  /** The simulated bank, on the workflow's clock. */
  bank: BankSimulator;
  api: TestApi;
  close(): Promise<void>;
}

/**
 * The money tests' stack: a fresh time-skipping server (the API stamps dates with the wall clock,
 * so the workflow's clock must start there too), the bank simulator reading that server's clock,
 * and the real API over HTTP on it.
 */
export async function startTimeSkippingStack(db: TestDatabase): Promise<TimeSkippingStack> {
  const env = await startTimeSkipping();
  const bank = new BankSimulator({ pool: db.url, clock: async () => new Date(await env.currentTimeMs()) });
  const api = await startTestApi(db.prisma, { temporalClient: env.client, financingSettings: TEST_FINANCING_WINDOWS });
  return {
    env,
    bank,
    api,
    async close() {
      await api.close();
      await bank.close();
      await env.teardown();
    },
  };
}
