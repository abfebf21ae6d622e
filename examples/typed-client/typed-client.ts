import { print } from 'graphql';
import type { TadaDocumentNode } from 'gql.tada';
import { subscribeOverSse, type SseSubscription } from './subscribe-over-sse';

export interface GraphQLFailure {
  message: string;
  extensions?: Record<string, unknown>;
}

/** A GraphQL error the server answered instead of data (a typed error result is data, not this). */
export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: GraphQLFailure[],
  ) {
    super(`GraphQL request failed (${status}): ${errors.map((error) => error.message).join('; ')}`);
    this.name = 'GraphQLRequestError';
  }
}

export interface TypedClient {
  /** Sends a query or mutation; its result is typed by the document. */
  request<Result, Variables>(document: TadaDocumentNode<Result, Variables>, variables: Variables): Promise<Result>;
  /** Opens a subscription over server-sent events; each result is typed by the document. */
  subscribe<Result, Variables>(document: TadaDocumentNode<Result, Variables>, variables: Variables, options?: { lastEventId?: string }): Promise<SseSubscription<Result>>;
}

/** A client for one party: the API's URL and that party's bearer token (an API key). */
export function typedClient(url: string, token: string): TypedClient {
  return {
    async request(document, variables) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: GraphQLFailure[] };
      if (body.errors?.length || body.data == null) throw new GraphQLRequestError(response.status, body.errors ?? []);
      return body.data as never;
    },
    subscribe(document, variables, options = {}) {
      return subscribeOverSse(url, { query: print(document), variables }, { authorization: `Bearer ${token}`, ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}) });
    },
  };
}
