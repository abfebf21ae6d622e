import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client';
import type { FinancingSettings, ReceivableSettings } from '../api/config';
import type { Actor } from '../prisma/stores/party-store';
import type { BankSimulator } from '../bank/simulator/bank-simulator';

/** Development only: the simulated bank, and a way to book what it received at once. */
export interface DevBank {
  simulator: BankSimulator;
  processInbound(): Promise<unknown>;
}

/** Per-request context. Every request is authenticated before it gets one (401 otherwise). */
export interface GraphQLContext {
  requestId: string;
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  viewer: Actor & { apiKeyId: string };
  apiKeyPepper: string;
  receivableSettings: ReceivableSettings;
  financingSettings: FinancingSettings;
  devBank: DevBank | null;
}
