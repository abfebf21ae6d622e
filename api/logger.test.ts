import { describe, expect, it } from 'vitest';
import { createLogger, LOG_STRING_LENGTH_MAX } from './logger';

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
  return { lines, logger };
}

describe('logger', () => {
  const HUGE = 'A'.repeat(1_000_000);

  it('cuts any long string of a log line, in fields, nested objects, errors and the message', () => {
    const { lines, logger } = capture();
    logger.info({ id: HUGE, nested: { path: [HUGE, 'short'] } }, 'lookup');
    logger.error({ err: new Error(`invalid input syntax for type uuid: "${HUGE}"`) }, 'unexpected error');
    logger.warn(HUGE);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.length).toBeLessThan(4 * LOG_STRING_LENGTH_MAX + 2_000);
    const first = JSON.parse(lines[0] as string);
    expect(first.id).toMatch(new RegExp(`^A{${LOG_STRING_LENGTH_MAX}}…\\[${1_000_000 - LOG_STRING_LENGTH_MAX} more characters\\]$`));
    expect(first.nested.path[1]).toBe('short');
    expect(JSON.parse(lines[1] as string).err.type).toBe('Error');
  });

  it('keeps short values as they are, and still redacts credentials', () => {
    const { lines, logger } = capture();
    logger.info({ requestId: 'req-1', headers: { authorization: 'Bearer scf_secret' }, amount: '1250.50' }, 'request');
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({ requestId: 'req-1', amount: '1250.50', headers: { authorization: '[redacted]' }, msg: 'request' });
  });
});
