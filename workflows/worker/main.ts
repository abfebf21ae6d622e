// The worker process on its own, as deployed (docker-compose.yml runs it). `npm start`
// runs the same worker inside its single development process instead.
import { cutOffSettings, loadConfigOrExit, requireNodeEnvOrExit } from '../../api/config';
import { createLogger } from '../../api/logger';
import { createPrismaClient } from '../../prisma/client';
import { createBankAdapter } from '../../bank/create-bank-adapter';
import { createActivities } from '../activities';
import { createTemporalClient } from '../client/temporal-client';
import { createWorker, NativeConnection } from './create-worker';
import { bookInboundCredits } from '../../use-cases/book-inbound-credits';
import { deliverWakeUps } from '../../use-cases/deliver-wake-ups';
import { dispatchWebhookDeliveries } from '../../use-cases/dispatch-webhook-deliveries';
import { startVoucherPayments } from '../../use-cases/start-voucher-payments';
import { startWebhookDispatch } from './webhook-dispatch';
import { fetchBankStatements } from '../../use-cases/fetch-bank-statements';
import { registerEscrowAccount } from '../../prisma/stores/escrow-account-store';
import { renderReconciliationReportPdfs } from './render-reconciliation-report-pdfs';
import { reissueSettlementStatements } from './reissue-settlement-statements';
import { repeatEvery } from './repeat-every';
import { startInboundPoller } from './inbound-poller';
import { startWakeUpDelivery } from './wake-up-delivery';
import { ensureCutOffSchedule } from './cut-off-schedule';
import { ensureVoucherDefaultSchedule } from './voucher-default-schedule';
import { startSecretSealErasure } from './secret-seal-erasure';
import { installTemporalLogging } from './temporal-logging';

requireNodeEnvOrExit();
const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
installTemporalLogging(logger);
const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolMax: config.DB_POOL_MAX });
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
// BANK_ADAPTER chooses the bank; config refuses the simulator in production unless allowed.
const bank = await createBankAdapter(config);
const worker = await createWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  activities: createActivities({ prisma, logger, bank: bank.adapter }),
});
// The worker process also reads the bank's inbound credits and wakes the workflows concerned:
// the wake-ups recorded with each booking are delivered at start-up (whatever a crashed
// process left behind), after each poll, and on their own loop.
const temporal = await createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
// The daily cut-off runs on its Temporal Schedule, written (created or updated) at every start.
await ensureCutOffSchedule(temporal, { settings: cutOffSettings(config), taskQueue: config.TEMPORAL_TASK_QUEUE }, logger);
// So does the daily scan that records the vouchers unpaid on their due dates as defaulted.
await ensureVoucherDefaultSchedule(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE }, logger);
const delivery = startWakeUpDelivery(() => deliverWakeUps({ prisma, temporal, logger }), config.BANK_POLL_INTERVAL_MS, logger);
// Webhook deliveries and replays written since the last pass, each started as its own workflow.
const webhooks = startWebhookDispatch(() => dispatchWebhookDeliveries({ prisma, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, logger }), logger);
// Each credit booked into a voucher's collection account, distributed by a workflow of its own.
const voucherPayments = repeatEvery(() => startVoucherPayments({ prisma, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, logger }), config.BANK_POLL_INTERVAL_MS, logger, {
  immediately: true,
  failure: 'starting voucher payment distributions failed; retrying at the next pass',
});
const poller = startInboundPoller(() => bookInboundCredits({ prisma, bank: bank.adapter, temporal, logger }), config.BANK_POLL_INTERVAL_MS, logger);
// The escrow account's statements, fetched and reconciled (docs/reconciliation.md): each turn,
// per currency, every day from the one after the last stored through yesterday, a week at most.
// A loop of the worker rather than a Temporal Schedule: the fetch and the import are one
// idempotent use case that needs the bank adapter this process holds, a turn that finds
// yesterday imported does nothing, and a worker that was down fetches the days it missed over
// its next turns. A currency that fails does not hold up the others; the turn still fails, and
// the loop logs it. The escrow account of each fetched currency is the bank adapter's, registered
// for the API too: only its statements are imported, and a day's report is of its statement.
for (const currency of config.BANK_STATEMENT_CURRENCIES) await registerEscrowAccount(prisma, logger, { currency, accountNumber: bank.adapter.escrowAccountNumberOf(currency) }, new Date());
const reconciliationSettings = { escalateAfterDays: config.RECONCILIATION_ESCALATE_AFTER_DAYS, cutOff: cutOffSettings(config) };
const statementFetch = { prisma, logger, bank: bank.adapter, currencies: config.BANK_STATEMENT_CURRENCIES, reconciliationSettings };
const statements = repeatEvery(() => fetchBankStatements(statementFetch, new Date()), config.BANK_STATEMENT_FETCH_INTERVAL_MS, logger, {
  immediately: true,
  failure: 'fetching or importing bank statements failed; retrying at the next turn',
});
// The reconciliation reports' PDFs are rendered here, never in the API process (it serves them as stored).
const reportPdfs = repeatEvery(() => renderReconciliationReportPdfs({ prisma, logger }), config.BANK_POLL_INTERVAL_MS, logger, {
  immediately: true,
  failure: 'rendering reconciliation report PDFs failed; retrying at the next turn',
});
// So are the next versions of settlement statements superseded after settlement (recourse returned).
const reissues = repeatEvery(() => reissueSettlementStatements({ prisma, logger }), config.BANK_POLL_INTERVAL_MS, logger, {
  immediately: true,
  failure: 'reissuing settlement statements failed; retrying at the next turn',
});
// The secrets kept sealed for copies of a request, erased once their 24 hours have passed.
const seals = startSecretSealErasure(prisma, logger);
logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE, bankAdapter: config.BANK_ADAPTER }, 'worker started');
// Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks have finished.
await worker.run();
await seals.stop();
await reissues.stop();
await reportPdfs.stop();
await statements.stop();
await poller.stop();
await voucherPayments.stop();
await webhooks.stop();
await delivery.stop();
await temporal.connection.close();
await bank.close();
await connection.close();
await prisma.$disconnect();
logger.info('worker stopped');
