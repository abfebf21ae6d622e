// The API process on its own, as deployed (docker-compose.yml runs it). `npm start` runs
// the same server inside its single development process instead.
import { createPrismaClient } from '../prisma/client';
import { createTemporalClient } from '../workflows/client/temporal-client';
import { cutOffSettings, graphqlTools, heavyQuerySettings, loadConfigOrExit, financingSettings, rateLimitSettings, receivableSettings, requireNodeEnvOrExit } from './config';
import { createLogger } from './logger';
import { startApiServer } from './server';

requireNodeEnvOrExit();
const config = loadConfigOrExit();
const { introspection, graphiql } = graphqlTools(config);
const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolMax: config.DB_POOL_MAX });
const temporal = await createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
const api = await startApiServer(
  {
    prisma,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    logger,
    apiKeyPepper: config.API_KEY_PEPPER,
    graphiql,
    introspection,
    corsOrigins: config.CORS_ORIGINS,
    receivableSettings: receivableSettings(config),
    financingSettings: financingSettings(config),
    payoutAccountCoolingOffMs: config.PAYOUT_ACCOUNT_COOLING_OFF_HOURS * 3_600_000,
    apiKeyLifetimeDays: config.API_KEY_LIFETIME_DAYS,
    heavyQueries: heavyQuerySettings(config),
    reconciliationSettings: { escalateAfterDays: config.RECONCILIATION_ESCALATE_AFTER_DAYS, cutOff: cutOffSettings(config) },
  },
  { host: config.API_HOST, port: config.API_PORT, rateLimit: rateLimitSettings(config) },
);
logger.info({ url: api.url }, 'API listening');

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal }, 'API stopping');
  await api.close();
  await temporal.connection.close();
  await prisma.$disconnect();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
