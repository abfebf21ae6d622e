import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalExecutable } from '../../scripts/lib/temporal-tools';
import { PAYLOAD_CONVERTER_PATH } from '../../workflows/contracts/payload-converter-path';

/**
 * A time-skipping Temporal server (the PyPI test server). Use `env.client`, not a plain
 * Client: only it lets time skip while a test awaits a workflow's result.
 */
export function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: temporalExecutable('testServer') },
    client: { dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } },
  });
}
