import { fileURLToPath } from 'node:url';
import { checkBreakingChanges, formatBreakingChangeReport } from './check-breaking-changes';
import { CONTRACT_PATH, loadSchemaContract, recordSchemaContract } from './schema-contract';

// npm run schema:check-breaking [-- --main=<branch or commit>] [-- --record]
// Compares the schema the API serves with its bases and fails on a breaking change that is not
// marked as intended (docs/api.md, "Changing the schema"). --record makes the current schema the
// contract once the check passes and main already has it.

const USAGE = 'usage: npm run schema:check-breaking [-- --main=<branch or commit>] [-- --record]';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--record' && !arg.startsWith('--main='));
if (unknown.length > 0) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
const mainRef = args.find((arg) => arg.startsWith('--main='))?.slice('--main='.length);

try {
  const contract = loadSchemaContract({ root: ROOT, ...(mainRef ? { mainRef } : {}) });
  for (const notice of contract.notices) process.stdout.write(`${notice}\n`);
  // Imported here so that a schema that does not build (a missing generated client, a Pothos
  // error) is reported in the one line below like any other failure.
  const { printedSchema } = await import('./index');
  const current = printedSchema();
  const report = await checkBreakingChanges({ current, ...contract });
  process.stdout.write(formatBreakingChangeReport(report));
  if (!report.passed) process.exit(1);
  if (args.includes('--record')) {
    recordSchemaContract(ROOT, current, contract, report);
    process.stdout.write(`Recorded the current schema as ${CONTRACT_PATH} and emptied the intended list.\n`);
  }
} catch (error) {
  process.stderr.write(`schema:check-breaking: ${(error as Error).message}\n`);
  process.exit(1);
}
