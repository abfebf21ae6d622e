import { describe, expect, it } from 'vitest';
import { ConfigError, cutOffSettings, DEVELOPMENT_PEPPER, parseBankSettings, parseConfig } from './config';

const VALID = {
  DATABASE_URL: 'postgresql://scf:secret@db.internal:5432/scf',
  TEMPORAL_ADDRESS: 'temporal:7233',
  API_KEY_PEPPER: 'p'.repeat(40),
};

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

  it('refuses the development pepper in production', () => {
    expect(problem({ ...VALID, NODE_ENV: 'production', API_KEY_PEPPER: DEVELOPMENT_PEPPER })).toMatch(/API_KEY_PEPPER: the development value/);
  });
});

describe('the bank adapter', () => {
  const PRODUCTION = { ...VALID, NODE_ENV: 'production' };
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
