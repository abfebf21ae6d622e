import { describe, expect, it } from 'vitest';
import type { SeededToken } from '../../prisma/seed';
import { GRAPHIQL_USER_EMAIL, graphiqlToken } from './graphiql-token';

const TOKENS: SeededToken[] = [
  { party: 'supplier', legalName: '深圳市华强精密电子有限公司', email: 'maker@supplier.example', roles: ['ADMIN', 'MAKER'], token: 'scf_supplier' },
  { party: 'operator', legalName: '链融科技（深圳）有限公司', email: 'ops.checker@platform.example', roles: ['ADMIN', 'CHECKER'], token: 'scf_checker' },
  { party: 'operator', legalName: '链融科技（深圳）有限公司', email: GRAPHIQL_USER_EMAIL, roles: ['ADMIN', 'MAKER'], token: 'scf_operator_maker' },
];

describe('the token GraphiQL opens with', () => {
  it("is the operator maker's seeded token in development on loopback", () => {
    for (const apiHost of ['127.0.0.1', '::1', 'localhost']) {
      expect(graphiqlToken({ tokens: TOKENS, nodeEnv: 'development', apiHost })).toBe('scf_operator_maker');
    }
    expect(graphiqlToken({ tokens: TOKENS, nodeEnv: 'test', apiHost: '127.0.0.1' })).toBe('scf_operator_maker');
  });

  it('is never given in production', () => {
    expect(graphiqlToken({ tokens: TOKENS, nodeEnv: 'production', apiHost: '127.0.0.1' })).toBeUndefined();
  });

  it('is not given when the API listens beyond loopback, where anyone who reaches it would get the page', () => {
    for (const apiHost of ['0.0.0.0', '::', '192.168.1.20', 'scf.intranet.example']) {
      expect(graphiqlToken({ tokens: TOKENS, nodeEnv: 'development', apiHost })).toBeUndefined();
    }
  });

  it('is absent without seeded tokens or without the operator maker among them', () => {
    expect(graphiqlToken({ tokens: undefined, nodeEnv: 'development', apiHost: '127.0.0.1' })).toBeUndefined();
    expect(graphiqlToken({ tokens: TOKENS.filter((entry) => entry.email !== GRAPHIQL_USER_EMAIL), nodeEnv: 'development', apiHost: '127.0.0.1' })).toBeUndefined();
  });
});
