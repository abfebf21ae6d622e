import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, cutOffSettings, DEVELOPMENT_PEPPER, graphqlTools, looksRandom, parseBankSettings, parseConfig, rateLimitSettings } from './config';
import { RATE_LIMIT_DEFAULTS } from './rate-limit';

const VALID = {
  DATABASE_URL: 'postgresql://scf:secret@db.internal:5432/scf',
  TEMPORAL_ADDRESS: 'temporal:7233',
  API_KEY_PEPPER: 'p'.repeat(40),
};
/** Production requires a webhook secret key besides what VALID sets. */
const WEBHOOK_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** What `openssl rand -base64 48` prints. */
const RANDOM_PEPPER = 'k3J9vQ2xN7pL0sR4tW8yZ1aB5cD6eF0gH2iJ3kL4mN5oP6qR7sT8uV9wX0yZ1aB2';

function problem(env: Record<string, string | undefined>): string {
  try {
    parseConfig(env);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

describe('configuration', () => {
  it('reads the rate limits, with generous defaults, and refuses a limit of nothing', () => {
    expect(rateLimitSettings(parseConfig(VALID))).toEqual(RATE_LIMIT_DEFAULTS);
    expect(rateLimitSettings(parseConfig({ ...VALID, RATE_LIMIT_PER_KEY: '30', RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS: '5', RATE_LIMIT_WINDOW_SECONDS: '10' }))).toEqual({ perKey: 30, unauthenticatedPerAddress: 5, windowSeconds: 10 });
    expect(problem({ ...VALID, RATE_LIMIT_PER_KEY: '0' })).toMatch(/RATE_LIMIT_PER_KEY/);
    expect(problem({ ...VALID, RATE_LIMIT_WINDOW_SECONDS: 'soon' })).toMatch(/RATE_LIMIT_WINDOW_SECONDS/);
  });

  it('lets an API key live 90 days unless told otherwise, from 1 to 365', () => {
    expect(parseConfig(VALID).API_KEY_LIFETIME_DAYS).toBe(90);
    expect(parseConfig({ ...VALID, API_KEY_LIFETIME_DAYS: '30' }).API_KEY_LIFETIME_DAYS).toBe(30);
    expect(() => parseConfig({ ...VALID, API_KEY_LIFETIME_DAYS: '0' })).toThrow(/API_KEY_LIFETIME_DAYS/);
    expect(() => parseConfig({ ...VALID, API_KEY_LIFETIME_DAYS: '366' })).toThrow(/API_KEY_LIFETIME_DAYS/);
  });

  it('parses a complete environment with defaults', () => {
    const config = parseConfig(VALID);
    expect(config).toMatchObject({ NODE_ENV: 'development', API_PORT: 4000, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'scf', LOG_LEVEL: 'info' });
  });

  it('cuts the day at 23:00 Asia/Shanghai unless told otherwise, and names a bad cut-off', () => {
    expect(cutOffSettings(parseConfig(VALID))).toEqual({ zone: 'Asia/Shanghai', time: '23:00' });
    expect(cutOffSettings(parseConfig({ ...VALID, CUT_OFF_TIME: '24:00', CUT_OFF_ZONE: 'Europe/Berlin' }))).toEqual({ zone: 'Europe/Berlin', time: '24:00' });
    expect(problem({ ...VALID, CUT_OFF_TIME: '25:00' })).toMatch(/CUT_OFF_TIME: must be HH:MM from 00:01 to 24:00/);
    expect(problem({ ...VALID, CUT_OFF_TIME: '00:00' })).toMatch(/CUT_OFF_TIME/);
    expect(problem({ ...VALID, CUT_OFF_ZONE: 'Asia/Atlantis' })).toMatch(/CUT_OFF_ZONE: must be an IANA time zone/);
  });

  it('names a missing DATABASE_URL', () => {
    expect(problem({ ...VALID, DATABASE_URL: undefined })).toMatch(/DATABASE_URL: is required but not set/);
  });

  it.each(['mysql://u:p@h/db', 'postgresql://', 'not a url', 'postgresql://host:5432/'])('names a malformed DATABASE_URL (%s) without echoing it', (url) => {
    const message = problem({ ...VALID, DATABASE_URL: url });
    expect(message).toMatch(/DATABASE_URL: must be a postgresql:\/\/user:password@host:port\/database URL/);
  });

  it('names every bad variable at once', () => {
    const message = problem({ DATABASE_URL: 'x', TEMPORAL_ADDRESS: 'nope', API_KEY_PEPPER: 'short', API_PORT: '70000', LOG_LEVEL: 'loud' });
    for (const variable of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_KEY_PEPPER', 'API_PORT', 'LOG_LEVEL']) expect(message).toContain(variable);
  });

  it('does not put the secret in the message', () => {
    const message = problem({ ...VALID, API_KEY_PEPPER: 'hunter2' });
    expect(message).toContain('API_KEY_PEPPER');
    expect(message).not.toContain('hunter2');
  });

  it('refuses production without a webhook secret key, naming the variable', () => {
    const production = { ...VALID, NODE_ENV: 'production', ALLOW_SIMULATED_BANK_IN_PRODUCTION: 'true', API_KEY_PEPPER: RANDOM_PEPPER };
    expect(problem(production)).toMatch(/WEBHOOK_SECRET_KEY: required in production/);
    expect(problem({ ...production, WEBHOOK_SECRET_KEY: '' })).toMatch(/WEBHOOK_SECRET_KEY: required in production/);
    expect(parseConfig({ ...production, WEBHOOK_SECRET_KEY }).NODE_ENV).toBe('production');
  });

  it('refuses the development pepper in production', () => {
    expect(problem({ ...VALID, WEBHOOK_SECRET_KEY, NODE_ENV: 'production', API_KEY_PEPPER: DEVELOPMENT_PEPPER })).toMatch(/API_KEY_PEPPER: the development value/);
  });
});

describe('the bank adapter', () => {
  // A production pepper must look random (see the pepper's own tests below).
  const PRODUCTION = { ...VALID, WEBHOOK_SECRET_KEY, NODE_ENV: 'production', API_KEY_PEPPER: RANDOM_PEPPER };
  const REFUSAL = 'Refusing to start: BANK_ADAPTER is simulator, which moves no real money, and NODE_ENV is production; choose a real bank adapter or set ALLOW_SIMULATED_BANK_IN_PRODUCTION=true.';

  it('is the simulator by default, and refused in production by default', () => {
    expect(parseConfig(VALID)).toMatchObject({ BANK_ADAPTER: 'simulator', ALLOW_SIMULATED_BANK_IN_PRODUCTION: false });
    expect(parseConfig({ ...VALID, NODE_ENV: 'test' }).BANK_ADAPTER).toBe('simulator');
  });

  it.each(['real', 'Simulator', ' simulator', ''])('names BANK_ADAPTER when it is not a known adapter (%j)', (value) => {
    expect(problem({ ...VALID, BANK_ADAPTER: value })).toBe('Invalid configuration:\n  BANK_ADAPTER: must be one of simulator');
  });

  it('refuses the simulator in production with one sentence, whether chosen or defaulted', () => {
    expect(problem({ ...PRODUCTION, BANK_ADAPTER: 'simulator' })).toBe(REFUSAL);
    expect(problem(PRODUCTION)).toBe(REFUSAL);
    expect(problem({ ...PRODUCTION, ALLOW_SIMULATED_BANK_IN_PRODUCTION: 'false' })).toBe(REFUSAL);
    // One sentence on one line: a single full stop, at the end.
    expect(REFUSAL.match(/\.(\s|$)/g)).toEqual(['.']);
    expect(REFUSAL).not.toContain('\n');
  });

  it('runs the simulator in production only when explicitly allowed', () => {
    expect(parseConfig({ ...PRODUCTION, BANK_ADAPTER: 'simulator', ALLOW_SIMULATED_BANK_IN_PRODUCTION: 'true' })).toMatchObject({
      NODE_ENV: 'production',
      BANK_ADAPTER: 'simulator',
      ALLOW_SIMULATED_BANK_IN_PRODUCTION: true,
    });
  });

  it.each(['yes', '1', 'TRUE', ''])('names ALLOW_SIMULATED_BANK_IN_PRODUCTION when it is not true or false (%j)', (value) => {
    expect(problem({ ...PRODUCTION, ALLOW_SIMULATED_BANK_IN_PRODUCTION: value })).toBe('Invalid configuration:\n  ALLOW_SIMULATED_BANK_IN_PRODUCTION: must be true or false');
  });

  it('reports a bad variable before the refusal, and the development pepper before the bank', () => {
    expect(problem({ ...PRODUCTION, LOG_LEVEL: 'loud' })).toMatch(/^Invalid configuration:\n {2}LOG_LEVEL:/);
    expect(problem({ ...PRODUCTION, API_KEY_PEPPER: DEVELOPMENT_PEPPER })).toMatch(/API_KEY_PEPPER: the development value/);
  });

  it('is read alone, with the same checks, by processes that choose the bank before the rest is known', () => {
    expect(parseBankSettings({})).toEqual({ NODE_ENV: 'development', BANK_ADAPTER: 'simulator', ALLOW_SIMULATED_BANK_IN_PRODUCTION: false });
    expect(parseBankSettings({ NODE_ENV: 'production', ALLOW_SIMULATED_BANK_IN_PRODUCTION: 'true' })).toMatchObject({ BANK_ADAPTER: 'simulator', ALLOW_SIMULATED_BANK_IN_PRODUCTION: true });
    expect(() => parseBankSettings({ NODE_ENV: 'production' })).toThrow(REFUSAL);
    expect(() => parseBankSettings({ BANK_ADAPTER: 'real' })).toThrow(/BANK_ADAPTER: must be one of simulator/);
  });
});

describe('the API key pepper', () => {
  it('refuses the placeholder of .env.example anywhere', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(problem({ ...VALID, NODE_ENV, API_KEY_PEPPER: 'replace-with-at-least-32-random-characters' })).toMatch(/API_KEY_PEPPER: is the placeholder of \.env\.example/);
    }
  });

  it.each([
    ['a repeated character', 'p'.repeat(40)],
    ['a repeated phrase', 'test-pepper-test-pepper-test-pepper-0001'],
    ['a made-up sentence', 'ourcompanysecretkeyforthesystem2026abc'],
    ['a short pattern', 'abcdabcdabcdabcdabcdabcdabcdabcdabcd'],
  ])('refuses %s in production, without echoing it', (_case, pepper) => {
    const message = problem({ ...VALID, WEBHOOK_SECRET_KEY, NODE_ENV: 'production', ALLOW_SIMULATED_BANK_IN_PRODUCTION: 'true', API_KEY_PEPPER: pepper });
    expect(message).toMatch(/API_KEY_PEPPER: must be random/);
    expect(message).not.toContain(pepper);
  });

  it('accepts generated values in production', () => {
    for (const pepper of [RANDOM_PEPPER, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']) {
      expect(looksRandom(pepper)).toBe(true);
      expect(parseConfig({ ...VALID, WEBHOOK_SECRET_KEY, NODE_ENV: 'production', ALLOW_SIMULATED_BANK_IN_PRODUCTION: 'true', API_KEY_PEPPER: pepper }).API_KEY_PEPPER).toBe(pepper);
    }
  });
});

describe('CORS origins', () => {
  it('allows no origin by default, and exactly the listed ones otherwise', () => {
    expect(parseConfig(VALID).CORS_ORIGINS).toEqual([]);
    expect(parseConfig({ ...VALID, CORS_ORIGINS: 'https://portal.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://portal.example.com', 'http://localhost:5173']);
  });

  it.each(['*', 'portal.example.com', 'https://portal.example.com/', 'https://portal.example.com/app', 'ftp://files.example.com'])('refuses %j, which is not an origin', (value) => {
    expect(problem({ ...VALID, CORS_ORIGINS: value })).toMatch(/CORS_ORIGINS: must be origins separated by commas/);
  });
});

describe('introspection and GraphiQL', () => {
  it('are on outside production and off in production unless enabled', () => {
    expect(graphqlTools(parseConfig(VALID))).toEqual({ introspection: true, graphiql: true });
    const production = { ...VALID, WEBHOOK_SECRET_KEY, NODE_ENV: 'production', ALLOW_SIMULATED_BANK_IN_PRODUCTION: 'true', API_KEY_PEPPER: RANDOM_PEPPER };
    expect(graphqlTools(parseConfig(production))).toEqual({ introspection: false, graphiql: false });
    expect(graphqlTools(parseConfig({ ...production, GRAPHQL_INTROSPECTION: 'true' }))).toEqual({ introspection: true, graphiql: false });
    expect(graphqlTools(parseConfig({ ...production, GRAPHQL_INTROSPECTION: 'true', GRAPHIQL: 'true' }))).toEqual({ introspection: true, graphiql: true });
    // GraphiQL cannot work without introspection.
    expect(graphqlTools(parseConfig({ ...VALID, GRAPHQL_INTROSPECTION: 'false' }))).toEqual({ introspection: false, graphiql: false });
    expect(problem({ ...VALID, GRAPHIQL: 'yes' })).toMatch(/GRAPHIQL: must be true or false/);
  });
});

describe('NODE_ENV', () => {
  it.each(['api/main.ts', 'workflows/worker/main.ts'])('must be set for %s to start: one sentence and a failing exit code', (entryPoint) => {
    const { NODE_ENV: _unset, ...environment } = process.env;
    const result = spawnSync(process.execPath, ['--import', 'tsx', entryPoint], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...environment, ...VALID, API_KEY_PEPPER: RANDOM_PEPPER },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Refusing to start: NODE_ENV is not set; set it to production, development or test.');
    // Starting a process that loads the entry point through tsx takes seconds on a busy machine.
  }, 40_000);
});

describe('WEBHOOK_SECRET_KEY', () => {
  it('is 32 bytes in base64 when set, and may be unset or empty', () => {
    expect(parseConfig({ ...VALID, WEBHOOK_SECRET_KEY: Buffer.alloc(32, 5).toString('base64') }).WEBHOOK_SECRET_KEY).toBe(Buffer.alloc(32, 5).toString('base64'));
    expect(parseConfig({ ...VALID }).WEBHOOK_SECRET_KEY).toBeUndefined();
    expect(parseConfig({ ...VALID, WEBHOOK_SECRET_KEY: '' }).WEBHOOK_SECRET_KEY).toBe('');
    expect(problem({ ...VALID, WEBHOOK_SECRET_KEY: 'too-short' })).toMatch(/WEBHOOK_SECRET_KEY: must be 32 bytes in base64/);
  });
});
