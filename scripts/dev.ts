// `npm start`: the whole service in one process for a developer's machine. PostgreSQL and
// Temporal are started here unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere; the
// worker and the API are the same modules the deployed processes run.
import { readFileSync, writeFileSync } from 'node:fs';
import { cutOffSettings, DEVELOPMENT_PEPPER, graphqlTools, loadBankSettingsOrExit, loadConfigOrExit, logLevelOrExit, financingSettings, heavyQuerySettings, rateLimitSettings, receivableSettings } from '../api/config';
import { createLogger, maskUrl } from '../api/logger';
import { startApiServer } from '../api/server';
import { createPrismaClient } from '../prisma/client';
import { ensurePlatformAccounts, openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { registerEscrowAccount } from '../prisma/stores/escrow-account-store';
import { databaseIsEmpty, formatTokens, seedDevelopmentData, type SeededToken } from '../prisma/seed';
import { createBankAdapter } from '../bank/create-bank-adapter';
import { createActivities } from '../workflows/activities';
import { createTemporalClient } from '../workflows/client/temporal-client';
import { runSystemCheckWorkflow } from '../workflows/client/system-check-client';
import { createWorker, NativeConnection } from '../workflows/worker/create-worker';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { startInboundPoller } from '../workflows/worker/inbound-poller';
import { repeatEvery } from '../workflows/worker/repeat-every';
import { fetchBankStatements } from '../use-cases/fetch-bank-statements';
import { renderReconciliationReportPdfs } from '../workflows/worker/render-reconciliation-report-pdfs';
import { reissueSettlementStatements } from '../workflows/worker/reissue-settlement-statements';
import { startWakeUpDelivery } from '../workflows/worker/wake-up-delivery';
import { ensureCutOffSchedule } from '../workflows/worker/cut-off-schedule';
import { ensureVoucherDefaultSchedule } from '../workflows/worker/voucher-default-schedule';
import { startSecretSealErasure } from '../workflows/worker/secret-seal-erasure';
import { deliverWakeUps } from '../use-cases/deliver-wake-ups';
import { dispatchWebhookDeliveries } from '../use-cases/dispatch-webhook-deliveries';
import { startVoucherPayments } from '../use-cases/start-voucher-payments';
import { startWebhookDispatch } from '../workflows/worker/webhook-dispatch';
import { installTemporalLogging } from '../workflows/worker/temporal-logging';
import { DEV_TOKENS_PATH, RUN_LOCK_PATH, startDatabase, startTemporal } from './lib/local-stack';
import { acquireRunLock } from './lib/run-lock';
import { graphiqlToken } from './lib/graphiql-token';

const startedAt = performance.now();
const STARTUP_CHECK_TIMEOUT_MS = 30_000;
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

const nodeEnv = process.env.NODE_ENV ?? 'development';
// Which bank, before anything starts: it decides which migrations run, and a refused choice
// (the simulator in production) must stop the process before it has touched the data folder.
const bankSettings = loadBankSettingsOrExit({ ...process.env, NODE_ENV: nodeEnv });

const lock = acquireRunLock(RUN_LOCK_PATH);
if ('heldBy' in lock) {
  process.stderr.write(
    `The service is already running from this folder (pid ${lock.heldBy.pid}, since ${lock.heldBy.startedAt})` +
      `${lock.heldBy.graphqlUrl ? ` at ${lock.heldBy.graphqlUrl}` : ''}.\nStop it with Ctrl-C in its terminal (or kill ${lock.heldBy.pid}) before starting another.\n`,
  );
  process.exit(1);
}
const runLock = lock;

const stops: Array<() => Promise<unknown>> = [];
let stoppingSince = 0;

async function shutdown(code: number): Promise<void> {
  // A second Ctrl-C forces the exit, but not one that arrives with the first: a terminal
  // signals the whole process group and tsx relays the signal too, so one press can arrive twice.
  if (stoppingSince > 0) {
    if (Date.now() - stoppingSince > 2000) process.exit(code);
    return;
  }
  stoppingSince = Date.now();
  say('stopping…');
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      process.stderr.write(`[start] while stopping: ${(error as Error).message}\n`);
    }
  }
  runLock.release();
  say('stopped');
  process.exit(code);
}
// A library's signal handler that stops its part and exits on the first signal (embedded-
// postgres's launcher had one) would cut our ordered shutdown short; this process stops
// everything itself.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const logger = createLogger({ level: logLevelOrExit(), pretty: nodeEnv === 'development' });
// Before anything connects to Temporal (the dev server's own client included). Signals are
// handled here, so that everything stops in order.
installTemporalLogging(logger, 'WARN', { shutdownSignals: [] });

try {
  const database = await startDatabase(say, { bankSimulator: bankSettings.BANK_ADAPTER === 'simulator' });
  stops.push(() => database.stop());
  const temporalServer = await startTemporal(say);
  stops.push(() => temporalServer.stop());

  const config = loadConfigOrExit({
    ...process.env,
    NODE_ENV: nodeEnv,
    DATABASE_URL: database.databaseUrl,
    TEMPORAL_ADDRESS: temporalServer.address,
    API_KEY_PEPPER: process.env.API_KEY_PEPPER ?? DEVELOPMENT_PEPPER,
  });

  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolMax: config.DB_POOL_MAX });
  // BANK_ADAPTER chooses the bank; by default the simulator stands in for the custody bank
  // (docs/bank-simulator.md).
  const bank = await createBankAdapter(config);
  stops.push(() => bank.close());
  stops.push(() => prisma.$disconnect());

  // Idempotent: brings a data folder created by an older version up to the current chart of accounts.
  await ensurePlatformAccounts(prisma);
  for (const party of await prisma.party.findMany({ where: { ledgerAccounts: { none: {} } } })) await openPartyAccounts(prisma, party);

  let tokens: SeededToken[] | undefined;
  if (await databaseIsEmpty(prisma)) {
    say('empty database: seeding development parties and users');
    tokens = await seedDevelopmentData(prisma, config.API_KEY_PEPPER);
    writeFileSync(DEV_TOKENS_PATH, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  } else if (!process.env.DATABASE_URL) {
    try {
      tokens = JSON.parse(readFileSync(DEV_TOKENS_PATH, 'utf8')) as SeededToken[];
    } catch {
      tokens = undefined;
    }
  }

  const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection: workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: createActivities({ prisma, logger, bank: bank.adapter }),
  });
  const workerRun = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await workerRun;
    await workerConnection.close();
  });

  const temporal = await createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  stops.push(() => temporal.connection.close());
  await ensureCutOffSchedule(temporal, { settings: cutOffSettings(config), taskQueue: config.TEMPORAL_TASK_QUEUE }, logger);
  await ensureVoucherDefaultSchedule(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE }, logger);
  const inbound = { prisma, bank: bank.adapter, temporal, logger };
  const delivery = startWakeUpDelivery(() => deliverWakeUps(inbound), config.BANK_POLL_INTERVAL_MS, logger);
  stops.push(() => delivery.stop());
  const webhooks = startWebhookDispatch(() => dispatchWebhookDeliveries({ prisma, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, logger }), logger);
  stops.push(() => webhooks.stop());
  const voucherPayments = repeatEvery(() => startVoucherPayments({ prisma, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, logger }), config.BANK_POLL_INTERVAL_MS, logger, {
    immediately: true,
    failure: 'starting voucher payment distributions failed; retrying at the next pass',
  });
  stops.push(() => voucherPayments.stop());
  const poller = startInboundPoller(() => bookInboundCredits(inbound), config.BANK_POLL_INTERVAL_MS, logger);
  stops.push(() => poller.stop());
  // The escrow account's statements up to yesterday, fetched and reconciled as the deployed worker does (workflows/worker/main.ts).
  // The bank adapter's escrow account, registered as the deployed worker does: only its statements are imported.
  for (const currency of config.BANK_STATEMENT_CURRENCIES) await registerEscrowAccount(prisma, logger, { currency, accountNumber: bank.adapter.escrowAccountNumberOf(currency) }, new Date());
  const reconciliationSettings = { escalateAfterDays: config.RECONCILIATION_ESCALATE_AFTER_DAYS, cutOff: cutOffSettings(config) };
  const statementFetch = { ...inbound, currencies: config.BANK_STATEMENT_CURRENCIES, reconciliationSettings };
  const statements = repeatEvery(() => fetchBankStatements(statementFetch, new Date()), config.BANK_STATEMENT_FETCH_INTERVAL_MS, logger, {
    immediately: true,
    failure: 'fetching or importing bank statements failed; retrying at the next turn',
  });
  stops.push(() => statements.stop());
  const reportPdfs = repeatEvery(() => renderReconciliationReportPdfs(inbound), config.BANK_POLL_INTERVAL_MS, logger, {
    immediately: true,
    failure: 'rendering reconciliation report PDFs failed; retrying at the next turn',
  });
  stops.push(() => reportPdfs.stop());
  const reissues = repeatEvery(() => reissueSettlementStatements(inbound), config.BANK_POLL_INTERVAL_MS, logger, {
    immediately: true,
    failure: 'reissuing settlement statements failed; retrying at the next turn',
  });
  stops.push(() => reissues.stop());
  const seals = startSecretSealErasure(prisma, logger);
  stops.push(() => seals.stop());
  const api = await startApiServer(
    {
      prisma,
      temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      logger,
      apiKeyPepper: config.API_KEY_PEPPER,
      // GraphiQL opens with the operator maker's seeded token in its headers (scripts/lib/graphiql-token.ts says when not).
      graphiql: graphqlTools(config).graphiql && { bearerToken: graphiqlToken({ tokens, nodeEnv: config.NODE_ENV, apiHost: config.API_HOST }) },
      introspection: graphqlTools(config).introspection,
      corsOrigins: config.CORS_ORIGINS,
      receivableSettings: receivableSettings(config),
      financingSettings: financingSettings(config),
      payoutAccountCoolingOffMs: config.PAYOUT_ACCOUNT_COOLING_OFF_HOURS * 3_600_000,
      apiKeyLifetimeDays: config.API_KEY_LIFETIME_DAYS,
      reconciliationSettings,
      heavyQueries: heavyQuerySettings(config),
      // Development only, and only with the simulator: play the bank (send money in, script
      // payouts) from GraphiQL. These mutations exist in the schema only when this is set.
      devBank: bank.simulator && config.NODE_ENV !== 'production' ? { simulator: bank.simulator, processInbound: () => bookInboundCredits(inbound) } : null,
    },
    { host: config.API_HOST, port: config.API_PORT, rateLimit: rateLimitSettings(config) },
  );
  stops.push(() => api.close());
  runLock.update({ graphqlUrl: api.url });

  // Prove the whole path works before saying so.
  // The first run waits for the worker's first workflow task (bundling the workflow code): a longer bound.
  const check = await runSystemCheckWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, `startup-${Date.now()}`, STARTUP_CHECK_TIMEOUT_MS);

  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const banner = [
    '',
    `Supply-chain finance service is up (${seconds} s). PostgreSQL ${check.database.serverVersion}, ${check.database.appliedMigrations} migrations.`,
    `  GraphQL endpoint  ${api.url}`,
    `  GraphiQL          ${api.url}  (open in a browser)`,
    `  Temporal UI       ${temporalServer.uiUrl ?? '(external Temporal: see your cluster)'}`,
    `  Temporal          ${config.TEMPORAL_ADDRESS}  namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
    `  PostgreSQL        ${maskUrl(config.DATABASE_URL)}`,
    '',
    tokens ? formatTokens(tokens) : 'API tokens: run `npm run seed` to issue development tokens.',
    '',
    'Try:  curl -s ' + api.url + " -H 'Content-Type: application/json' -H 'Authorization: Bearer <token>' -d '{\"query\":\"{ viewer { party { legalName } } }\"}'",
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`[start] failed: ${(error as Error).message}\n`);
  await shutdown(1);
}
