import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RATE_LIMIT_DEFAULTS, RateLimit, type RateLimitSettings } from './rate-limit';
import { requestGate } from './request-gate';
import { EventHub } from './event-hub';
import { EventRelay } from './event-relay';
import { databaseUrlOf } from '../prisma/client';
import { createApi, GRAPHQL_PATH, type YogaDependencies } from './yoga';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const HEADERS_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 60_000;

export async function startApiServer(deps: YogaDependencies, { host, port, rateLimit = RATE_LIMIT_DEFAULTS }: { host: string; port: number; rateLimit?: RateLimitSettings }): Promise<RunningApi> {
  const events = deps.events ?? new EventHub(databaseUrlOf(deps.prisma), deps.prisma, deps.logger);
  // Every API process offers to relay the events; one at a time does (api/event-relay.ts).
  const databaseUrl = databaseUrlOf(deps.prisma);
  const relay = databaseUrl ? new EventRelay(databaseUrl, deps.logger) : null;
  if (relay) relay.start();
  else deps.logger.warn('no event relay in this process: its Prisma client was not made by createPrismaClient');
  const yoga = createApi({ ...deps, events });
  const gate = requestGate({ prisma: deps.prisma, apiKeyPepper: deps.apiKeyPepper, logger: deps.logger, graphqlPath: GRAPHQL_PATH, graphiql: deps.graphiql !== false, rateLimit: new RateLimit(rateLimit) });
  const server = createServer((request, response) => {
    gate(request, response)
      .then(async (admitted) => {
        if (!admitted) return;
        // Yoga takes a body already read (as frameworks with body parsers hand it) instead of the stream.
        if (admitted.body) (request as IncomingMessage & { body?: Buffer }).body = admitted.body;
        await yoga(request, response, { requestId: admitted.requestId, viewer: admitted.viewer });
      })
      .catch((error: unknown) => {
        // A client that hung up mid-body, or a database that failed the token lookup.
        deps.logger.warn({ err: error }, 'request failed before GraphQL');
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
        else response.destroy();
      });
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const displayHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    server,
    url: `http://${displayHost}:${address.port}${yoga.graphqlEndpoint}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }).then(() => Promise.all([events.close(), relay?.close()])).then(() => undefined),
  };
}
