import { creditCodeCheckCharacter } from '../domain/credit-code';
import type { ProgramTermsInput } from '../domain/program-rules';
import { API_KEY_LIFETIME_DAYS_DEFAULT } from '../domain/party-rules';
import type { PartyRole, PrismaClient, UserRole } from './client';
import { generateApiKeyToken, hashApiKeySecret } from './stores/api-key-token';
import { ensurePlatformAccounts, openPartyAccounts } from './stores/chart-of-accounts';
import { registerBankAccount } from './stores/disbursement-store';
import { createProgram, enrollSupplier } from './stores/program-store';

// A small cast to play every part of one financing from GraphiQL: the platform's two
// operators, and a supplier, a core enterprise and a funder, each with a maker, a checker
// (four eyes) and an administrator.

interface SeedUser {
  email: string;
  displayName: string;
  roles: UserRole[];
}

interface SeedParty {
  key: string;
  legalName: string;
  creditCodeBody: string;
  roles: PartyRole[];
  users: SeedUser[];
}

const SEED_PARTIES: SeedParty[] = [
  {
    key: 'operator',
    legalName: '链融科技（深圳）有限公司',
    creditCodeBody: '91440300MA5G00001',
    roles: ['PLATFORM'],
    users: [
      { email: 'ops.maker@platform.example', displayName: '运营 经办 Ops Maker', roles: ['ADMIN', 'MAKER'] },
      { email: 'ops.checker@platform.example', displayName: '运营 复核 Ops Checker', roles: ['ADMIN', 'CHECKER'] },
    ],
  },
  {
    key: 'supplier',
    legalName: '深圳市华强精密电子有限公司',
    creditCodeBody: '91440300MA5G00002',
    roles: ['SUPPLIER'],
    users: [
      { email: 'maker@supplier.example', displayName: '供应商 经办 Supplier Maker', roles: ['ADMIN', 'MAKER'] },
      { email: 'checker@supplier.example', displayName: '供应商 复核 Supplier Checker', roles: ['CHECKER'] },
    ],
  },
  {
    key: 'core',
    legalName: '广州云海智能制造集团股份有限公司',
    creditCodeBody: '91440101MA5G00003',
    roles: ['CORE_ENTERPRISE'],
    users: [
      { email: 'maker@core.example', displayName: '核心企业 经办 Core Maker', roles: ['ADMIN', 'MAKER'] },
      { email: 'checker@core.example', displayName: '核心企业 复核 Core Checker', roles: ['CHECKER'] },
    ],
  },
  {
    key: 'funder',
    legalName: '前海恒信商业保理有限公司',
    creditCodeBody: '91440300MA5G00004',
    roles: ['FUNDER'],
    users: [
      { email: 'maker@funder.example', displayName: '资金方 经办 Funder Maker', roles: ['ADMIN', 'MAKER'] },
      { email: 'checker@funder.example', displayName: '资金方 复核 Funder Checker', roles: ['CHECKER'] },
    ],
  },
];

export interface SeededToken {
  party: string;
  legalName: string;
  email: string;
  roles: UserRole[];
  token: string;
}

export function seedCreditCode(body: string): string {
  return body + creditCodeCheckCharacter(body);
}

export async function databaseIsEmpty(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.party.count()) === 0;
}

/**
 * Creates the cast where missing and issues each seeded user a fresh API key.
 * Running it again adds nothing twice; it only issues new tokens.
 */
export async function seedDevelopmentData(prisma: PrismaClient, pepper: string): Promise<SeededToken[]> {
  const tokens: SeededToken[] = [];
  // The ledger's chart of accounts: opening finds accounts again by code, so reseeding adds nothing.
  await ensurePlatformAccounts(prisma);
  for (const seed of SEED_PARTIES) {
    const creditCode = seedCreditCode(seed.creditCodeBody);
    const party = await prisma.party.upsert({
      where: { creditCode },
      update: {},
      create: { legalName: seed.legalName, creditCode, roles: seed.roles },
    });
    await openPartyAccounts(prisma, party);
    for (const seedUser of seed.users) {
      const user = await prisma.user.upsert({
        where: { partyId_email: { partyId: party.id, email: seedUser.email } },
        update: {},
        create: { partyId: party.id, email: seedUser.email, displayName: seedUser.displayName, roles: seedUser.roles },
      });
      const { token, keyId, secret } = generateApiKeyToken();
      await prisma.apiKey.create({ data: { userId: user.id, keyId, secretHash: hashApiKeySecret(secret, pepper), label: 'development seed', expiresAt: new Date(Date.now() + API_KEY_LIFETIME_DAYS_DEFAULT * 24 * 60 * 60 * 1000) } });
      tokens.push({ party: seed.key, legalName: party.legalName, email: user.email, roles: user.roles, token });
    }
  }
  await seedDemoProgram(prisma);
  return tokens;
}

/** The worked example of docs/pricing.md, with recourse after 30 overdue days and room for many financings. */
export const DEMO_PROGRAM_TERMS: ProgramTermsInput = {
  advanceRate: '0.8',
  annualRate: '0.06',
  interestMode: 'UPFRONT',
  dayCount: 'ACT_360',
  feeRate: '0.001',
  tenorDaysMax: 180,
  graceDays: 3,
  // 0.05% a day on ACT/360.
  penaltyRate: '0.18',
  recourse: true,
  recourseAfterDays: 30,
  assignmentMode: 'OPEN',
  programLimit: '50000000.00',
  supplierLimit: '10000000.00',
  obligorLimit: '50000000.00',
};

/**
 * A program between the seeded funder and core enterprise with the seeded supplier enrolled,
 * priced like the worked example of docs/pricing.md, so a newcomer can quote and apply at once.
 */
async function seedDemoProgram(prisma: PrismaClient): Promise<void> {
  if ((await prisma.program.count()) > 0) return;
  const codeOf = (key: string) => seedCreditCode(SEED_PARTIES.find((seed) => seed.key === key)!.creditCodeBody);
  const operator = await prisma.user.findFirstOrThrow({ where: { email: 'ops.maker@platform.example', party: { creditCode: codeOf('operator') } }, include: { party: true } });
  const actor = { userId: operator.id, partyId: operator.partyId, partyRoles: operator.party.roles, userRoles: operator.roles };
  const program = await createProgram(prisma, actor, {
    name: '云海供应链 2026 保理计划 Yunhai supply chain factoring 2026',
    funderCreditCode: codeOf('funder'),
    coreCreditCode: codeOf('core'),
    currency: 'CNY',
    terms: DEMO_PROGRAM_TERMS,
  });
  await enrollSupplier(prisma, actor, program.id, codeOf('supplier'));
  // Where the supplier's proceeds are paid out (the simulated bank settles payouts at once).
  const supplier = await prisma.party.findUniqueOrThrow({ where: { creditCode: codeOf('supplier') } });
  await registerBankAccount(prisma, actor, supplier.id, { accountName: supplier.legalName, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
}

export function formatTokens(tokens: SeededToken[]): string {
  const lines = tokens.map((entry) => `  ${entry.party.padEnd(9)} ${entry.email.padEnd(30)} ${entry.roles.join('+').padEnd(14)} Bearer ${entry.token}`);
  return ['Development API tokens (send as the Authorization header):', ...lines].join('\n');
}
