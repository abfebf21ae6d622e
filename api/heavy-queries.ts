import { getOperationAST, GraphQLError, OperationTypeNode, TypeInfo, ValidationContext, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS } from './dependency-unavailable';
import { queryCost } from './query-limits';

// A page of fifty financings with their figures, receivables and ledger transactions takes some
// 20 ms of the API's one thread and allocates about 12 MB. Thirty-two of them executed at once
// share that thread thirty-two ways, and a light request arriving among them (a lookup, the
// viewer, a mutation) waits behind a step of each: with 32 clients asking for financings pages,
// the viewer took 371 ms at the median instead of 52. Queries that price as pages (their cost,
// api/query-limits.ts, at least HEAVY_QUERY_COST) therefore execute a few at a time, in the order
// they arrived, which answers as many pages a second; everything else (a lookup, the viewer, a
// mutation, a subscription) runs at once and never waits behind a page (docs/ARCHITECTURE.md,
// "Requests"; the figures in docs/performance.md).

/** The cost from which a query is a page that waits its turn: a page of 50 objects of ten fields each, or more. */
export const HEAVY_QUERY_COST = 600;

/**
 * Pages executed at once when the configuration does not say (`API_HEAVY_QUERIES_AT_ONCE`): two,
 * so that one page's CPU overlaps another's wait on PostgreSQL. Measured at 32 clients asking for
 * financings pages (docs/performance.md): two at once answered as many pages as 32 at once, and a
 * light query beside them as fast as with no pages at all; four at once, twice as slow.
 */
export const HEAVY_QUERIES_AT_ONCE_DEFAULT = 2;

/** How long a page may wait for its turn before it is answered SERVICE_UNAVAILABLE (milliseconds). */
export const HEAVY_QUERY_WAIT_MS_DEFAULT = 20_000;

export interface HeavyQuerySettings {
  /** Pages executed at once; the others wait in the order they came. */
  atOnce: number;
  /** The longest a page waits for its turn. */
  waitMs: number;
}

export const HEAVY_QUERY_DEFAULTS: HeavyQuerySettings = { atOnce: HEAVY_QUERIES_AT_ONCE_DEFAULT, waitMs: HEAVY_QUERY_WAIT_MS_DEFAULT };

/** Turns to run, handed out in the order they were asked for. */
export class Turns {
  private running = 0;
  private readonly waiting: { start: () => void }[] = [];

  constructor(private readonly atOnce: number) {
    if (!Number.isInteger(atOnce) || atOnce < 1) throw new RangeError(`atOnce must be a whole number of at least 1, got ${atOnce}`);
  }

  /** Resolves with the function that ends the turn, or with null if `waitMs` passed or `signal` aborted first. */
  take(waitMs: number, signal?: AbortSignal): Promise<(() => void) | null> {
    if (this.running < this.atOnce && this.waiting.length === 0) return Promise.resolve(this.started());
    if (signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', leave);
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(null);
      };
      const waiter = {
        start: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', leave);
          resolve(this.started());
        },
      };
      const timer = setTimeout(leave, waitMs);
      signal?.addEventListener('abort', leave, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Turns being run and turns waiting, for the logs and the tests. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private started(): () => void {
    this.running += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.running -= 1;
      this.waiting.shift()?.start();
    };
  }
}

const costs = new WeakMap<OperationDefinitionNode, number>();

/** The operation's price as the cost rule computes it, once per parsed document (yoga reuses a document it parsed before). */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): number {
  let cost = costs.get(operation);
  if (cost === undefined) {
    const root = schema.getRootType(operation.operation);
    cost = root ? queryCost(new ValidationContext(schema, document, new TypeInfo(schema), () => undefined), operation.selectionSet, root) : 0;
    costs.set(operation, cost);
  }
  return cost;
}

/** The answer to a page that waited longer than its turn allows: the server is busy, not the client wrong. */
function busyAnswer(waitMs: number) {
  return {
    errors: [
      new GraphQLError(`the service is answering too many large queries; this one waited ${waitMs / 1000} s for its turn: try again shortly`, {
        extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS) } } },
      }),
    ],
  };
}

/** The envelop plugin that executes heavy queries in turns (`settings.atOnce` at a time, in order of arrival). */
export function heavyQueriesInTurn(settings: HeavyQuerySettings): Plugin<{ request?: Request }> {
  const turns = new Turns(settings.atOnce);
  return {
    // Synchronous for every query that does not wait, so that it costs them no extra tick.
    onExecute({ args, context, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const { document, operationName, schema } = args as ExecutionArgs;
      const operation = getOperationAST(document, operationName);
      if (operation?.operation !== OperationTypeNode.QUERY || operationCost(schema, document, operation) < HEAVY_QUERY_COST) return undefined;
      return turns.take(settings.waitMs, context.request?.signal).then((end) => {
        // A client that left needs no answer; one still waiting is told the server is busy.
        if (!end) return setResultAndStopExecution(busyAnswer(settings.waitMs));
        // The turn ends with the execution, whether it answers or throws, and with the request if
        // a later plugin answered it without executing.
        setExecuteFn(async (executeArgs: ExecutionArgs): Promise<unknown> => {
          try {
            return (await executeFn(executeArgs)) as unknown;
          } finally {
            end();
          }
        });
        return { onExecuteDone: end };
      });
    },
  };
}
