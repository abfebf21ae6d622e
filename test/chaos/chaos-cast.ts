import type { BankSimulator } from '../../bank/simulator/bank-simulator';
import type { PrismaClient } from '../../prisma/client';
import { partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
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

/** The seeded funder's money for the run: `amount` arrives at the simulated bank on its funding account. */
export async function topUpSeededFunder(prisma: PrismaClient, bank: BankSimulator, amount: string): Promise<void> {
  const funder = await prisma.party.findUniqueOrThrow({ where: { creditCode: seedCreditCode('91440300MA5G00004') } });
  const funding = await findAccountByCode(prisma, partyAccountCode(funder.id, 'FUNDER_FUNDING', 'CNY'));
  await bank.receiveInboundCredit({ virtualAccountNumber: funding!.virtualAccountNumber!, amount, currency: 'CNY', payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222000011112222', remittanceInformation: 'top-up' });
}
