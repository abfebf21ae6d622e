import { createHash } from 'node:crypto';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Client } from '@temporalio/client';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type GraphiQLOptions, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { databaseUrlOf, type PrismaClient } from '../prisma/client';
import { authenticate } from './authenticate';
import { EventHub } from './event-hub';
import { currentEventIdOf } from '../schema/event-stream';
import type { FinancingSettings, ReceivableSettings } from './config';
import { documentsRoute } from './documents-route';
import { reconciliationReportsRoute } from './reconciliation-reports-route';
import { inputGuard } from './input-guard';
import { isDependencyUnavailable, SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS } from './dependency-unavailable';
import { queryLimits } from './query-limits';
import { HEAVY_QUERY_DEFAULTS, heavyQueriesInTurn, type HeavyQuerySettings } from './heavy-queries';
import { requestIdFrom } from './request-id';
import { DomainError, ValidationError } from '../domain/errors';
import type { DevBank, GraphQLContext } from '../schema/context';
import { developmentSchema, schema } from '../schema';
import type { ReconciliationSettings } from '../use-cases/use-case-context';

export const GRAPHQL_PATH = '/graphql';

// The limits live beside their configuration; re-exported for the tests that import them from here.
export { QUERY_ALIASES_MAX, QUERY_COST_MAX, QUERY_DEPTH_MAX, QUERY_DIRECTIVES_MAX, QUERY_TOKENS_MAX } from './query-limits';

export interface YogaDependencies {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  apiKeyPepper: string;
  /** Serve GraphiQL at the GraphQL path (off in production unless GRAPHIQL says so); settings say what it opens with. */
  graphiql: boolean | GraphiQLSettings;
  /** Answer schema introspection (off in production unless GRAPHQL_INTROSPECTION says so). */
  introspection: boolean;
  /** The browser origins allowed to call the API (CORS_ORIGINS); none when empty. */
  corsOrigins?: readonly string[];
  receivableSettings: ReceivableSettings;
  financingSettings: FinancingSettings;
  /** How long an approved change of a payout account waits before it takes effect (default 24 hours). */
  payoutAccountCoolingOffMs?: number;
  /** The longest an API key lives, in days (default 90). */
  apiKeyLifetimeDays?: number;
  /** How reconciliation escalates; RECONCILIATION_ESCALATE_AFTER_DAYS. */
  reconciliationSettings?: ReconciliationSettings;
  /**
   * The simulated bank's development tools, given only where the simulator is the bank and not
   * in production. With them the API serves the development schema (its mutations); without, the
   * schema has no such mutations at all.
   */
  devBank?: DevBank | null;
  /** How many large queries execute at once and how long one waits its turn (api/heavy-queries.ts); the defaults when absent. */
  heavyQueries?: HeavyQuerySettings;
  /** This process's delivery of outbox events to subscriptions; made here (listening on first use) when not given. */
  events?: EventHub;
}

export interface GraphiQLSettings {
  /**
   * Development only: the token the headers editor opens with, so that the first query runs
   * as a seeded user. It is written into the page, so it must never be a production token.
   */
  bearerToken?: string | undefined;
}

const GRAPHIQL_TOKEN_PLACEHOLDER = 'Bearer <token printed by npm start>';
/** What a new tab holds: who the token in the Headers tab belongs to. */
export const GRAPHIQL_DEFAULT_QUERY = ['# Press the run button or Ctrl-Enter.', '{', '  viewer {', '    party { legalName roles }', '    user { email roles }', '  }', '}', ''].join('\n');

function graphiqlOptions({ bearerToken }: GraphiQLSettings): GraphiQLOptions {
  const headers = JSON.stringify({ Authorization: bearerToken ? `Bearer ${bearerToken}` : GRAPHIQL_TOKEN_PLACEHOLDER }, null, 2);
  // `headers` fills the first tab, `defaultHeaders` every tab opened later.
  return { title: 'Supply-chain finance API', defaultQuery: GRAPHIQL_DEFAULT_QUERY, headers, defaultHeaders: headers, defaultEditorToolsVisibility: 'headers' };
}

/**
 * The GraphiQL page, rendered once: its scripts and styles are inline (workers start from blob:
 * URLs the page makes), so a strict policy can name exactly the script it runs by its hash and
 * allow no other origin at all. A page that tried to load anything from elsewhere would be
 * refused by the browser itself.
 */
function graphiqlPage(options: GraphiQLOptions): { html: string; contentSecurityPolicy: string } {
  const html = renderGraphiQL(options);
  const scriptHashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(([, body]) => `'sha256-${createHash('sha256').update(body ?? '').digest('base64')}'`);
  // A page whose scripts this cannot find would be served with a policy that blocks them all.
  if (scriptHashes.length === 0) throw new Error('the GraphiQL page has no inline <script> to allow: check @graphql-yoga/render-graphiql');
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${scriptHashes.join(' ')}`,
    // Monaco's editor workers start from blob: URLs the page makes of code it carries.
    'worker-src blob:',
    // Monaco adds <style> elements as it runs.
    "style-src 'unsafe-inline'",
    'font-src data:',
    'img-src data:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

/** Sends the GraphiQL page's policy with it; GraphiQL is the API's only HTML. */
function graphiqlPolicy(contentSecurityPolicy: () => string): Plugin {
  return {
    onResponse({ request, response }) {
      if (request.method === 'GET' && response.headers.get('content-type')?.startsWith('text/html')) response.headers.set('content-security-policy', contentSecurityPolicy());
    },
  };
}

/** Refuses `__schema` and `__type` in validation, before anything runs; `__typename` stays. */
function refuseIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** What the HTTP server's request gate (request-gate.ts) found before GraphQL saw the request. */
export interface ServerContext {
  requestId?: string;
  viewer?: GraphQLContext['viewer'] | null;
}

// By name, not instanceof: errors may come from another copy of the graphql package.
function isGraphQLError(value: unknown): value is GraphQLError {
  return value instanceof Error && value.name === 'GraphQLError';
}

/** The innermost error: GraphQL wraps resolver errors, sometimes more than once. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10 && isGraphQLError(current) && current.originalError; depth += 1) current = current.originalError;
  return current;
}

const REQUEST_IDS = new WeakMap<Request, string>();

function requestIdOf(request: Request): string {
  let id = REQUEST_IDS.get(request);
  if (!id) {
    id = requestIdFrom(request.headers.get('x-request-id'));
    REQUEST_IDS.set(request, id);
  }
  return id;
}

/** Logs one line per request with its id, outcome and timing, and echoes the id to the client. */
function requestLogging(logger: Logger): Plugin<GraphQLContext & ServerContext> {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request, serverContext }) {
      started.set(request, performance.now());
      // The gate chose the id before GraphQL saw the request; keep that one.
      const gated = (serverContext as ServerContext | undefined)?.requestId;
      if (gated) REQUEST_IDS.set(request, gated);
      requestIdOf(request);
    },
    onResponse({ request, response, serverContext }) {
      const requestId = requestIdOf(request);
      response.headers.set('x-request-id', requestId);
      const begin = started.get(request);
      const viewer = (serverContext as { viewer?: GraphQLContext['viewer'] } | undefined)?.viewer;
      logger.info(
        {
          requestId,
          method: request.method,
          status: response.status,
          durationMs: begin === undefined ? undefined : Math.round(performance.now() - begin),
          partyId: viewer?.partyId,
          userId: viewer?.userId,
        },
        'request',
      );
    },
  };
}

/**
 * Tells a subscriber the id of each event it is sent, the id it resumes after when it
 * reconnects: in the result's `extensions.eventId`, and over server-sent events also as the
 * event's `id:` field, which a browser's EventSource sends back by itself as Last-Event-ID.
 */
function eventIds(): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          const context = args.contextValue as object & { request?: Request };
          const overSse = (context.request?.headers.get('accept') ?? '').includes('text/event-stream');
          return {
            onNext({ result, setResult }) {
              const eventId = currentEventIdOf(context);
              if (eventId === undefined) return;
              const withId = { ...result, extensions: { ...result.extensions, eventId } };
              // yoga's SSE writer frames each result as "data: <stringify(result)>\n\n"; JSON
              // has no raw newline, so the line after it is the event's own id field.
              const framed = { ...withId, stringify: (value: unknown) => `${JSON.stringify(value)}\nid: ${eventId}` };
              setResult(overSse ? framed : withId);
            },
          };
        },
      };
    },
  };
}

export function createApi(deps: YogaDependencies): YogaServerInstance<ServerContext, GraphQLContext> {
  const { prisma, temporal, taskQueue, logger, apiKeyPepper, graphiql, introspection, corsOrigins = [], receivableSettings, financingSettings, payoutAccountCoolingOffMs, apiKeyLifetimeDays, reconciliationSettings, devBank = null, heavyQueries = HEAVY_QUERY_DEFAULTS } = deps;
  // Rendered on the first visit, not per API instance: the page is about 9 MB of inline script.
  let page: ReturnType<typeof graphiqlPage> | undefined;
  const graphiqlPageOnce = () => (page ??= graphiqlPage(graphiqlOptions(typeof graphiql === 'object' ? graphiql : {})));
  const events = deps.events ?? new EventHub(databaseUrlOf(prisma), prisma, logger);
  return createYoga<ServerContext, GraphQLContext>({
    schema: devBank ? developmentSchema() : schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Only the configured origins, and never with credentials: the API authenticates by bearer
    // token, not cookies, and yoga's default would reflect any origin with credentials allowed.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin !== null && corsOrigins.includes(origin)
        ? { origin: [origin], credentials: false, methods: ['POST'], allowedHeaders: ['authorization', 'content-type', 'x-request-id'], exposedHeaders: ['x-request-id'], maxAge: 600 }
        : false;
    },
    landingPage: false,
    // File uploads are not part of this API; parsing multipart bodies would be work for nothing.
    multipart: false,
    // GraphiQL from the installed package, its scripts and styles inline in the page: yoga's
    // default page loads them from a public CDN, which intranets and strict content security
    // policies refuse, and the page then never gets past "Loading".
    graphiql: graphiql !== false,
    renderGraphiQL: () => graphiqlPageOnce().html,
    logging: {
      debug: (...args) => logger.debug(args.length === 1 ? args[0] : args),
      info: (...args) => logger.info(args.length === 1 ? args[0] : args),
      warn: (...args) => logger.warn(args.length === 1 ? args[0] : args),
      error: (...args) => logger.error(args.length === 1 ? args[0] : args),
    },
    maskedErrors: {
      maskError(error, message): Error {
        const cause = rootCause(error);
        // Errors of the protocol itself (401, an invalid document, a bad scalar, a limit) pass through.
        if (isGraphQLError(cause)) return error as Error;
        // Pothos's own input checks (connection arguments and the like) are the client's mistake.
        if (cause instanceof Error && cause.name === 'PothosValidationError') {
          return new GraphQLError(cause.message, { path: isGraphQLError(error) ? error.path : undefined, extensions: { code: 'BAD_USER_INPUT' } });
        }
        if (cursorOfAnotherConnection(cause)) {
          return new GraphQLError('"after" or "before" is a cursor of another connection: pass back a cursor of this connection\'s edges or pageInfo', {
            path: isGraphQLError(error) ? error.path : undefined,
            extensions: { code: 'BAD_USER_INPUT' },
          });
        }
        // An expected failure on a field without a typed result (a query): input that cannot be
        // valid is BAD_USER_INPUT with the rule that refused it; anything else keeps its code.
        if (cause instanceof DomainError) {
          const path = isGraphQLError(error) ? error.path : undefined;
          if (cause instanceof ValidationError) return new GraphQLError(cause.message, { path, extensions: { code: 'BAD_USER_INPUT', reason: cause.code, issues: cause.issues } });
          return new GraphQLError(cause.message, { path, extensions: { code: cause.code } });
        }
        if (isDependencyUnavailable(cause)) {
          logger.warn({ err: cause, path: isGraphQLError(error) ? error.path : undefined }, 'a dependency is unavailable');
          return new GraphQLError('the service cannot reach PostgreSQL or Temporal; try again shortly (with the same idempotency key)', {
            extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS) } } },
          });
        }
        logger.error({ err: cause, path: isGraphQLError(error) ? error.path : undefined }, 'unexpected error');
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    plugins: [
      requestLogging(logger),
      documentsRoute({ prisma, apiKeyPepper, logger, requestIdOf }),
      reconciliationReportsRoute({ prisma, apiKeyPepper, logger, requestIdOf }),
      queryLimits({ suggestFields: graphiql !== false }),
      inputGuard(),
      eventIds(),
      ...(introspection ? [] : [refuseIntrospection()]),
      ...(graphiql === false ? [] : [graphiqlPolicy(() => graphiqlPageOnce().contentSecurityPolicy)]),
      // Last: a query that waited its turn is not then stopped by another plugin holding it.
      heavyQueriesInTurn(heavyQueries),
    ],
    context: async ({ request, viewer: gated }) => {
      const requestId = requestIdOf(request);
      // Over HTTP the gate has authenticated already; in-process callers (yoga.fetch) are checked here.
      const viewer = gated ?? (await authenticate(request, prisma, apiKeyPepper, logger, requestId));
      return {
        requestId,
        prisma,
        temporal,
        taskQueue,
        apiKeyPepper,
        receivableSettings,
        financingSettings,
        payoutAccountCoolingOffMs,
        ...(apiKeyLifetimeDays === undefined ? {} : { apiKeyLifetimeDays }),
        ...(reconciliationSettings ? { reconciliationSettings } : {}),
        devBank,
        events,
        viewer,
        logger: logger.child({ requestId, partyId: viewer.partyId, userId: viewer.userId }),
      };
    },
  });
}

/**
 * A cursor well formed for some connection (the edge checks its form: api/input-guard.ts) sent to
 * another, whose rows are keyed by a value of another kind (a number where they are keyed by a
 * UUID, a row id where they are keyed by a date): Prisma refuses the query, marking the cursor's
 * value as the one it cannot take. The client's mistake, not a bug; any other refusal of a query
 * by Prisma stays an internal error.
 */
function cursorOfAnotherConnection(cause: unknown): boolean {
  if (!(cause instanceof Error) || cause.name !== 'PrismaClientValidationError') return false;
  const from = cause.message.indexOf('cursor: {');
  if (from < 0) return false;
  const rest = cause.message.slice(from);
  const marked = rest.search(/\n\s*~+\s*(\n|$)/);
  const next = rest.search(/\n\s*(take|skip|where|orderBy|select|include|distinct):/);
  return marked >= 0 && (next < 0 || marked < next);
}
