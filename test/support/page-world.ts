import type { PrismaClient } from '../../prisma/client';
import { openPartyAccounts, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding } from '../../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { recordInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { createProgram, enrollSupplier } from '../../prisma/stores/program-store';
import { decideReceivable } from '../../prisma/stores/receivable-store';
import { createFinancingParties, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS } from './financings';
import { createActor, type TestActor } from './parties';
import { actorOf, registerDirectly } from './receivables';

// A book with full pages of everything a list shows, built through the stores (no workflows):
// one supplier's receivables, each confirmed and financed, the money disbursed (so each
// financing has its ledger transactions, payout and figures), and as many programs, parties
// and notifications. The statement-count test (api/page-statements.int.test.ts) and the page
// benchmark (bench/api.ts) read it.

export interface PageWorld {
  supplier: TestActor;
  core: TestActor;
  funder: TestActor;
  operator: TestActor;
  financingIds: string[];
  receivableIds: string[];
}

const LIMIT = '1000000000.00';
/** Financings built side by side: the ledger serialises what must be, and retries deadlocks. */
const BUILD_CONCURRENCY = 4;

async function inBatches<T>(count: number, build: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += BUILD_CONCURRENCY) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(BUILD_CONCURRENCY, count - start) }, () => build()))));
  }
  return results;
}

export async function createPageWorld(prisma: PrismaClient, { size }: { size: number }): Promise<PageWorld> {
  const now = new Date();
  const parties = await createFinancingParties(prisma, { assignmentMode: 'SILENT', programLimit: LIMIT, supplierLimit: LIMIT, obligorLimit: LIMIT });
  const admin = await actorOf(prisma, parties.admin);
  const supplier = await createActor(prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'], legalName: '深圳市华强精密电子有限公司' });
  await openPartyAccounts(prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
  const supplierActor = await actorOf(prisma, supplier);
  await enrollSupplier(prisma, admin, parties.programId, supplier.creditCode);
  await registerBankAccount(prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, now);
  const funding = await findAccountByCode(prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
  await recordInboundCredit(prisma, {
    bankReference: `PAGE-WORLD-TOPUP-${parties.programId}`,
    virtualAccountNumber: funding!.virtualAccountNumber!,
    amount: `${size * 100_000}.00`,
    currency: 'CNY',
    payerName: '前海恒信商业保理有限公司',
    payerAccountNumber: '6222020200990011223',
    remittanceInformation: 'top-up',
    receivedAt: now,
  });

  const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
  const built = await inBatches(size, async () => {
    const receivable = await registerDirectly(prisma, supplier, parties.core.creditCode, now);
    await decideReceivable(prisma, receivable.id, { kind: 'CONFIRM' }, as(parties.core), `page-world:${receivable.id}:confirm`, now);
    const { financing } = await applyForFinancing(prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `page-world-${receivable.id}` }, TEST_FINANCING_WINDOWS, now);
    await decideFinancing(prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), `page-world:${financing.id}:approve`, now);
    await decideFinancing(prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `page-world:${financing.id}:confirm`, now);
    await reserveFunding(prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, now);
    await disburse(prisma, financing.id, now);
    await prisma.notification.create({
      data: { partyId: supplier.partyId, kind: 'FINANCING_DISBURSED', subject: `Financing ${financing.financingNumber}`, body: 'Disbursed.', receivableId: receivable.id, financingId: financing.id, dedupeKey: `page-world:${financing.id}` },
    });
    return { receivableId: receivable.id, financingId: financing.id };
  });

  for (let index = 0; index < size; index += 1) {
    const core = await createActor(prisma, { partyRoles: ['CORE_ENTERPRISE'], legalName: `页面测试核心企业 ${index + 1} 有限公司` });
    await openPartyAccounts(prisma, { id: core.partyId, roles: ['CORE_ENTERPRISE'] });
    await createProgram(prisma, admin, { name: `页面测试计划 ${index + 1}`, funderCreditCode: parties.funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: { ...TEST_PROGRAM_TERMS, programLimit: LIMIT } });
  }
  return {
    supplier,
    core: parties.core,
    funder: parties.funder,
    operator: parties.admin,
    financingIds: built.map((row) => row.financingId),
    receivableIds: built.map((row) => row.receivableId),
  };
}
