// Starts what the integration tests need, once per run: a throwaway PostgreSQL cluster
// (migrated, the bank simulator's tables included, into a template database that each test
// file clones) and a Temporal dev server. Both run from temporary folders and are stopped and
// deleted at the end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PAYLOAD_CONVERTER_PATH } from '../workflows/contracts/payload-converter-path';
import { WORKFLOWS_PATH } from '../workflows/worker/create-worker';
import type { TestProject } from 'vitest/node';
import { migrate } from '../prisma/migrate';
import { LocalPostgresError, startLocalPostgres, type LocalPostgres } from '../scripts/lib/local-postgres';
import { temporalExecutable } from '../scripts/lib/temporal-tools';
import { freePort } from '../scripts/lib/free-port';

export const TEMPLATE_DATABASE = 'scf_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDatabase: string;
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

const silentBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  log: () => undefined,
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const baseDir = await mkdtemp(join(tmpdir(), 'scf-test-pg-'));
  let postgres: LocalPostgres;
  try {
    postgres = await startLocalPostgres({ baseDir, port: await freePort(), durable: false });
  } catch (error) {
    // Where PostgreSQL cannot run (see local-postgres.ts), say why in its one sentence rather
    // than as an unhandled error with a stack trace: nothing else has started yet.
    if (!(error instanceof LocalPostgresError)) throw error;
    await rm(baseDir, { recursive: true, force: true });
    process.stderr.write(`\nThe integration tests cannot run: ${error.message}\n`);
    process.exit(1);
  }
  await postgres.ensureDatabase(TEMPLATE_DATABASE);
  // The tests play the bank with the simulator (BANK_ADAPTER's default), so the template has its tables.
  await migrate(postgres.urlFor(TEMPLATE_DATABASE), { bankSimulator: true });

  const temporal = await TestWorkflowEnvironment.createLocal({
    server: { executable: temporalExecutable('cli'), ip: '127.0.0.1', log: { format: 'json', level: 'error' } },
  });
  const temporalAddress = temporal.connection.options.address;

  // Bundled once for the whole run; each test file's worker loads the same code.
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, payloadConverterPath: PAYLOAD_CONVERTER_PATH, logger: silentBundlerLogger });
  const workflowBundlePath = join(baseDir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('pgAdminUrl', postgres.adminUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('pgTemplateDatabase', TEMPLATE_DATABASE);
  project.provide('temporalAddress', temporalAddress);

  return async () => {
    await temporal.teardown();
    await postgres.stop();
    await rm(baseDir, { recursive: true, force: true });
  };
}
