import { z } from 'zod';
import { BANK_ADAPTERS } from '../bank/create-bank-adapter';
import { cutOffMinutes, DEFAULT_CUT_OFF, isTimeZone, type CutOffSettings } from '../domain/accounting-day';
import { CURRENCY_CODES, isCurrency } from '../domain/money';
import { RATE_LIMIT_DEFAULTS, type RateLimitSettings } from './rate-limit';
import { HEAVY_QUERY_DEFAULTS, type HeavyQuerySettings } from './heavy-queries';
import type { FinancingSettings, ReceivableSettings } from '../workflows/contracts/settings';

export type { FinancingSettings, ReceivableSettings };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const postgresUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgresql:' || url.protocol === 'postgres:') && url.hostname !== '' && url.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must be a postgresql://user:password@host:port/database URL');

/** What `.env.example` offers: a value copied from there is known to everyone. */
const PLACEHOLDER_PEPPERS = ['replace-with-at-least-32-random-characters'];

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

const optionalBoolean = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((value) => (value === undefined ? undefined : value === 'true'));

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233');

function validCutOff(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: postgresUrl,
  TEMPORAL_ADDRESS: hostPort,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('scf'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Keyed hash for API key secrets: a stolen database alone cannot be used to forge tokens.
  API_KEY_PEPPER: z
    .string()
    .min(32, 'must be at least 32 characters')
    .refine((value) => !PLACEHOLDER_PEPPERS.includes(value), 'is the placeholder of .env.example: generate one, e.g. with `openssl rand -base64 48`'),
  // Encrypts webhook signing secrets at rest (prisma/stores/webhook-secret-box.ts): 32 random
  // bytes in base64, the same in the API and every worker. Production refuses to start without
  // it; elsewhere a fixed development key stands in.
  WEBHOOK_SECRET_KEY: z
    .string()
    .optional()
    .refine((value) => value === undefined || value === '' || Buffer.from(value, 'base64').length === 32, 'must be 32 bytes in base64, e.g. from `openssl rand -base64 32`'),
  // Which browser origins may call the API (CORS), e.g. "https://portal.example.com"; none by default.
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
    .refine((origins) => origins.every(isOrigin), 'must be origins separated by commas, each scheme://host[:port] with nothing after it, e.g. "https://portal.example.com"'),
  // Schema introspection and the GraphiQL page: on outside production, off in production unless enabled here.
  GRAPHQL_INTROSPECTION: optionalBoolean,
  GRAPHIQL: optionalBoolean,
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  // Rate limits (docs/api.md, "Rate limits"): GraphQL requests per API key, and refused
  // authentications per client address, in each window; counted in each API process's memory.
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(1).max(1_000_000).default(RATE_LIMIT_DEFAULTS.perKey),
  RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(RATE_LIMIT_DEFAULTS.unauthenticatedPerAddress),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(RATE_LIMIT_DEFAULTS.windowSeconds),
  // Large queries (pages) executed at once by each API process, the others waiting their turn in
  // order, and the longest one waits before it is answered SERVICE_UNAVAILABLE (api/heavy-queries.ts).
  API_HEAVY_QUERIES_AT_ONCE: z.coerce.number().int().min(1).max(64).default(HEAVY_QUERY_DEFAULTS.atOnce),
  API_HEAVY_QUERY_WAIT_SECONDS: z.coerce.number().int().min(1).max(60).default(HEAVY_QUERY_DEFAULTS.waitMs / 1000),
  // How long a core enterprise has to confirm a receivable, and when it is reminded.
  RECEIVABLE_CONFIRMATION_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  RECEIVABLE_REMINDER_DAYS: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be whole days separated by commas, e.g. "1,3,6"')
    .default('1,3,6')
    .transform((value) => value.split(',').map((day) => Number(day.trim()))),
  // How long a core enterprise has to acknowledge an assignment, and the funder to approve a financing.
  FINANCING_ACKNOWLEDGEMENT_DAYS: z.coerce.number().int().min(1).max(90).default(5),
  FINANCING_APPROVAL_DAYS: z.coerce.number().int().min(1).max(90).default(5),
  // How long an approved financing waits for the funder's account to cover it.
  FINANCING_FUNDING_DAYS: z.coerce.number().int().min(1).max(90).default(5),
  // How long an approved change of a party's payout account waits before payouts go to it, while
  // the funders and operators are told (a first account takes effect when approved).
  PAYOUT_ACCOUNT_COOLING_OFF_HOURS: z.coerce.number().int().min(0).max(720).default(24),
  // The longest an API key lives (days): a key is refused once it expires, and none is issued for longer.
  API_KEY_LIFETIME_DAYS: z.coerce.number().int().min(1).max(365).default(90),
  // How often the inbound credits of the bank are read (milliseconds).
  BANK_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
  // Reconciliation (docs/reconciliation.md): how often the worker asks the bank for yesterday's
  // statement (a turn that finds the day imported does nothing), of which currencies, and after
  // how many days an unresolved difference needs attention and the operators are told.
  BANK_STATEMENT_FETCH_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(3_600_000),
  BANK_STATEMENT_CURRENCIES: z
    .string()
    .default('CNY')
    .transform((value) => value.split(',').map((code) => code.trim()))
    .refine((codes) => codes.every((code) => isCurrency(code)), { message: `must be a comma-separated list of ${CURRENCY_CODES.join(', ')}` }),
  RECONCILIATION_ESCALATE_AFTER_DAYS: z.coerce.number().int().min(1).max(30).default(3),
  // Which bank the worker talks to (bank/create-bank-adapter.ts). The simulator is the default
  // for `npm start` and the tests; production refuses it unless the next variable allows it.
  BANK_ADAPTER: z.enum(BANK_ADAPTERS, { error: `must be one of ${BANK_ADAPTERS.join(', ')}` }).default('simulator'),
  // The daily cut-off (日切): the wall-clock time ("HH:MM", 00:01 to 24:00) and the IANA zone
  // that end each accounting day (docs/ledger.md, "Accounting days and cut-off").
  CUT_OFF_TIME: z
    .string()
    .default(DEFAULT_CUT_OFF.time)
    .refine((value) => validCutOff(() => cutOffMinutes(value)), 'must be HH:MM from 00:01 to 24:00, e.g. 23:00'),
  CUT_OFF_ZONE: z.string().default(DEFAULT_CUT_OFF.zone).refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Shanghai'),
  ALLOW_SIMULATED_BANK_IN_PRODUCTION: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
});

export type Config = z.infer<typeof configSchema>;

/** LOG_LEVEL alone, for processes that must log before the rest of the environment is known. */
export function logLevelOrExit(env: Record<string, string | undefined> = process.env): Config['LOG_LEVEL'] {
  const result = configSchema.shape.LOG_LEVEL.safeParse(env.LOG_LEVEL);
  if (result.success) return result.data;
  process.stderr.write(`Invalid configuration:\n  LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}\n`);
  process.exit(1);
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; every problem is reported with the variable's name. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) throw invalid(result.error, env);
  if (result.data.NODE_ENV === 'production' && result.data.API_KEY_PEPPER === DEVELOPMENT_PEPPER) {
    throw new ConfigError('Invalid configuration:\n  API_KEY_PEPPER: the development value must not be used in production');
  }
  if (result.data.NODE_ENV === 'production' && !looksRandom(result.data.API_KEY_PEPPER)) {
    throw new ConfigError(
      `Invalid configuration:\n  API_KEY_PEPPER: must be random (at least ${PEPPER_ENTROPY_BITS_MIN} bits, no words such as "pepper" or "change-me"): generate one, e.g. with \`openssl rand -base64 48\``,
    );
  }
  // Without the key a production API could not register an endpoint and its workers could sign
  // nothing: every delivery would fail for three days before anyone noticed. Refused at start.
  if (result.data.NODE_ENV === 'production' && !result.data.WEBHOOK_SECRET_KEY) {
    throw new ConfigError('Invalid configuration:\n  WEBHOOK_SECRET_KEY: required in production: generate one, e.g. with `openssl rand -base64 32`');
  }
  refuseSimulatedBankInProduction(result.data);
  return result.data;
}

/** The least a production pepper must carry, as estimated from its characters' frequencies. */
export const PEPPER_ENTROPY_BITS_MIN = 128;
const PLACEHOLDER_WORDS = /replace|change-?me|example|placeholder|pepper|secret|password/i;

/**
 * Whether a pepper looks generated rather than typed: no placeholder words, and at least
 * PEPPER_ENTROPY_BITS_MIN bits by the Shannon estimate of its characters (48 random bytes in
 * base64 carry about 380; a phrase or a repeated pattern far less). An estimate, not proof: it
 * refuses the obvious, which is what a copied placeholder or a made-up phrase is.
 */
export function looksRandom(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value)) return false;
  const counts = new Map<string, number>();
  const characters = [...value];
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let bitsPerCharacter = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    bitsPerCharacter -= p * Math.log2(p);
  }
  return bitsPerCharacter * characters.length >= PEPPER_ENTROPY_BITS_MIN;
}

/**
 * Whether schema introspection and GraphiQL are served: what GRAPHQL_INTROSPECTION and GRAPHIQL
 * say, and when unset, on outside production and off in production, where the schema is for
 * the clients that were given it, not for whoever asks.
 */
export function graphqlTools(config: Pick<Config, 'NODE_ENV' | 'GRAPHQL_INTROSPECTION' | 'GRAPHIQL'>): { introspection: boolean; graphiql: boolean } {
  const outsideProduction = config.NODE_ENV !== 'production';
  const introspection = config.GRAPHQL_INTROSPECTION ?? outsideProduction;
  // GraphiQL without introspection cannot show the schema or check a query: it follows introspection.
  return { introspection, graphiql: (config.GRAPHIQL ?? outsideProduction) && introspection };
}

/**
 * The deployed processes (api/main.ts, the worker) start only when NODE_ENV says what they are:
 * a production deployment that forgot it would otherwise run with development's defaults
 * (GraphiQL, introspection, the simulated bank). `npm start` and the tests set it themselves.
 */
export function requireNodeEnvOrExit(env: Record<string, string | undefined> = process.env): void {
  if (env.NODE_ENV === undefined || env.NODE_ENV === '') {
    process.stderr.write('Refusing to start: NODE_ENV is not set; set it to production, development or test.\n');
    process.exit(1);
  }
}

const bankSchema = configSchema.pick({ NODE_ENV: true, BANK_ADAPTER: true, ALLOW_SIMULATED_BANK_IN_PRODUCTION: true });
export type BankSettings = z.infer<typeof bankSchema>;

/**
 * The bank's settings alone, for processes that choose the bank before the rest of the
 * environment is known: `npm start` (before it starts PostgreSQL) and the migration job (which
 * applies the simulator's tables only where the simulator is the bank). The same checks as
 * parseConfig, the production refusal included.
 */
export function parseBankSettings(env: Record<string, string | undefined> = process.env): BankSettings {
  const result = bankSchema.safeParse(env);
  if (!result.success) throw invalid(result.error, env);
  refuseSimulatedBankInProduction(result.data);
  return result.data;
}

/**
 * A simulated bank in production would take payout instructions and move no money while the
 * ledger books them as paid: suppliers would be told they were paid and never be. So production
 * runs it only when someone has said so in as many words.
 */
function refuseSimulatedBankInProduction(settings: BankSettings): void {
  if (settings.NODE_ENV === 'production' && settings.BANK_ADAPTER === 'simulator' && !settings.ALLOW_SIMULATED_BANK_IN_PRODUCTION) {
    throw new ConfigError(
      'Refusing to start: BANK_ADAPTER is simulator, which moves no real money, and NODE_ENV is production; choose a real bank adapter or set ALLOW_SIMULATED_BANK_IN_PRODUCTION=true.',
    );
  }
}

function invalid(error: z.ZodError, env: Record<string, string | undefined>): ConfigError {
  const lines = error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const message = issue.code === 'invalid_type' && env[variable] === undefined ? 'is required but not set' : issue.message;
    return `  ${variable}: ${message}`;
  });
  return new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function receivableSettings(config: Pick<Config, 'RECEIVABLE_CONFIRMATION_DAYS' | 'RECEIVABLE_REMINDER_DAYS'>): ReceivableSettings {
  return {
    confirmationWindowMs: config.RECEIVABLE_CONFIRMATION_DAYS * DAY_MS,
    reminderOffsetsMs: config.RECEIVABLE_REMINDER_DAYS.map((days) => days * DAY_MS),
  };
}

export function financingSettings(config: Pick<Config, 'FINANCING_ACKNOWLEDGEMENT_DAYS' | 'FINANCING_APPROVAL_DAYS' | 'FINANCING_FUNDING_DAYS'>): FinancingSettings {
  return {
    acknowledgementWindowMs: config.FINANCING_ACKNOWLEDGEMENT_DAYS * DAY_MS,
    approvalWindowMs: config.FINANCING_APPROVAL_DAYS * DAY_MS,
    fundingWindowMs: config.FINANCING_FUNDING_DAYS * DAY_MS,
  };
}

export function rateLimitSettings(config: Pick<Config, 'RATE_LIMIT_PER_KEY' | 'RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS' | 'RATE_LIMIT_WINDOW_SECONDS'>): RateLimitSettings {
  return { perKey: config.RATE_LIMIT_PER_KEY, unauthenticatedPerAddress: config.RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS };
}

export function heavyQuerySettings(config: Pick<Config, 'API_HEAVY_QUERIES_AT_ONCE' | 'API_HEAVY_QUERY_WAIT_SECONDS'>): HeavyQuerySettings {
  return { atOnce: config.API_HEAVY_QUERIES_AT_ONCE, waitMs: config.API_HEAVY_QUERY_WAIT_SECONDS * 1000 };
}

export function cutOffSettings(config: Pick<Config, 'CUT_OFF_ZONE' | 'CUT_OFF_TIME'>): CutOffSettings {
  return { zone: config.CUT_OFF_ZONE, time: config.CUT_OFF_TIME };
}

/** Used by `npm start` on a developer's machine only; production refuses it. */
export const DEVELOPMENT_PEPPER = 'development-only-pepper-change-me-in-production';

/** For process entry points: a bad environment stops the process with the message alone. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  return orExit(() => parseConfig(env));
}

/** parseBankSettings for process entry points: a bad environment stops the process with the message alone. */
export function loadBankSettingsOrExit(env: Record<string, string | undefined> = process.env): BankSettings {
  return orExit(() => parseBankSettings(env));
}

function orExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
