import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { startTestApi, type TestApi } from '../test/support/api';
import { createActor, uniqueCreditCode, type TestActor } from '../test/support/parties';
import { createLogger } from './logger';
import { REQUEST_BODY_BYTES_MAX } from './request-gate';

// The API's edge as an abusive client meets it, over real HTTP: who is calling is known
// before any of the body is read, and a body is read only when it is JSON and small enough.

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends headers and the first part of a body, then waits for the answer without ever ending
 * the body (unless `end` is set): an answer proves the server did not wait to read it all.
 */
function rawRequest(url: string, { method = 'POST', headers, firstChunk, end = false }: { method?: string; headers: Record<string, string>; firstChunk?: string | Buffer; end?: boolean }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        outgoing.destroy();
      });
    });
    // The server may close the connection while the body is still being sent: that is the point.
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    if (firstChunk !== undefined) outgoing.write(firstChunk);
    if (end) outgoing.end();
  });
}

function codeOf(answer: RawAnswer): unknown {
  return (JSON.parse(answer.body) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code;
}

describe('API edge: authentication first, JSON only, bounded bodies', () => {
  let db: TestDatabase;
  let api: TestApi;
  let supplier: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'] });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('answers 401 to an unauthenticated invalid document instead of validating it', async () => {
    const response = await api.request(undefined, '{ noSuchField { nope } }');
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(response.errors)).not.toContain('noSuchField');
  });

  it('answers 401 before reading the body: a body that never ends still gets its answer', async () => {
    const answer = await rawRequest(api.url, {
      headers: { 'content-type': 'application/json', 'content-length': String(20 * 1024 * 1024) },
      firstChunk: `{"query":"${'x'.repeat(64 * 1024)}`,
    });
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(codeOf(answer)).toBe('UNAUTHENTICATED');
    expect(answer.body.length).toBeLessThan(512);
  });

  it('keeps answering an authenticated client while unauthenticated 20 MB requests arrive', async () => {
    const flood = Array.from({ length: 4 }, () =>
      rawRequest(api.url, { headers: { 'content-type': 'application/json', 'content-length': String(20 * 1024 * 1024) }, firstChunk: Buffer.alloc(1024 * 1024, 0x20) }),
    );
    const started = performance.now();
    const viewer = await api.request(supplier.token, '{ viewer { party { id } } }');
    expect(viewer.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(5_000);
    for (const answer of await Promise.all(flood)) expect(answer.status).toBe(401);
  });

  it('answers 401 to an unauthenticated multipart upload and 415 to an authenticated one', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: '{ viewer { party { id } } }' }));
    form.set('map', '{}');
    const anonymous = await fetch(api.url, { method: 'POST', body: form });
    expect(anonymous.status).toBe(401);
    const signedIn = await fetch(api.url, { method: 'POST', body: form, headers: { authorization: `Bearer ${supplier.token}` } });
    expect(signedIn.status).toBe(415);
    expect(((await signedIn.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each(['application/x-www-form-urlencoded', 'text/plain', 'application/graphql'])('answers 415 to a POST of %s', async (contentType) => {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${supplier.token}` },
      body: contentType === 'application/x-www-form-urlencoded' ? 'query=%7B%20viewer%20%7B%20party%20%7B%20id%20%7D%20%7D%20%7D' : '{ viewer { party { id } } }',
    });
    expect(response.status).toBe(415);
  });

  it(`answers 413 to a body over ${REQUEST_BODY_BYTES_MAX} bytes, declared or not`, async () => {
    const declared = await rawRequest(api.url, {
      headers: { 'content-type': 'application/json', 'content-length': String(REQUEST_BODY_BYTES_MAX + 1), authorization: `Bearer ${supplier.token}` },
      firstChunk: '{"query":"',
    });
    expect(declared.status).toBe(413);
    expect(codeOf(declared)).toBe('PAYLOAD_TOO_LARGE');
    expect(JSON.parse(declared.body).errors[0].message).toContain(String(REQUEST_BODY_BYTES_MAX));
    // Chunked, with no length announced: refused once the limit is passed, without the rest.
    const chunked = await rawRequest(api.url, {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: `Bearer ${supplier.token}` },
      firstChunk: Buffer.alloc(REQUEST_BODY_BYTES_MAX + 1024, 0x20),
    });
    expect(chunked.status).toBe(413);
  });

  it('still answers a body just under the limit', async () => {
    const query = '{ viewer { party { id } } }';
    const padding = ' '.repeat(REQUEST_BODY_BYTES_MAX - 200);
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${supplier.token}` },
      body: JSON.stringify({ query: query + padding }),
    });
    expect(response.status).toBe(200);
  });

  it('answers 405 to a GraphQL query sent with GET, and keeps the health check open', async () => {
    const url = `${api.url}?query=${encodeURIComponent('{ viewer { party { id } } }')}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${supplier.token}`, accept: 'application/json' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    const health = await fetch(new URL('/health', api.url));
    expect(health.status).toBe(200);
  });
});

describe('API edge: CORS from an allow-list, introspection off when configured', () => {
  const ALLOWED = 'https://portal.example.com';
  let db: TestDatabase;
  let api: TestApi;
  let supplier: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    // As production runs by default: no GraphiQL, no introspection, one allowed origin.
    api = await startTestApi(db.prisma, { graphiql: false, introspection: false, corsOrigins: [ALLOWED] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'] });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('allows a listed origin without credentials, and never reflects another', async () => {
    const allowed = await api.request(supplier.token, '{ viewer { party { id } } }', undefined, { origin: ALLOWED });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const stranger = await api.request(supplier.token, '{ viewer { party { id } } }', undefined, { origin: 'https://evil.example.net' });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(api.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const allowedPreflight = await fetch(api.url, { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(allowedPreflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('refuses introspection but keeps __typename', async () => {
    const introspection = await api.request(supplier.token, '{ __schema { types { name } } }');
    expect(introspection.data).toBeUndefined();
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typename = await api.request<{ viewer: { __typename: string } }>(supplier.token, '{ viewer { __typename } }');
    expect(typename.errors).toBeUndefined();
    expect(typename.data?.viewer.__typename).toBe('Viewer');
  });

  it('serves no GraphiQL page, and says nosniff on its refusals', async () => {
    const page = await fetch(api.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('API edge: client mistakes are typed errors, and logs stay small', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;
  let supplier: TestActor;
  const logLines: string[] = [];

  const cursor = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const CREATE_PARTY = `mutation ($input: CreatePartyInput!) { createParty(input: $input) { __typename ... on Error { code message } ... on ValidationError { issues { path message } } } }`;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The service's own logger, writing where the test can read it.
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => void logLines.push(line) } });
    api = await startTestApi(db.prisma, { logger });
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'] });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('answers BAD_USER_INPUT to an id whose inner id is not a UUID, in a filter', async () => {
    const response = await api.request(supplier.token, 'query ($id: ID!) { receivables(first: 5, filter: { obligorPartyId: $id }) { edges { node { id } } } }', {
      id: Buffer.from('Party:not-a-uuid').toString('base64url'),
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['a bigint that overflows', cursor('GPC:I:99999999999999999999999999')],
    ['a string that is not a UUID', cursor('GPC:S:not-a-uuid')],
    ['a number that is not whole', cursor('GPC:N:1.5')],
    ['no cursor of ours', cursor('hello')],
    ['a megabyte', 'A'.repeat(100_000)],
  ])('answers BAD_USER_INPUT to a cursor that is %s', async (_case, after) => {
    const response = await api.request(operator.token, 'query ($after: String) { parties(first: 5, after: $after) { edges { node { id } } } }', { after });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message.length).toBeLessThan(300);
  });

  it.each([
    ['a NUL character', '深圳市测试\u0000有限公司'],
    ['a right-to-left override', '深圳市测试\u202Emoc.live有限公司'],
    ['a bidi isolate', '深圳市测试\u2066有限公司'],
    ['an escape character', '深圳市测试\u001b[31m有限公司'],
  ])('refuses a legal name with %s as the client’s mistake', async (_case, legalName) => {
    const response = await api.request<{ createParty: { __typename: string } }>(operator.token, CREATE_PARTY, {
      input: { legalName, creditCode: uniqueCreditCode(), roles: ['SUPPLIER'] },
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/legalName contains the control or bidirectional formatting character U\+[0-9A-F]{4}/);
    expect(await db.prisma.party.count({ where: { legalName: { startsWith: '深圳市测试' } } })).toBe(0);
  });

  it('keeps a line of log small whatever the input', async () => {
    logLines.length = 0;
    const huge = 'A'.repeat(900_000);
    const response = await api.request(supplier.token, 'query ($id: ID!) { receivable(id: $id) { id } }', { id: huge });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const withCursor = await api.request(operator.token, 'query ($after: String) { parties(first: 5, after: $after) { edges { node { id } } } }', { after: huge });
    expect(withCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const written = logLines.reduce((total, line) => total + line.length, 0);
    expect(written).toBeLessThan(32 * 1024);
  });
});

describe('API edge: rate limits per API key and per address', () => {
  const WINDOW_SECONDS = 60;
  let db: TestDatabase;
  let api: TestApi;
  let supplier: TestActor;
  let other: TestActor;
  const logLines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => void logLines.push(line) } });
    api = await startTestApi(db.prisma, { logger, rateLimit: { perKey: 3, unauthenticatedPerAddress: 2, windowSeconds: WINDOW_SECONDS } });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'] });
    other = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'] });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('counts a key down in the RateLimit headers, then refuses it with 429 RATE_LIMITED and Retry-After, other keys unaffected', async () => {
    const remaining: Array<string | null> = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await api.request(supplier.token, '{ viewer { user { id } } }');
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('3');
      remaining.push(response.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await api.request(supplier.token, '{ viewer { user { id } } }');
    expect(refused.status).toBe(429);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.message).toMatch(/3 in 60 seconds/);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(Number(refused.headers.get('ratelimit-reset'))).toBe(retryAfter);

    const another = await api.request(other.token, '{ viewer { user { id } } }');
    expect(another.status).toBe(200);
    expect(another.headers.get('ratelimit-remaining')).toBe('2');
  });

  it('counts downloads against the key like GraphQL requests, and refuses them past the limit', async () => {
    const reader = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['VIEWER'] });
    const download = (path: string) => fetch(new URL(path, api.url), { headers: { authorization: `Bearer ${reader.token}` } });
    expect((await api.request(reader.token, '{ viewer { user { id } } }')).headers.get('ratelimit-remaining')).toBe('2');
    const unknown = await download(`/documents/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('ratelimit-remaining')).toBe('1');
    const report = await download('/reconciliation-reports/2026-12-01/CNY.csv');
    expect(report.status).toBe(404);
    expect(report.headers.get('ratelimit-remaining')).toBe('0');
    const refused = await download(`/documents/${randomUUID()}`);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses an address that keeps failing authentication before its token is looked up', async () => {
    for (let index = 0; index < 2; index += 1) {
      const response = await api.request('scf_not-a-real-key', '{ __typename }');
      expect(response.status).toBe(401);
      expect(response.headers.get('ratelimit-remaining')).toBe(String(1 - index));
    }
    // A token that is looked up and refused is logged as a failed authentication: the third is not.
    const failures = () => logLines.filter((line) => line.includes('authentication failed')).length;
    expect(failures()).toBe(2);
    const refused = await api.request('scf_not-a-real-key', '{ __typename }');
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(failures()).toBe(2);
    expect(logLines.some((line) => line.includes('too many refused authentications'))).toBe(true);
    // Until the window ends the address is refused before any lookup, so a valid key from it too:
    // what is not looked up cannot be told apart.
    const valid = await api.request(other.token, '{ __typename }');
    expect(valid.status).toBe(429);
  });
});
