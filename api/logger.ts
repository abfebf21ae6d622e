import pino, { type Logger } from 'pino';

// Paths that may carry credentials anywhere in a log object. pino removes them before
// serialising, so a careless `log.info({ req })` cannot leak a token.
const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'API_KEY_PEPPER',
  '*.API_KEY_PEPPER',
  'WEBHOOK_SECRET_KEY',
  '*.WEBHOOK_SECRET_KEY',
  'secret',
  '*.secret',
];

/**
 * The most of any one string a log line carries: a client's input can reach a log (an id in an
 * error, a path, a message quoting a value), and a megabyte of input must not become megabytes
 * of log, which costs storage and hides every other line.
 */
export const LOG_STRING_LENGTH_MAX = 1_000;
/** How deep a logged object is followed; deeper parts are replaced by a marker. */
const LOG_DEPTH_MAX = 8;

/** `value` with every string cut to LOG_STRING_LENGTH_MAX characters, saying how much was cut. */
export function truncateForLog(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length <= LOG_STRING_LENGTH_MAX ? value : `${value.slice(0, LOG_STRING_LENGTH_MAX)}…[${value.length - LOG_STRING_LENGTH_MAX} more characters]`;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= LOG_DEPTH_MAX) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, LOG_STRING_LENGTH_MAX).map((item) => truncateForLog(item, depth + 1));
  // Errors are turned into plain objects by their serializer first (below); other class
  // instances (Dates, Decimals) are left for pino to print as they print themselves.
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, truncateForLog(item, depth + 1)]));
}

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Where lines go: standard output unless given (tests read them). */
  destination?: pino.DestinationStream;
}

export function createLogger({ level, pretty, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'scf' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { log: (object) => truncateForLog(object) as Record<string, unknown> },
    serializers: { err: (error: Error) => truncateForLog({ ...pino.stdSerializers.err(error) }) },
    hooks: {
      // The message itself may quote input too.
      logMethod(args, method) {
        const cut = args.map((arg) => (typeof arg === 'string' ? truncateForLog(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, cut);
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty && !destination ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Hides the password of a connection URL so it can be printed or logged. */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '[unparseable url]';
  }
}

export type { Logger };
