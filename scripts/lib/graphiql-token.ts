import type { SeededToken } from '../../prisma/seed';

/** The seeded user whose token GraphiQL opens with: the operator's maker sees every party's objects and may run every example in the README. */
export const GRAPHIQL_USER_EMAIL = 'ops.maker@platform.example';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The bearer token `npm start` writes into the GraphiQL page, or undefined for none. Never in
 * production, and only while the API listens on loopback: the page is served to anyone who can
 * reach the API, and on a shared network that would hand the operator's token to every visitor.
 */
export function graphiqlToken({ tokens, nodeEnv, apiHost }: { tokens: readonly SeededToken[] | undefined; nodeEnv: string; apiHost: string }): string | undefined {
  if (nodeEnv === 'production' || !LOOPBACK_HOSTS.has(apiHost)) return undefined;
  return tokens?.find((entry) => entry.email === GRAPHIQL_USER_EMAIL)?.token;
}
