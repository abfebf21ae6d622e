import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { createFinancingActivities } from './financing-activities';
import { createReceivableActivities } from './receivable-activities';
import { createSystemActivities } from './system-activities';

export interface ActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

/** All activities, built from their dependencies so tests can pass their own. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createSystemActivities(deps),
    ...createReceivableActivities(deps),
    ...createFinancingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
