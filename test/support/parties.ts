import type { PartyRole, PrismaClient, UserRole } from '../../prisma/client';
import { generateApiKeyToken, hashApiKeySecret } from '../../prisma/stores/api-key-token';
import { createParty } from '../../prisma/stores/party-store';
import { creditCodeCheckCharacter } from '../../domain/credit-code';

export const TEST_PEPPER = 'test-pepper-test-pepper-test-pepper-0001';

let sequence = 0;

/** A valid unified social credit code that no other call returns. */
export function uniqueCreditCode(): string {
  sequence += 1;
  const body = `91440300MA${String(process.pid % 1000).padStart(3, '0')}${String(sequence).padStart(4, '0')}`;
  return body + creditCodeCheckCharacter(body);
}

export interface TestActor {
  partyId: string;
  userId: string;
  token: string;
  email: string;
  creditCode: string;
}

let userSequence = 0;

/** Creates a party (or reuses `partyId`) with one user and an API key; returns its bearer token. */
export async function createActor(
  prisma: PrismaClient,
  options: { partyRoles?: PartyRole[]; userRoles?: UserRole[]; partyId?: string; legalName?: string },
): Promise<TestActor> {
  const partyId =
    options.partyId ??
    (
      await prisma.party.create({
        data: { legalName: options.legalName ?? `测试企业 ${sequence + 1} 有限公司`, creditCode: uniqueCreditCode(), roles: options.partyRoles ?? ['SUPPLIER'] },
      })
    ).id;
  userSequence += 1;
  const email = `user${userSequence}.${process.pid}@test.example`;
  const user = await prisma.user.create({ data: { partyId, email, displayName: `User ${userSequence}`, roles: options.userRoles ?? ['ADMIN', 'MAKER'] } });
  const { token, keyId, secret } = generateApiKeyToken();
  await prisma.apiKey.create({ data: { userId: user.id, keyId, secretHash: hashApiKeySecret(secret, TEST_PEPPER), label: 'test' } });
  const { creditCode } = await prisma.party.findUniqueOrThrow({ where: { id: partyId } });
  return { partyId, userId: user.id, token, email, creditCode };
}

/** A party registered the one way the product registers one (createParty: its accounts opened, in CNY), with a user of `userRoles`. */
export async function registeredPartyActor(prisma: PrismaClient, roles: PartyRole[], userRoles: UserRole[], legalName: string): Promise<TestActor> {
  const party = await createParty(prisma, { legalName, creditCode: uniqueCreditCode(), roles });
  return createActor(prisma, { partyId: party.id, userRoles });
}
