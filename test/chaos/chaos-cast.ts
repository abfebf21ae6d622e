import type { PrismaClient } from '../../prisma/client';
import { seedCreditCode, type SeededToken } from '../../prisma/seed';
import { globalId } from '../support/global-ids';
import type { ChaosCast } from './financing-lifecycle';

/** The seeded cast of `npm start` (prisma/seed.ts) as the parties of the resilience runs. */
export async function chaosCast(prisma: PrismaClient, tokens: SeededToken[]): Promise<ChaosCast> {
  const token = (party: string, role: 'MAKER' | 'CHECKER') => tokens.find((entry) => entry.party === party && entry.roles.includes(role))!.token;
  const program = await prisma.program.findFirstOrThrow();
  return {
    supplierMaker: token('supplier', 'MAKER'),
    coreMaker: token('core', 'MAKER'),
    coreChecker: token('core', 'CHECKER'),
    funderMaker: token('funder', 'MAKER'),
    funderChecker: token('funder', 'CHECKER'),
    programId: globalId('Program', program.id),
    obligorCreditCode: seedCreditCode('91440101MA5G00003'),
  };
}
