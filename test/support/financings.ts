import { expect } from 'vitest';
import type { PrismaClient } from '../../prisma/client';
import type { FinancingSettings } from '../../api/config';
import { DEMO_PROGRAM_TERMS } from '../../prisma/seed';
import { collectionAccountCode, ensurePlatformAccounts, openPartyAccounts, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { disburse, reserveFunding } from '../../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { receiveInboundCredit, recordInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { createProgram, enrollSupplier } from '../../prisma/stores/program-store';
import type { ProgramTermsInput } from '../../domain/program-rules';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { decideReceivable, registerReceivable } from '../../prisma/stores/receivable-store';
import { registerBankAccount } from '../../prisma/stores/disbursement-store';
import { globalId } from './global-ids';
import { createActor, registeredPartyActor, type TestActor } from './parties';
import { actorOf, registerDirectly, registrationInput } from './receivables';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The defaults of `npm start`: five days to acknowledge, five to approve, five to fund. */
export const TEST_FINANCING_WINDOWS: FinancingSettings = { acknowledgementWindowMs: 5 * DAY_MS, approvalWindowMs: 5 * DAY_MS, fundingWindowMs: 5 * DAY_MS };

/** The hand-computed case of docs/pricing.md: 6% a year, ACT/360, interest up front, a 0.1% fee. */
export const TEST_PROGRAM_TERMS: ProgramTermsInput = {
  ...DEMO_PROGRAM_TERMS,
  recourse: false,
  recourseAfterDays: null,
  // Small enough that a test reaches the limits.
  programLimit: '1000000.00',
  supplierLimit: '1000000.00',
  obligorLimit: '5000000.00',
};

export interface FinancingParties {
  admin: TestActor;
  /** The funder's maker (经办). */
  funder: TestActor;
  /** Another user of the same funder with the CHECKER role (复核). */
  funderChecker: TestActor;
  core: TestActor;
  programId: string;
}

/** A funder with two users, a core enterprise and a program between them. */
export async function createFinancingParties(prisma: PrismaClient, terms: Partial<ProgramTermsInput> = {}): Promise<FinancingParties> {
  const admin = await createActor(prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
  const funder = await createActor(prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER'], legalName: '前海恒信商业保理有限公司' });
  const funderChecker = await createActor(prisma, { partyId: funder.partyId, userRoles: ['CHECKER'] });
  const core = await createActor(prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
  // Their virtual accounts, as createParty opens them: money moves through these.
  await ensurePlatformAccounts(prisma);
  await openPartyAccounts(prisma, { id: funder.partyId, roles: ['FUNDER'] });
  await openPartyAccounts(prisma, { id: core.partyId, roles: ['CORE_ENTERPRISE'] });
  const program = await createProgram(prisma, await actorOf(prisma, admin), {
    name: '云海供应链保理计划',
    funderCreditCode: funder.creditCode,
    coreCreditCode: core.creditCode,
    currency: 'CNY',
    terms: { ...TEST_PROGRAM_TERMS, ...terms },
  });
  return { admin, funder, funderChecker, core, programId: program.id };
}

/** A new supplier enrolled in the program, with a receivable of 1,000,000.00 the core enterprise confirmed. */
export async function enrolledSupplierWithConfirmedReceivable(prisma: PrismaClient, parties: FinancingParties, now = new Date()) {
  const supplier = await createActor(prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
  await openPartyAccounts(prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
  await enrollSupplier(prisma, await actorOf(prisma, parties.admin), parties.programId, supplier.creditCode);
  const receivable = await registerDirectly(prisma, supplier, parties.core.creditCode, now);
  await decideReceivable(prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`, now);
  return { supplier, receivable, actor: await actorOf(prisma, supplier) };
}

/** A new supplier's application, waiting for the core enterprise's acknowledgement. */
export async function applyDirectly(prisma: PrismaClient, parties: FinancingParties, amount: string): Promise<{ id: string; supplier: TestActor }> {
  const fixture = await enrolledSupplierWithConfirmedReceivable(prisma, parties);
  const input = { receivableId: fixture.receivable.id, programId: parties.programId, amount, idempotencyKey: `apply-${fixture.receivable.id}` };
  const { financing } = await applyForFinancing(prisma, fixture.actor, input, TEST_FINANCING_WINDOWS);
  return { id: financing.id, supplier: fixture.supplier };
}

/**
 * What the financing workflow would do up to the disbursement, store by store: the core
 * enterprise acknowledges, the funder's maker and checker approve, the funder tops up, the
 * advance is reserved and posted. The supplier has no payout account: PAYOUT_FAILED.
 */
export async function disburseDirectly(prisma: PrismaClient, parties: FinancingParties, amount: string) {
  const { id, supplier } = await applyDirectly(prisma, parties, amount);
  await disburseApplied(prisma, parties, id);
  return { financingId: id, financingGid: globalId('Financing', id), supplier, collectionCode: collectionAccountCode(id, 'CNY') };
}

/**
 * An applied financing taken store by store to its disbursement, as the financing workflow
 * would: the core enterprise acknowledges (under open assignment only: under silent assignment
 * it is not asked), the funder's maker and checker approve, the funder tops up, the advance is
 * reserved and posted. The supplier has no payout account: PAYOUT_FAILED, the receivable FINANCED.
 */
export async function disburseApplied(prisma: PrismaClient, parties: FinancingParties, id: string, { acknowledge = true } = {}): Promise<void> {
  const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
  if (acknowledge) await decideFinancing(prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${id}:acknowledge`);
  await decideFinancing(prisma, id, { kind: 'APPROVE' }, as(parties.funder), `test:${id}:approve`);
  await decideFinancing(prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `test:${id}:confirm`);
  await recordInboundCredit(prisma, {
    bankReference: `TOPUP-${id}`,
    virtualAccountNumber: (await findAccountByCode(prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!,
    amount: '1000000.00',
    currency: 'CNY',
    payerName: '前海恒信商业保理有限公司',
    payerAccountNumber: '6222020200990011223',
    remittanceInformation: 'top-up',
    receivedAt: new Date(),
  });
  expect(await reserveFunding(prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
  expect(await disburse(prisma, id)).toBeNull();
  expect((await prisma.financing.findUniqueOrThrow({ where: { id } })).status).toBe('PAYOUT_FAILED');
}

/**
 * A program in yen between a funder (a maker, and a checker) and a core enterprise, registered as
 * the product registers parties (their own accounts in CNY), with a supplier not yet enrolled:
 * limits of 100,000,000 JPY, and `terms` on top.
 */
export async function yenProgramParties(prisma: PrismaClient, name: string, terms: Partial<ProgramTermsInput> = {}) {
  const admin = await createActor(prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
  const funder = await registeredPartyActor(prisma, ['FUNDER'], ['MAKER'], '東京ファクタリング株式会社');
  const funderChecker = await createActor(prisma, { partyId: funder.partyId, userRoles: ['CHECKER'] });
  const core = await registeredPartyActor(prisma, ['CORE_ENTERPRISE'], ['MAKER'], '大阪精機製造株式会社');
  const supplier = await registeredPartyActor(prisma, ['SUPPLIER'], ['ADMIN', 'MAKER'], '名古屋電子部品株式会社');
  const program = await createProgram(prisma, await actorOf(prisma, admin), {
    name,
    funderCreditCode: funder.creditCode,
    coreCreditCode: core.creditCode,
    currency: 'JPY',
    terms: { ...TEST_PROGRAM_TERMS, programLimit: '100000000', supplierLimit: '100000000', obligorLimit: '100000000', ...terms },
  });
  return { admin, funder, funderChecker, core, supplier, program };
}

/** `hours` (and `minutes`) into the business day `day` days after `t0`'s. */
export function businessTimeAfter(t0: Date, day: number, hours = 0, minutes = 0): Date {
  return new Date(startOfBusinessDate(addDays(businessDateOf(t0), day)).getTime() + hours * 3_600_000 + minutes * 60_000);
}

let disbursements = 0;

/**
 * 800,000.00 financed and disbursed at `t0`, store by store as the financing workflow would, its
 * receivable (1,000,000.00, confirmed) due `dueDays` business days after `t0`: a supplier
 * enrolled (a new one, or `supplier`), with a payout account in its own name when asked; the
 * funder's 1,000,000.00 top-up booked at `t0`; acknowledged, approved, confirmed, reserved and
 * disbursed. The payout, when the supplier has an account to pay.
 */
export async function disbursedAt(prisma: PrismaClient, parties: FinancingParties, t0: Date, options: { dueDays?: number; payoutAccount?: boolean; supplier?: TestActor } = {}) {
  disbursements += 1;
  const key = `${process.pid}-${disbursements}`;
  const dueDate: IsoDate = addDays(businessDateOf(t0), options.dueDays ?? 10);
  const supplier = options.supplier ?? (await createActor(prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' }));
  if (!options.supplier) await openPartyAccounts(prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
  await enrollSupplier(prisma, await actorOf(prisma, parties.admin), parties.programId, supplier.creditCode);
  const supplierActor = await actorOf(prisma, supplier);
  if (options.payoutAccount) await registerBankAccount(prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, t0);
  const { receivable } = await registerReceivable(prisma, supplierActor, registrationInput(parties.core.creditCode, { dueDate }, t0), { now: t0, confirmationWindowMs: 7 * DAY_MS });
  const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
  await decideReceivable(prisma, receivable.id, { kind: 'CONFIRM' }, as(parties.core), `test:${receivable.id}:confirm`, t0);
  const funding = (await findAccountByCode(prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
  await receiveInboundCredit(prisma, {
    bankReference: `TOPUP-${key}`,
    virtualAccountNumber: funding,
    amount: '1000000.00',
    currency: 'CNY',
    payerName: '前海恒信商业保理有限公司',
    payerAccountNumber: '6222020200990011223',
    remittanceInformation: 'top-up',
    receivedAt: t0,
  });
  const { financing } = await applyForFinancing(prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `apply-${key}` }, TEST_FINANCING_WINDOWS, t0);
  const id = financing.id;
  await decideFinancing(prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `ack-${id}`, t0);
  await decideFinancing(prisma, id, { kind: 'APPROVE' }, as(parties.funder), `approve-${id}`, t0);
  await decideFinancing(prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `confirm-${id}`, t0);
  expect(await reserveFunding(prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs, t0)).toEqual({ reserved: true });
  const payout = await disburse(prisma, id, t0);
  return { id, supplier, supplierActor, dueDate, payout, at: (day: number, hours = 0, minutes = 0) => businessTimeAfter(t0, day, hours, minutes), date: (day: number) => addDays(businessDateOf(t0), day) };
}
