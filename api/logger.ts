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
];

export interface LoggerOptions {
  level: string;
  pretty: boolean;
}

export function createLogger({ level, pretty }: LoggerOptions): Logger {
  return pino({
    level,
    base: { service: 'scf' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service' } } } : {}),
  });
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
