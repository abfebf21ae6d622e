import type { PrismaClient } from '../../prisma/client';
import { openPartyAccounts, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { getBalance } from '../../prisma/stores/ledger/balances';
import { createProgram } from '../../prisma/stores/program-store';
import { TEST_PROGRAM_TERMS, type FinancingParties } from './financings';
import { createActor, type TestActor } from './parties';
import { actorOf } from './receivables';

// The parties of the voucher tests beside the voucher itself: holders with their settlement
// accounts, and a second funder whose program finances voucher parts under silent assignment.

/** A core enterprise's program limits wide enough for a 10,000,000.00 voucher, admitting its holders. */
export const VOUCHER_PROGRAM_TERMS = { programLimit: '20000000.00', supplierLimit: '10000000.00', obligorLimit: '20000000.00', admitsVoucherHolders: true, voucherHolderLimit: '5000000.00' };

/** A supplier that may hold parts: a maker and its party's accounts. */
export async function createVoucherHolder(prisma: PrismaClient, legalName: string): Promise<TestActor> {
  const actor = await createActor(prisma, { partyRoles: ['SUPPLIER'], legalName });
  await openPartyAccounts(prisma, { id: actor.partyId, roles: ['SUPPLIER'] });
  return actor;
}

/** What a party's CNY settlement account holds, posted ("0.00" when it has none). */
export async function settlementPosted(prisma: PrismaClient, partyId: string): Promise<string> {
  const account = await findAccountByCode(prisma, partyAccountCode(partyId, 'SUPPLIER_SETTLEMENT', 'CNY'));
  return account ? (await getBalance(prisma, account.id)).posted.toFixed(2) : '0.00';
}

/** A second funder (maker and checker) with a program of the same core enterprise under silent assignment (暗保理). */
export async function createSilentVoucherFunder(prisma: PrismaClient, parties: FinancingParties): Promise<{ funder: TestActor; funderChecker: TestActor; programId: string }> {
  const funder = await createActor(prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER'], legalName: '深圳前海联合商业保理有限公司' });
  const funderChecker = await createActor(prisma, { partyId: funder.partyId, userRoles: ['CHECKER'] });
  await openPartyAccounts(prisma, { id: funder.partyId, roles: ['FUNDER'] });
  const program = await createProgram(prisma, await actorOf(prisma, parties.admin), {
    name: '云海凭证隐蔽保理计划',
    funderCreditCode: funder.creditCode,
    coreCreditCode: parties.core.creditCode,
    currency: 'CNY',
    terms: { ...TEST_PROGRAM_TERMS, ...VOUCHER_PROGRAM_TERMS, assignmentMode: 'SILENT' },
  });
  return { funder, funderChecker, programId: program.id };
}
