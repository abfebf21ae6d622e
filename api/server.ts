import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi, type YogaDependencies } from './yoga';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const HEADERS_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 60_000;

export async function startApiServer(deps: YogaDependencies, { host, port }: { host: string; port: number }): Promise<RunningApi> {
  const yoga = createApi(deps);
  // Yoga is a request listener that returns a promise; Node ignores it, Yoga handles its own errors.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  const server = createServer(yoga);
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
      }),
  };
}
