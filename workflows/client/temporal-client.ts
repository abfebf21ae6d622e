import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { PAYLOAD_CONVERTER_PATH } from '../contracts/payload-converter-path';

/** Attempts of one call to the Temporal server before the caller hears that it is unavailable. */
export const TEMPORAL_CALL_ATTEMPTS_MAX = 5;

export interface TemporalClientOptions {
  address: string;
  namespace: string;
}

export async function createTemporalClient({ address, namespace }: TemporalClientOptions): Promise<Client> {
  // The default retries an unreachable server for about 20 s, longer than a client waits for an
  // answer; these few attempts (about 2 s) ride out a blip, then the API answers
  // SERVICE_UNAVAILABLE (api/dependency-unavailable.ts) and the client retries.
  const connection = await Connection.connect({ address, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: TEMPORAL_CALL_ATTEMPTS_MAX }))] });
  return new Client({ connection, namespace, dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } });
}

export type { Client };
