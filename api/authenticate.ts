import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { PrismaClient } from '../prisma/client';
import { authenticateToken } from '../prisma/stores/party-store';
import type { GraphQLContext } from '../schema/context';

export type Viewer = GraphQLContext['viewer'];

const FAILURE_MESSAGES = {
  MALFORMED: 'malformed bearer token',
  UNKNOWN: 'invalid bearer token',
  REVOKED: 'this API key has been revoked',
  EXPIRED: 'this API key has expired',
  DISABLED: 'this API key has been revoked',
} as const;

export function unauthorized(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="scf"' } } },
  });
}

/** Resolves the request's bearer token to the user and party it acts for, or throws a 401. */
export async function authenticate(request: { headers: Headers }, prisma: PrismaClient, pepper: string, logger: Logger, requestId: string): Promise<Viewer> {
  const header = request.headers.get('authorization');
  if (!header) throw unauthorized('missing Authorization header: send "Authorization: Bearer <token>"');
  const match = /^Bearer (\S+)$/i.exec(header.trim());
  if (!match) throw unauthorized('malformed Authorization header: expected "Bearer <token>"');
  const result = await authenticateToken(prisma, match[1] as string, pepper);
  if (!result.ok) {
    logger.warn({ requestId, reason: result.reason, keyId: result.keyId }, 'authentication failed');
    throw unauthorized(FAILURE_MESSAGES[result.reason]);
  }
  const { key } = result;
  return { userId: key.user.id, partyId: key.user.partyId, partyRoles: key.user.party.roles, userRoles: key.user.roles, administeredBy: key.user.administeredBy, administers: key.user.administers, apiKeyId: key.id };
}
