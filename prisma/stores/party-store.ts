import { generateApiKeyToken, hashApiKeySecret, parseApiKeyToken, secretMatches } from './api-key-token';
import { openPartyAccounts } from './chart-of-accounts';
import { runTransaction } from './run-transaction';
import { isUniqueViolation } from './unique-violation';
import { isAdminOf, isOperator, type Actor } from '../../domain/actor';
import { normaliseCreditCode } from '../../domain/credit-code';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors';
import { API_KEY_LABEL_LENGTH_MAX, DISPLAY_NAME_LENGTH_MAX, EMAIL_LENGTH_MAX, validatePartyInput } from '../../domain/party-rules';
import { type ApiKey, type Party, type PartyRole, type PrismaClient, type User, type UserRole } from '../client';


const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The party with this unified social credit code (any case or spacing), if it has `role`. */
export async function findPartyWithRole(prisma: PrismaClient, creditCode: string, role: PartyRole): Promise<Party | null> {
  const party = await prisma.party.findUnique({ where: { creditCode: normaliseCreditCode(creditCode) } });
  return party?.roles.includes(role) ? party : null;
}

export interface CreatePartyInput {
  legalName: string;
  creditCode: string;
  roles: PartyRole[];
}

export async function createParty(prisma: PrismaClient, input: CreatePartyInput): Promise<Party> {
  const { legalName, creditCode } = validatePartyInput(input);
  try {
    // One transaction: a party never exists without the virtual accounts its roles need.
    return await runTransaction(prisma, async (tx) => {
      const party = await tx.party.create({ data: { legalName, creditCode, roles: input.roles } });
      await openPartyAccounts(tx, party);
      return party;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('CREDIT_CODE_TAKEN', `a party with credit code ${creditCode} already exists`);
    throw error;
  }
}

export async function findVisibleParty(prisma: PrismaClient, actor: Actor, partyId: string): Promise<Party> {
  if (!isOperator(actor) && actor.partyId !== partyId) throw new NotFoundError('Party', partyId);
  const party = await prisma.party.findUnique({ where: { id: partyId } });
  if (!party) throw new NotFoundError('Party', partyId);
  return party;
}

export interface CreateUserInput {
  partyId: string;
  email: string;
  displayName: string;
  roles: UserRole[];
}

export async function createUser(prisma: PrismaClient, actor: Actor, input: CreateUserInput): Promise<User> {
  await findVisibleParty(prisma, actor, input.partyId);
  if (!isAdminOf(actor, input.partyId)) throw new ForbiddenError('only an administrator of the party (or of the platform) can add users');
  const email = input.email.trim().toLowerCase();
  const displayName = input.displayName.normalize('NFC').trim();
  const issues = [];
  if (!EMAIL_SHAPE.test(email) || email.length > EMAIL_LENGTH_MAX) issues.push({ path: ['input', 'email'], message: 'must be an e-mail address of at most 254 characters' });
  if (displayName.length === 0 || [...displayName].length > DISPLAY_NAME_LENGTH_MAX) issues.push({ path: ['input', 'displayName'], message: `must be 1 to ${DISPLAY_NAME_LENGTH_MAX} characters` });
  if (input.roles.length === 0) issues.push({ path: ['input', 'roles'], message: 'at least one role is required' });
  if (issues.length) throw new ValidationError(issues);
  try {
    return await prisma.user.create({ data: { partyId: input.partyId, email, displayName, roles: [...new Set(input.roles)] } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('EMAIL_TAKEN', `a user with e-mail ${email} already exists`);
    throw error;
  }
}

async function findManageableUser(prisma: PrismaClient, actor: Actor, userId: string): Promise<User> {
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user || (!isOperator(actor) && user.partyId !== actor.partyId)) throw new NotFoundError('User', userId);
  if (user.id !== actor.userId && !isAdminOf(actor, user.partyId)) throw new ForbiddenError("only the user or an administrator of the user's party can manage its API keys");
  return user;
}

export interface IssueApiKeyInput {
  userId: string;
  label: string;
  expiresAt?: Date | null;
}

export async function issueApiKey(prisma: PrismaClient, actor: Actor, input: IssueApiKeyInput, pepper: string, now = new Date()): Promise<{ apiKey: ApiKey; token: string }> {
  const user = await findManageableUser(prisma, actor, input.userId);
  const label = input.label.trim();
  if (label.length === 0 || label.length > API_KEY_LABEL_LENGTH_MAX) throw ValidationError.field(['input', 'label'], `must be 1 to ${API_KEY_LABEL_LENGTH_MAX} characters`);
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw ValidationError.field(['input', 'expiresAt'], 'must be in the future');
  const { token, keyId, secret } = generateApiKeyToken();
  const apiKey = await prisma.apiKey.create({
    data: { userId: user.id, keyId, secretHash: hashApiKeySecret(secret, pepper), label, expiresAt: input.expiresAt ?? null },
  });
  return { apiKey, token };
}

export async function revokeApiKey(prisma: PrismaClient, actor: Actor, apiKeyId: string, now = new Date()): Promise<ApiKey> {
  const existing = await prisma.apiKey.findUnique({ where: { id: apiKeyId } });
  if (!existing) throw new NotFoundError('ApiKey', apiKeyId);
  try {
    await findManageableUser(prisma, actor, existing.userId);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError('ApiKey', apiKeyId);
    throw error;
  }
  // Revoking twice is harmless and keeps the first revocation time.
  if (existing.revokedAt) return existing;
  return prisma.apiKey.update({ where: { id: apiKeyId }, data: { revokedAt: now } });
}

export type AuthenticatedKey = ApiKey & { user: User & { party: Party } };

export type AuthenticationFailure = 'MALFORMED' | 'UNKNOWN' | 'REVOKED' | 'EXPIRED';

/** Resolves a bearer token to its key, user and party, or says why it cannot. */
export async function authenticateToken(
  prisma: PrismaClient,
  token: string,
  pepper: string,
  now = new Date(),
): Promise<{ ok: true; key: AuthenticatedKey } | { ok: false; reason: AuthenticationFailure; keyId?: string }> {
  const parsed = parseApiKeyToken(token);
  if (!parsed) return { ok: false, reason: 'MALFORMED' };
  const key = await prisma.apiKey.findUnique({ where: { keyId: parsed.keyId }, include: { user: { include: { party: true } } } });
  if (!key || !secretMatches(parsed.secret, key.secretHash, pepper)) return { ok: false, reason: 'UNKNOWN', keyId: parsed.keyId };
  if (key.revokedAt) return { ok: false, reason: 'REVOKED', keyId: parsed.keyId };
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'EXPIRED', keyId: parsed.keyId };
  return { ok: true, key };
}
