import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGAL_NAME_LENGTH_MAX } from '../domain/party-rules';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { startTestApi, type TestApi } from '../test/support/api';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, uniqueCreditCode, type TestActor } from '../test/support/parties';
import { QUERY_ALIASES_MAX, QUERY_COST_MAX, QUERY_DEPTH_MAX } from './yoga';

// The foundation's API, called over real HTTP as a client would: authentication,
// party scoping, typed errors for bad input, and the protective limits.

describe('API: authentication, parties, users and API keys', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operatorAdmin: TestActor;
  let operatorViewer: TestActor;
  let supplier: TestActor;
  let funder: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operatorAdmin = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'], legalName: '链融科技（深圳）有限公司' });
    operatorViewer = await createActor(db.prisma, { partyId: operatorAdmin.partyId, userRoles: ['VIEWER'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'], legalName: '深圳市华强精密电子有限公司' });
    funder = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['ADMIN', 'MAKER'] });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  describe('authentication', () => {
    it.each([
      ['no Authorization header', undefined, /missing Authorization header/],
      ['a malformed token', 'not-a-token', /malformed bearer token/],
      ['an unknown key', `scf_0123456789abcdef_${'a'.repeat(43)}`, /invalid bearer token/],
    ])('answers 401 to %s', async (_case, token, message) => {
      const response = await api.request(token, '{ viewer { apiKey { id } } }');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(response.errors?.[0]?.message).toMatch(message);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('answers 401 to a non-Bearer scheme', async () => {
      const response = await api.request(undefined, '{ viewer { apiKey { id } } }', undefined, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
      expect(response.status).toBe(401);
    });

    it('answers 401 to a valid key id with a wrong secret', async () => {
      const [, keyId] = supplier.token.split('_');
      const response = await api.request(`scf_${keyId}_${'b'.repeat(43)}`, '{ viewer { apiKey { id } } }');
      expect(response.status).toBe(401);
    });

    it('answers who is calling, with the Chinese legal name intact', async () => {
      const response = await api.request<{ viewer: { party: { legalName: string; roles: string[] }; user: { email: string } } }>(
        supplier.token,
        '{ viewer { party { legalName roles } user { email } } }',
      );
      expect(response.status).toBe(200);
      expect(response.data?.viewer.party).toEqual({ legalName: '深圳市华强精密电子有限公司', roles: ['SUPPLIER'] });
      expect(response.data?.viewer.user.email).toBe(supplier.email);
    });

    it('echoes a sane x-request-id and replaces an unsafe one', async () => {
      const kept = await api.request(supplier.token, '{ viewer { apiKey { id } } }', undefined, { 'x-request-id': 'client-req-42' });
      expect(kept.headers.get('x-request-id')).toBe('client-req-42');
      const replaced = await api.request(supplier.token, '{ viewer { apiKey { id } } }', undefined, { 'x-request-id': 'bad id with spaces' });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('party scoping', () => {
    const PARTY = `query ($id: ID!) { party(id: $id) { __typename id legalName } }`;

    it('shows a party its own record', async () => {
      const response = await api.request<{ party: { __typename: string; id: string } }>(supplier.token, PARTY, { id: globalId('Party', supplier.partyId) });
      expect(response.data?.party).toMatchObject({ __typename: 'Party', id: globalId('Party', supplier.partyId) });
    });

    it("answers null for another party's record, exactly as for an unknown id", async () => {
      const other = await api.request<{ party: null }>(supplier.token, PARTY, { id: globalId('Party', funder.partyId) });
      const unknown = await api.request<{ party: null }>(supplier.token, PARTY, { id: globalId('Party', '00000000-0000-4000-8000-000000000000') });
      expect(other.errors).toBeUndefined();
      expect(other.data).toEqual({ party: null });
      expect(unknown.errors).toBeUndefined();
      expect(unknown.data).toEqual(other.data);
      expect(JSON.stringify(other.data)).not.toContain(funder.partyId.slice(0, 8) + 'x');
    });

    it('lets operators read any party', async () => {
      const response = await api.request<{ party: { __typename: string } }>(operatorViewer.token, PARTY, { id: globalId('Party', funder.partyId) });
      expect(response.data?.party.__typename).toBe('Party');
    });

    it('rejects a malformed id, and the id of another type, as bad input', async () => {
      for (const id of ['not-a-uuid', funder.partyId, globalId('User', funder.userId)]) {
        const response = await api.request<{ party: null }>(supplier.token, PARTY, { id });
        expect(response.errors).toHaveLength(1);
        expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(response.data).toEqual({ party: null });
      }
    });

    it('lists parties for operators only, as a connection with a page size limit', async () => {
      const query = `query ($first: Int) { parties(first: $first, filter: { role: SUPPLIER }) { edges { node { id roles } } pageInfo { hasNextPage } } }`;
      const refused = await api.request<{ parties: unknown }>(supplier.token, query, { first: 10 });
      expect(refused.errors).toHaveLength(1);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.data?.parties ?? null).toBeNull();
      const listed = await api.request<{ parties: { edges: Array<{ node: { id: string; roles: string[] } }> } }>(operatorViewer.token, query, { first: 10 });
      const ids = listed.data?.parties.edges.map((edge) => edge.node.id) ?? [];
      expect(ids).toContain(globalId('Party', supplier.partyId));
      expect(ids).not.toContain(globalId('Party', funder.partyId));
      await db.prisma.party.createMany({ data: Array.from({ length: 105 }, (_, index) => ({ legalName: `批量供应商 ${index}`, creditCode: uniqueCreditCode(), roles: ['SUPPLIER' as const] })) });
      const capped = await api.request<{ parties: { edges: unknown[]; pageInfo: { hasNextPage: boolean } } }>(operatorViewer.token, query, { first: 1000 });
      expect(capped.data?.parties.edges).toHaveLength(100);
      expect(capped.data?.parties.pageInfo.hasNextPage).toBe(true);
      const negative = await api.request(operatorViewer.token, query, { first: -1 });
      expect(negative.errors?.[0]?.message ?? JSON.stringify(negative.data)).toMatch(/first/);
    });
  });

  describe('createParty', () => {
    const CREATE = `mutation ($input: CreatePartyInput!) { createParty(input: $input) {
      __typename ... on Party { id legalName creditCode roles } ... on Error { code message } ... on ValidationError { issues { path message } } } }`;

    it('creates a party with a Chinese legal name and normalises its credit code', async () => {
      const creditCode = uniqueCreditCode();
      const response = await api.request<{ createParty: { __typename: string; legalName: string; creditCode: string } }>(operatorAdmin.token, CREATE, {
        input: { legalName: '  广州云海智能制造集团股份有限公司 ', creditCode: ` ${creditCode.toLowerCase()} `, roles: ['CORE_ENTERPRISE'] },
      });
      expect(response.data?.createParty).toMatchObject({ __typename: 'Party', legalName: '广州云海智能制造集团股份有限公司', creditCode });
    });

    it.each([
      ['an invalid check character', { creditCode: '91350100M000100Y44' }, ['input', 'creditCode'], /check character/],
      ['a code of the wrong length', { creditCode: '9135' }, ['input', 'creditCode'], /18 characters/],
      ['forbidden letters', { creditCode: '91350100M00O100Y43' }, ['input', 'creditCode'], /letters/],
      ['a blank name', { legalName: '   ' }, ['input', 'legalName'], /blank/],
      ['a name longer than the bank takes as a payout beneficiary', { legalName: '长'.repeat(LEGAL_NAME_LENGTH_MAX + 1) }, ['input', 'legalName'], new RegExp(`at most ${LEGAL_NAME_LENGTH_MAX} characters`)],
      ['a name the documents cannot print', { legalName: '测试有限公司😀' }, ['input', 'legalName'], /U\+1F600/],
      ['no roles', { roles: [] }, ['input', 'roles'], /at least one role/],
    ])('refuses %s and changes nothing', async (_case, override, path, message) => {
      const before = await db.prisma.party.count();
      const response = await api.request<{ createParty: { __typename: string; code: string; issues: Array<{ path: string[]; message: string }> } }>(operatorAdmin.token, CREATE, {
        input: { legalName: '测试有限公司', creditCode: uniqueCreditCode(), roles: ['SUPPLIER'], ...override },
      });
      expect(response.data?.createParty.__typename).toBe('ValidationError');
      expect(response.data?.createParty.code).toBe('VALIDATION_FAILED');
      const issue = response.data?.createParty.issues.find((candidate) => candidate.path.join('.') === path.join('.'));
      expect(issue?.message).toMatch(message);
      expect(await db.prisma.party.count()).toBe(before);
    });

    it('refuses a duplicate credit code with a conflict', async () => {
      const creditCode = uniqueCreditCode();
      await api.request(operatorAdmin.token, CREATE, { input: { legalName: '甲公司', creditCode, roles: ['SUPPLIER'] } });
      const again = await api.request<{ createParty: { __typename: string; code: string } }>(operatorAdmin.token, CREATE, {
        input: { legalName: '乙公司', creditCode, roles: ['SUPPLIER'] },
      });
      expect(again.data?.createParty).toMatchObject({ __typename: 'ConflictError', code: 'CREDIT_CODE_TAKEN' });
    });

    it('is for platform administrators only', async () => {
      for (const actor of [supplier, operatorViewer]) {
        const response = await api.request<{ createParty: { __typename: string } }>(actor.token, CREATE, {
          input: { legalName: '丙公司', creditCode: uniqueCreditCode(), roles: ['SUPPLIER'] },
        });
        expect(response.data?.createParty.__typename).toBe('ForbiddenError');
      }
    });
  });

  describe('users and API keys', () => {
    const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename ... on User { id email roles party { id } } ... on Error { code message } } }`;
    const ISSUE = `mutation ($input: IssueApiKeyInput!) { issueApiKey(input: $input) { __typename ... on IssuedApiKey { token apiKey { id keyId label } } ... on Error { code message } } }`;
    const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename ... on ApiKey { id revokedAt } ... on Error { code message } } }`;

    it('lets a party administrator add a user to its own party, and only there', async () => {
      const created = await api.request<{ createUser: { __typename: string; email: string; party: { id: string } } }>(supplier.token, CREATE_USER, {
        input: { partyId: globalId('Party', supplier.partyId), email: 'New.Checker@Supplier.Example', displayName: '复核员 张三', roles: ['CHECKER'] },
      });
      expect(created.data?.createUser).toMatchObject({ __typename: 'User', email: 'new.checker@supplier.example', party: { id: globalId('Party', supplier.partyId) } });

      const elsewhere = await api.request<{ createUser: { __typename: string } }>(supplier.token, CREATE_USER, {
        input: { partyId: globalId('Party', funder.partyId), email: 'intruder@supplier.example', displayName: 'Intruder', roles: ['ADMIN'] },
      });
      expect(elsewhere.data?.createUser.__typename).toBe('NotFoundError');

      const duplicate = await api.request<{ createUser: { __typename: string; code: string } }>(supplier.token, CREATE_USER, {
        input: { partyId: globalId('Party', supplier.partyId), email: 'new.checker@supplier.example', displayName: 'Again', roles: ['CHECKER'] },
      });
      expect(duplicate.data?.createUser).toMatchObject({ __typename: 'ConflictError', code: 'EMAIL_TAKEN' });

      const invalid = await api.request<{ createUser: { __typename: string } }>(supplier.token, CREATE_USER, {
        input: { partyId: globalId('Party', supplier.partyId), email: 'not-an-email', displayName: 'X', roles: ['CHECKER'] },
      });
      expect(invalid.data?.createUser.__typename).toBe('ValidationError');
    });

    it('issues a working token once, and a revoked key gets 401 from then on', async () => {
      const issued = await api.request<{ issueApiKey: { __typename: string; token: string; apiKey: { id: string; keyId: string } } }>(supplier.token, ISSUE, {
        input: { userId: globalId('User', supplier.userId), label: 'ERP integration' },
      });
      expect(issued.data?.issueApiKey.__typename).toBe('IssuedApiKey');
      const { token, apiKey } = issued.data!.issueApiKey;
      expect(token).toContain(apiKey.keyId);
      const stored = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: rowId(apiKey.id) } });
      // The secret is everything after the second underscore (base64url: it may hold underscores itself).
      const secret = token.slice(token.indexOf('_', token.indexOf('_') + 1) + 1);
      expect(secret.length).toBeGreaterThan(20);
      expect(stored.secretHash).not.toContain(secret);

      expect((await api.request(token, '{ viewer { apiKey { id } } }')).status).toBe(200);
      const revoked = await api.request<{ revokeApiKey: { __typename: string; revokedAt: string } }>(supplier.token, REVOKE, { id: apiKey.id });
      expect(revoked.data?.revokeApiKey.__typename).toBe('ApiKey');
      const after = await api.request(token, '{ viewer { apiKey { id } } }');
      expect(after.status).toBe(401);
      expect(after.errors?.[0]?.message).toMatch(/revoked/);
    });

    it('refuses an expired key with 401', async () => {
      const issued = await api.request<{ issueApiKey: { token: string; apiKey: { id: string } } }>(supplier.token, ISSUE, {
        input: { userId: globalId('User', supplier.userId), label: 'short-lived', expiresAt: new Date(Date.now() + 60_000).toISOString() },
      });
      const { token, apiKey } = issued.data!.issueApiKey;
      await db.query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [rowId(apiKey.id)]);
      const response = await api.request(token, '{ viewer { apiKey { id } } }');
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.message).toMatch(/expired/);
    });

    it("refuses to issue or revoke keys for another party's users", async () => {
      const issue = await api.request<{ issueApiKey: { __typename: string } }>(supplier.token, ISSUE, { input: { userId: globalId('User', funder.userId), label: 'x' } });
      expect(issue.data?.issueApiKey.__typename).toBe('NotFoundError');
      const funderKey = await db.prisma.apiKey.findFirstOrThrow({ where: { userId: funder.userId } });
      const revoke = await api.request<{ revokeApiKey: { __typename: string } }>(supplier.token, REVOKE, { id: globalId('ApiKey', funderKey.id) });
      expect(revoke.data?.revokeApiKey.__typename).toBe('NotFoundError');
      expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: funderKey.id } })).revokedAt).toBeNull();
    });

    it('refuses an expiry in the past and a blank label', async () => {
      const past = await api.request<{ issueApiKey: { __typename: string } }>(supplier.token, ISSUE, {
        input: { userId: globalId('User', supplier.userId), label: 'x', expiresAt: '2020-01-01T00:00:00Z' },
      });
      expect(past.data?.issueApiKey.__typename).toBe('ValidationError');
      const blank = await api.request<{ issueApiKey: { __typename: string } }>(supplier.token, ISSUE, { input: { userId: globalId('User', supplier.userId), label: '  ' } });
      expect(blank.data?.issueApiKey.__typename).toBe('ValidationError');
      const badDate = await api.request(supplier.token, ISSUE, { input: { userId: globalId('User', supplier.userId), label: 'x', expiresAt: 'tomorrow' } });
      expect(badDate.errors?.[0]?.message).toMatch(/ISO 8601/);
    });
  });

  describe('protective limits', () => {
    it(`refuses queries deeper than ${QUERY_DEPTH_MAX}`, async () => {
      // viewer > user > party > users > edges > node > party > users > ... one field per level,
      // pages of one so that the depth, not the cost of nested pages, is what is over its limit.
      const cycle = ['party', 'users(first: 1)', 'edges', 'node'];
      const fields = ['viewer', 'user', ...Array.from({ length: QUERY_DEPTH_MAX }, (_, index) => cycle[index % cycle.length] as string)];
      const query = `{ ${fields.join(' { ')} { __typename${' }'.repeat(fields.length)} }`;
      const response = await api.request(supplier.token, query);
      expect(response.errors?.[0]?.message).toMatch(/depth/i);
      expect(response.data).toBeUndefined();
    });

    it(`refuses queries costlier than ${QUERY_COST_MAX}`, async () => {
      const wide = Array.from({ length: QUERY_ALIASES_MAX - 1 }, (_, index) => `f${index}: users(first: 100) { edges { node { party { users { edges { node { apiKeys { edges { node { id keyId label createdAt expiresAt revokedAt } } } } } } } } } }`).join(' ');
      const response = await api.request(supplier.token, `{ viewer { party { ${wide} } } }`);
      expect(response.errors?.map((error) => error.message).join(' ')).toMatch(/cost/i);
      // Cost is the only reason: the query is otherwise valid, so the limit is what refuses it.
      expect(response.errors?.filter((error) => !/cost/i.test(error.message))).toEqual([]);
    });

    it(`refuses more than ${QUERY_ALIASES_MAX} aliases`, async () => {
      const aliases = Array.from({ length: QUERY_ALIASES_MAX + 1 }, (_, index) => `a${index}: viewer { apiKey { id } }`).join(' ');
      const response = await api.request(supplier.token, `{ ${aliases} }`);
      expect(response.errors?.[0]?.message).toMatch(/aliases/i);
    });

    it('masks unexpected errors without leaking details', async () => {
      const response = await api.request(supplier.token, '{ nonsense }');
      expect(response.errors?.[0]?.message).toMatch(/Cannot query field/);
      expect(JSON.stringify(response)).not.toMatch(/stack|prisma|postgres/i);
    });
  });
});
