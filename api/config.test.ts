import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_PEPPER, parseConfig } from './config';

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
