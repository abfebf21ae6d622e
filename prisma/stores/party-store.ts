import { generateApiKeyToken, hashApiKeySecret, parseApiKeyToken, secretMatches } from './api-key-token';
import { openPartyAccounts } from './chart-of-accounts';
import { runTransaction, type Tx } from './run-transaction';
import { makeOnceWithSecret } from './secret-replay-store';
import { visibleApiKeysWhere } from './visibility';
import { isUniqueViolation } from './unique-violation';
import { isAdminOf, isOperator, type Actor } from '../../domain/actor';
import { normaliseCreditCode } from '../../domain/credit-code';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, WrongStateError, type FieldIssue } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { API_KEY_LABEL_LENGTH_MAX, API_KEY_LIFETIME_DAYS_DEFAULT, DISPLAY_NAME_LENGTH_MAX, EMAIL_LENGTH_MAX, validatePartyInput } from '../../domain/party-rules';
import { checkPrintable } from '../../domain/printable-text';
import { type ApiKey, type Party, type PartyRole, type Prisma, type PrismaClient, type User, type UserRole } from '../client';
import { assertMakerActive } from './maker-active';


const DAY_MS = 24 * 60 * 60 * 1000;
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

/**
 * Creates a party with the virtual accounts its roles need. `alsoInTransaction` runs in the same
 * transaction after the party's insert: what must exist together with the party (the offers made
 * to its credit code before it registered) is never left half done by a crash between the two.
 */
export async function createParty(prisma: PrismaClient, input: CreatePartyInput, alsoInTransaction?: (tx: Tx, party: Party) => Promise<void>, requestKey: string | null = null): Promise<Party> {
  const { legalName, creditCode } = validatePartyInput(input);
  // A copy of the request that registered the party (a retry, a copy delivered at once): the first answer.
  const replayed = requestKey === null ? null : await prisma.party.findUnique({ where: { requestKey } });
  if (replayed) return replayed;
  try {
    // One transaction: a party never exists without the virtual accounts its roles need.
    return await runTransaction(prisma, async (tx) => {
      const party = await tx.party.create({ data: { legalName, creditCode, roles: input.roles, requestKey } });
      await openPartyAccounts(tx, party);
      await alsoInTransaction?.(tx, party);
      return party;
    });
  } catch (error) {
    // The credit code taken by a concurrent copy of this very request is its party, not another's.
    const first = requestKey !== null && isUniqueViolation(error) ? await prisma.party.findUnique({ where: { requestKey } }) : null;
    if (first) return first;
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

/**
 * An administrator proposes a user: it is PENDING, cannot authenticate and has no key until a
 * second administrator approves it (approveUser). Operators propose a party's first
 * administrators the same way, approved by a second operator.
 */
export async function createUser(prisma: PrismaClient, actor: Actor, input: CreateUserInput, requestKey: string | null = null): Promise<User> {
  await findVisibleParty(prisma, actor, input.partyId);
  // A copy of the request that proposed the user (a retry, a copy delivered at once): the first answer.
  const replayed = requestKey === null ? null : await prisma.user.findUnique({ where: { requestKey } });
  if (replayed) return replayed;
  if (!isAdminOf(actor, input.partyId)) throw new ForbiddenError('only an administrator of the party (or of the platform) can add users');
  const email = input.email.trim().toLowerCase();
  const displayName = input.displayName.normalize('NFC').trim();
  const issues: FieldIssue[] = [];
  if (!EMAIL_SHAPE.test(email) || email.length > EMAIL_LENGTH_MAX) issues.push({ path: ['input', 'email'], message: 'must be an e-mail address of at most 254 characters' });
  if (displayName.length === 0 || [...displayName].length > DISPLAY_NAME_LENGTH_MAX) issues.push({ path: ['input', 'displayName'], message: `must be 1 to ${DISPLAY_NAME_LENGTH_MAX} characters` });
  // Printed on the documents the user confirms, acknowledges or approves.
  checkPrintable(displayName, ['input', 'displayName'], issues);
  if (input.roles.length === 0) issues.push({ path: ['input', 'roles'], message: 'at least one role is required' });
  if (issues.length) throw new ValidationError(issues);
  try {
    return await prisma.user.create({
      data: { partyId: input.partyId, email, displayName, roles: [...new Set(input.roles)], status: 'PENDING', createdByUserId: actor.userId, requestKey },
    });
  } catch (error) {
    // The e-mail taken by a concurrent copy of this very request is its user, not another's.
    const first = requestKey !== null && isUniqueViolation(error) ? await prisma.user.findUnique({ where: { requestKey } }) : null;
    if (first) return first;
    // E-mail addresses are unique per party, so this tells the caller only about its own party.
    if (isUniqueViolation(error)) throw new ConflictError('EMAIL_TAKEN', `a user with e-mail ${email} already exists in this party`);
    throw error;
  }
}

/**
 * A second administrator of the proposer's party approves a pending user, and receives the token of
 * its first key to hand over. The proposer cannot, nor can a user the proposer administered.
 */
export async function approveUser(
  prisma: PrismaClient,
  actor: Actor,
  input: { userId: string; apiKeyLabel: string },
  pepper: string,
  requestKey: string,
  now = new Date(),
  lifetimeDays = API_KEY_LIFETIME_DAYS_DEFAULT,
): Promise<{ user: User; apiKey: ApiKey; token: string }> {
  const label = validApiKeyLabel(input.apiKeyLabel, ['input', 'apiKeyLabel']);
  // A copy of the request gets the first copy's key and token (within the replay window), not WRONG_STATE for the first copy's approval.
  const made = await makeOnceWithSecret(prisma, requestKey, "the first key's token was shown once, in the answer to this request: the user issues itself a new key with issueApiKey", async (tx) => {
    const user = await userToDecide(tx, actor, input.userId, 'approve');
    await assertMakerActive(tx, user.createdByUserId, user.status);
    // Conditional on PENDING: two administrators approving at once activate the user once.
    const decided = await tx.user.updateMany({
      where: { id: user.id, status: 'PENDING' },
      data: { status: 'ACTIVE', decidedByUserId: actor.userId, decidedAt: now },
    });
    if (decided.count !== 1) throw new WrongStateError('the user was decided meanwhile', 'DECIDED');
    await recordAdministration(tx, user.id, [user.createdByUserId!, actor.userId]);
    const { token, keyId, secret } = generateApiKeyToken();
    const apiKey = await tx.apiKey.create({
      data: { userId: user.id, keyId, secretHash: hashApiKeySecret(secret, pepper), label, expiresAt: new Date(now.getTime() + lifetimeDays * DAY_MS) },
    });
    return { subjectId: apiKey.id, secret: token };
  }, now);
  const apiKey = await prisma.apiKey.findUniqueOrThrow({ where: { id: made.subjectId }, include: { user: true } });
  return { user: apiKey.user, apiKey, token: made.secret };
}

/**
 * Records that `administrators` brought about a user's creation or roles, on both sides: the user
 * remembers who administered it, and each administrator whom it administers (domain/four-eyes.ts).
 */
export async function recordAdministration(tx: Prisma.TransactionClient, userId: string, administrators: readonly string[]): Promise<void> {
  const ids = [...new Set(administrators)];
  // Transitively: whoever administers an administrator held its key, and so holds what it holds;
  // the user's own administrees are held by the new administrators too. Every user above gains
  // every user below.
  const [{ above, below }] = await tx.$queryRaw<[{ above: string[]; below: string[] }]>`
    SELECT ARRAY(SELECT DISTINCT x FROM (SELECT unnest(${ids}::uuid[]) AS x
                                         UNION SELECT unnest(u.administered_by) FROM app_user u WHERE u.id = ANY(${ids}::uuid[])) a)::text[] AS above,
           ARRAY(SELECT DISTINCT x FROM (SELECT ${userId}::uuid AS x
                                         UNION SELECT unnest(u.administers) FROM app_user u WHERE u.id = ${userId}::uuid) b)::text[] AS below`;
  await tx.$executeRaw`
    UPDATE app_user SET administered_by = ARRAY(SELECT DISTINCT unnest(administered_by || ${above}::uuid[]))
     WHERE id = ANY(${below}::uuid[])`;
  await tx.$executeRaw`
    UPDATE app_user SET administers = ARRAY(SELECT DISTINCT unnest(administers || ${below}::uuid[]))
     WHERE id = ANY(${above}::uuid[])`;
}

/** A second administrator rejects a pending user; it never becomes active. */
export async function rejectUser(prisma: PrismaClient, actor: Actor, userId: string, now = new Date(), requestKey: string | null = null): Promise<User> {
  return runTransaction(prisma, async (tx) => {
    const replayed = await decisionOf(tx, userId, requestKey);
    if (replayed) return replayed;
    const user = await userToDecide(tx, actor, userId, 'reject');
    const decided = await tx.user.updateMany({ where: { id: user.id, status: 'PENDING' }, data: { status: 'REJECTED', decidedByUserId: actor.userId, decidedAt: now, decisionRequestKey: requestKey } });
    if (decided.count !== 1) throw new WrongStateError('the user was decided meanwhile', 'DECIDED');
    return tx.user.findUniqueOrThrow({ where: { id: user.id } });
  });
}

/**
 * The user a copy of the deciding request finds decided, under the user's row lock: a copy served
 * after the first copy's decision is answered with it rather than WRONG_STATE. Taken before any
 * other check, so the copy sees what the first copy saw; the key holds the caller, so another
 * user's request never matches it.
 */
async function decisionOf(tx: Prisma.TransactionClient, userId: string, requestKey: string | null): Promise<User | null> {
  if (requestKey === null) return null;
  await tx.$queryRaw`SELECT id FROM app_user WHERE id = ${userId}::uuid FOR UPDATE`;
  const user = await tx.user.findUnique({ where: { id: userId } });
  return user?.decisionRequestKey === requestKey ? user : null;
}

/**
 * The pending user a checker of its creation decides. The checker is an administrator of the same
 * side as the proposer (a party's administrator for its own party, an operator for an operator's
 * proposal) and a second person. The role is checked before the state: a caller who may not
 * decide users learns nothing of one's status.
 */
async function userToDecide(tx: Prisma.TransactionClient, actor: Actor, userId: string, verb: 'approve' | 'reject'): Promise<User> {
  const user = await tx.user.findUnique({ where: { id: userId }, include: { createdBy: true } });
  if (!user || (!isOperator(actor) && user.partyId !== actor.partyId)) throw new NotFoundError('User', userId);
  const refused = () => new ForbiddenError("only a second administrator of the proposer's party can decide a new user");
  if (!isAdminOf(actor, user.partyId)) throw refused();
  if (user.status !== 'PENDING') throw new WrongStateError(`the user is ${user.status}: there is nothing to ${verb}`, user.status);
  if (user.createdBy?.partyId !== actor.partyId) throw refused();
  assertFourEyes(user.createdByUserId, actor, 'the administrator who proposed a user cannot decide it: a second administrator must');
  return user;
}

/**
 * Disables a user at once: it cannot authenticate, and every key it has is revoked. The disabling
 * is conditional on the user not being disabled yet, so that copies of one request running at
 * once disable it once: a copy that read the user before another committed waits on its row,
 * finds it disabled and leaves it as the first copy wrote it, at the time its keys were revoked.
 */
export async function disableUser(prisma: PrismaClient, actor: Actor, userId: string, now = new Date()): Promise<User> {
  const user = await findManageableUser(prisma, actor, userId);
  if (!isAdminOf(actor, user.partyId)) throw new ForbiddenError("only an administrator of the user's party can disable it");
  return runTransaction(prisma, async (tx) => {
    await tx.user.updateMany({ where: { id: user.id, status: { not: 'DISABLED' } }, data: { status: 'DISABLED', disabledAt: now } });
    await tx.apiKey.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
    return tx.user.findUniqueOrThrow({ where: { id: user.id } });
  });
}

/** Revokes every key of a user at once (the user itself, or an administrator of its party). */
export async function revokeUserApiKeys(prisma: PrismaClient, actor: Actor, userId: string, now = new Date()): Promise<{ revokedCount: number }> {
  const user = await findManageableUser(prisma, actor, userId);
  const revoked = await prisma.apiKey.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
  return { revokedCount: revoked.count };
}

function validApiKeyLabel(raw: string, path: string[]): string {
  const label = raw.trim();
  if (label.length === 0 || label.length > API_KEY_LABEL_LENGTH_MAX) throw ValidationError.field(path, `must be 1 to ${API_KEY_LABEL_LENGTH_MAX} characters`);
  return label;
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

/**
 * A user issues a key for itself. A key for another user would let an administrator act as that
 * user with one pair of eyes, so an administrator's only way to give a user a key is the approval
 * of the user by a second administrator (approveUser). Every key expires within the lifetime.
 */
export async function issueApiKey(
  prisma: PrismaClient,
  actor: Actor,
  input: IssueApiKeyInput,
  pepper: string,
  requestKey: string,
  now = new Date(),
  lifetimeDays = API_KEY_LIFETIME_DAYS_DEFAULT,
): Promise<{ apiKey: ApiKey; token: string }> {
  const user = await findManageableUser(prisma, actor, input.userId);
  if (user.id !== actor.userId) {
    throw new ForbiddenError('a key for another user is issued only with four eyes: a second administrator approves the user (approveUser) and hands over its first key', 'KEY_FOR_ANOTHER_USER');
  }
  const label = validApiKeyLabel(input.label, ['input', 'label']);
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw ValidationError.field(['input', 'expiresAt'], 'must be in the future');
  const latest = new Date(now.getTime() + lifetimeDays * DAY_MS);
  if (input.expiresAt && input.expiresAt.getTime() > latest.getTime()) throw ValidationError.field(['input', 'expiresAt'], `must be within ${lifetimeDays} days`);
  // A copy of the request gets the first copy's key and token (within the replay window), not a second key.
  const made = await makeOnceWithSecret(prisma, requestKey, 'the token was shown once, in the answer to this request: revoke the key (revokeApiKey) and issue a new one', async (tx) => {
    const { token, keyId, secret } = generateApiKeyToken();
    const apiKey = await tx.apiKey.create({
      data: { userId: user.id, keyId, secretHash: hashApiKeySecret(secret, pepper), label, expiresAt: input.expiresAt ?? latest },
    });
    return { subjectId: apiKey.id, secret: token };
  }, now);
  return { apiKey: await prisma.apiKey.findUniqueOrThrow({ where: { id: made.subjectId } }), token: made.secret };
}

/**
 * Revokes one key (the user itself, or an administrator of its party). The key is looked up among
 * those the caller may see (`node(id)`'s rule): a colleague's key a VIEWER is not shown is refused
 * exactly as an unknown one, so that the answer does not tell it that the key exists. A key it is
 * shown but may not revoke (an operator who is not an administrator) is FORBIDDEN.
 */
export async function revokeApiKey(prisma: PrismaClient, actor: Actor, apiKeyId: string, now = new Date()): Promise<ApiKey> {
  const existing = await prisma.apiKey.findFirst({ where: { AND: [{ id: apiKeyId }, visibleApiKeysWhere(actor)] } });
  if (!existing) throw new NotFoundError('ApiKey', apiKeyId);
  await findManageableUser(prisma, actor, existing.userId);
  // Revoking twice is harmless and keeps the first revocation time: conditional on not revoked,
  // so two requests at once (copies of one) record one time and both answer with it.
  if (existing.revokedAt) return existing;
  await prisma.apiKey.updateMany({ where: { id: apiKeyId, revokedAt: null }, data: { revokedAt: now } });
  return prisma.apiKey.findUniqueOrThrow({ where: { id: apiKeyId } });
}

export type AuthenticatedKey = ApiKey & { user: User & { party: Party } };

export type AuthenticationFailure = 'MALFORMED' | 'UNKNOWN' | 'REVOKED' | 'EXPIRED' | 'DISABLED';

/**
 * Whether a key that authenticated a request still would: not revoked, not expired, its user
 * ACTIVE. A long request (a subscription's stream) asks again before it sends anything more.
 */
export async function keyInForce(prisma: PrismaClient, apiKeyId: string, now = new Date()): Promise<boolean> {
  const key = await prisma.apiKey.findUnique({ where: { id: apiKeyId }, select: { revokedAt: true, expiresAt: true, user: { select: { status: true } } } });
  return key !== null && keyRefusal(key, now) === null;
}

/** Why a known key no longer authenticates (revoked, expired, its user not ACTIVE), or null. */
function keyRefusal(key: { revokedAt: Date | null; expiresAt: Date | null; user: { status: string } }, now: Date): Exclude<AuthenticationFailure, 'MALFORMED' | 'UNKNOWN'> | null {
  if (key.revokedAt) return 'REVOKED';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  // A pending, rejected or disabled user's keys are refused like revoked ones.
  if (key.user.status !== 'ACTIVE') return 'DISABLED';
  return null;
}

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
  const refusal = keyRefusal(key, now);
  if (refusal) return { ok: false, reason: refusal, keyId: parsed.keyId };
  return { ok: true, key };
}
