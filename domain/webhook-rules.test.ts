import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors';
import { isAllowedAddress, isPrivateAddress, parseWebhookEventTypes, parseWebhookUrl, webhookRetryDelayMs, WEBHOOK_RETRY_INTERVAL_MAX_MS, WEBHOOK_RETRY_WINDOW_MS } from './webhook-rules';

const PRODUCTION = { allowLoopback: false };
const DEVELOPMENT = { allowLoopback: true };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseWebhookUrl', () => {
  it('accepts a public https URL everywhere', () => {
    expect(parseWebhookUrl('https://erp.example.com/hooks/scf?x=1', PRODUCTION).href).toBe('https://erp.example.com/hooks/scf?x=1');
    expect(parseWebhookUrl('https://203.0.113.10:8443/hooks', PRODUCTION).hostname).toBe('203.0.113.10');
  });

  it.each([
    ['http://erp.example.com/hooks', 'WEBHOOK_URL_SCHEME'],
    ['ftp://erp.example.com/hooks', 'WEBHOOK_URL_SCHEME'],
    ['file:///etc/passwd', 'WEBHOOK_URL_SCHEME'],
    ['http://127.0.0.1:9000/hooks', 'WEBHOOK_URL_SCHEME'],
    ['https://127.0.0.1/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://localhost/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://10.1.2.3/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://172.16.0.1/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://172.31.255.255/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://192.168.1.1/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://169.254.169.254/latest/meta-data', 'WEBHOOK_URL_PRIVATE'],
    ['https://100.64.0.1/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://0.0.0.0/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://[::1]/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://[fd00::1]/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://[fe80::1]/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://[::ffff:10.0.0.1]/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://[::ffff:127.0.0.1]/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://2130706433/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://0x7f.1/hooks', 'WEBHOOK_URL_PRIVATE'],
    ['https://user:pass@erp.example.com/hooks', 'WEBHOOK_URL_INVALID'],
    ['not a url', 'WEBHOOK_URL_INVALID'],
    [`https://erp.example.com/${'a'.repeat(2048)}`, 'WEBHOOK_URL_INVALID'],
  ])('refuses %s in production (%s)', (url, code) => {
    expect(codeOf(() => parseWebhookUrl(url, PRODUCTION))).toBe(code);
  });

  it('allows loopback receivers, over http too, outside production only', () => {
    expect(parseWebhookUrl('http://127.0.0.1:9000/hooks', DEVELOPMENT).port).toBe('9000');
    expect(parseWebhookUrl('http://localhost:9000/hooks', DEVELOPMENT).hostname).toBe('localhost');
    expect(parseWebhookUrl('http://[::1]:9000/hooks', DEVELOPMENT).hostname).toBe('[::1]');
    // Loopback is the exception, not private networks: those stay refused in development.
    expect(codeOf(() => parseWebhookUrl('http://10.0.0.5/hooks', DEVELOPMENT))).toBe('WEBHOOK_URL_SCHEME');
    expect(codeOf(() => parseWebhookUrl('https://169.254.169.254/hooks', DEVELOPMENT))).toBe('WEBHOOK_URL_PRIVATE');
  });
});

describe('isPrivateAddress', () => {
  it.each(['8.8.8.8', '203.0.113.10', '172.15.255.255', '172.32.0.0', '100.63.255.255', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
    expect(isAllowedAddress(address, PRODUCTION)).toBe(true);
  });

  it.each(['127.0.0.1', '127.255.0.1', '10.0.0.1', '192.168.0.1', '169.254.1.1', '224.0.0.1', '255.255.255.255', '::', '::1', 'fc00::1', 'fe80::abcd', 'ff02::1', '64:ff9b::a9fe:a9fe', 'garbage', '1.2.3'])('%s is not to be reached', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
    expect(isAllowedAddress(address, PRODUCTION)).toBe(false);
  });

  it('allows loopback, and only loopback, outside production', () => {
    expect(isAllowedAddress('127.0.0.1', DEVELOPMENT)).toBe(true);
    expect(isAllowedAddress('::1', DEVELOPMENT)).toBe(true);
    expect(isAllowedAddress('10.0.0.1', DEVELOPMENT)).toBe(false);
  });
});

describe('parseWebhookEventTypes', () => {
  it('accepts known types once each', () => {
    expect(parseWebhookEventTypes(['FINANCING_UPDATED', 'FINANCING_UPDATED', 'REPAYMENT_RECEIVED'])).toEqual(['FINANCING_UPDATED', 'REPAYMENT_RECEIVED']);
  });
  it('refuses unknown, operator-only and no types', () => {
    expect(codeOf(() => parseWebhookEventTypes(['FINANCING_DELETED']))).toBe('WEBHOOK_EVENT_TYPE_UNKNOWN');
    expect(codeOf(() => parseWebhookEventTypes(['INBOUND_EXCEPTION_RAISED']))).toBe('WEBHOOK_EVENT_TYPE_UNKNOWN');
    expect(codeOf(() => parseWebhookEventTypes([]))).toBe('WEBHOOK_EVENT_TYPE_UNKNOWN');
  });
});

describe('webhookRetryDelayMs', () => {
  it('doubles from 30 seconds up to 4 hours, so three days hold a bounded number of attempts', () => {
    expect([1, 2, 3, 4].map(webhookRetryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(webhookRetryDelayMs(40)).toBe(WEBHOOK_RETRY_INTERVAL_MAX_MS);
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + webhookRetryDelayMs(attempts) <= WEBHOOK_RETRY_WINDOW_MS) elapsed += webhookRetryDelayMs(attempts++);
    expect(attempts).toBe(26);
  });
});
