import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FinancingSettings, ReceivableSettings } from '../../api/config';
import { inject } from 'vitest';
import { startApiServer, type RunningApi } from '../../api/server';
import type { HeavyQuerySettings } from '../../api/heavy-queries';
import type { RateLimitSettings } from '../../api/rate-limit';
import type { YogaDependencies } from '../../api/yoga';
import type { PrismaClient } from '../../prisma/client';
import type { DevBank } from '../../schema/context';
import { PAYLOAD_CONVERTER_PATH } from '../../workflows/contracts/payload-converter-path';
import { TEST_FINANCING_WINDOWS } from './financings';
import { testLogger } from './logger';
import { TEST_PEPPER } from './parties';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface TestApi {
  url: string;
  taskQueue: string;
  temporal: Client;
  /** POSTs a GraphQL request over real HTTP. */
  request<T = Record<string, unknown>>(token: string | undefined, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** The operation's one top-level field, typed error results included; fails the test on GraphQL errors. */
  call(token: string, query: string, variables?: Record<string, unknown>): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** The real API server on an ephemeral port, backed by the given database and the test Temporal server. */
export const TEST_RECEIVABLE_SETTINGS: ReceivableSettings = { confirmationWindowMs: 7 * 24 * 60 * 60 * 1000, reminderOffsetsMs: [1, 3, 6].map((days) => days * 24 * 60 * 60 * 1000) };

export async function startTestApi(
  prisma: PrismaClient,
  {
    taskQueue = `scf-test-${randomUUID()}`,
    temporalClient,
    receivableSettings = TEST_RECEIVABLE_SETTINGS,
    financingSettings = TEST_FINANCING_WINDOWS,
    devBank = null,
    graphiql = true,
    logger = testLogger,
    introspection = true,
    corsOrigins = [],
    rateLimit,
    heavyQueries,
  }: { taskQueue?: string; temporalClient?: Client; receivableSettings?: ReceivableSettings; financingSettings?: FinancingSettings; devBank?: DevBank | null; graphiql?: YogaDependencies['graphiql']; logger?: YogaDependencies['logger'];
    introspection?: boolean;
    corsOrigins?: readonly string[];
    /** Small limits for the tests of the rate limits; the defaults are never met otherwise. */
    rateLimit?: RateLimitSettings;
    /** Large queries' turns (api/heavy-queries.ts); the API's defaults otherwise. */
    heavyQueries?: HeavyQuerySettings;
  } = {},
): Promise<TestApi> {
  const connection = temporalClient ? undefined : await Connection.connect({ address: inject('temporalAddress') });
  const temporal = temporalClient ?? new Client({ connection, namespace: 'default', dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } });
  const api: RunningApi = await startApiServer(
    { prisma, temporal, taskQueue, logger, apiKeyPepper: TEST_PEPPER, graphiql, introspection, corsOrigins, receivableSettings, financingSettings, devBank, ...(heavyQueries ? { heavyQueries } : {}) },
    { host: '127.0.0.1', port: 0, rateLimit },
  );
  const testApi: TestApi = {
    url: api.url,
    taskQueue,
    temporal,
    async request(token, query, variables, headers = {}) {
      const response = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: never; errors?: never };
      return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
    },
    async call(token, query, variables = {}) {
      const response = await testApi.request<Record<string, Record<string, any>>>(token, query, variables);
      if (response.errors) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
      return Object.values(response.data ?? {})[0] ?? {};
    },
    async close() {
      await api.close();
      await connection?.close();
    },
  };
  return testApi;
}
