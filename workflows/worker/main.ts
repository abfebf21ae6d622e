// The worker process on its own, as deployed (docker-compose.yml runs it). `npm start`
// runs the same worker inside its single development process instead.
import { loadConfigOrExit } from '../../api/config';
import { createLogger } from '../../api/logger';
import { createPrismaClient } from '../../prisma/client';
import { createActivities } from '../activities';
import { createWorker, NativeConnection } from './create-worker';
import { installTemporalLogging } from './temporal-logging';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
installTemporalLogging(logger);
const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolMax: config.DB_POOL_MAX });
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const worker = await createWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  activities: createActivities({ prisma, logger }),
});
logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
// Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks have finished.
await worker.run();
await connection.close();
await prisma.$disconnect();
logger.info('worker stopped');
