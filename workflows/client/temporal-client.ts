import { Client, Connection } from '@temporalio/client';
import { PAYLOAD_CONVERTER_PATH } from '../contracts/payload-converter-path';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
}

export async function createTemporalClient({ address, namespace }: TemporalClientOptions): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } });
}

export type { Client };
