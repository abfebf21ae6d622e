import { ConflictError, ForbiddenError, NotFoundError, ValidationError, WrongStateError, type FieldIssue } from '../../domain/errors';
import { businessDateOf, businessYearOf, isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import { Decimal, formatAmount, minorUnits, parseAmount, type Currency } from '../../domain/money';
import { quote, type Quote } from '../../domain/pricing';
import { PROGRAM_NAME_LENGTH_MAX, programCurrency, validateProgramTerms, type ProgramTermsInput, type ValidProgramTerms } from '../../domain/program-rules';
import { checkPrintable } from '../../domain/printable-text';
import { type Party, type Prisma, type Program, type ProgramTerms, type PrismaClient, type Receivable } from '../client';
import { ensurePlatformAccounts, openPartyAccounts } from './chart-of-accounts';
import { setCreditLimit } from './credit-limit-store';
import { findPartyWithRole } from './party-store';
import { isOperator, type Actor } from '../../domain/actor';
import { findVisibleReceivable } from './receivable-store';
import { statusAsSeen } from './silent-assignment';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';

/** Programs a party may see: operators all; the funder and the core enterprise theirs; a supplier those it is enrolled in. */
export function visibleProgramsWhere(actor: Actor): Prisma.ProgramWhereInput {
  if (isOperator(actor)) return {};
  return { OR: [{ funderPartyId: actor.partyId }, { corePartyId: actor.partyId }, { enrollments: { some: { supplierPartyId: actor.partyId } } }] };
}

export async function findVisibleProgram(prisma: PrismaClient, actor: Actor, programId: string): Promise<Program> {
  const program = await prisma.program.findFirst({ where: { AND: [{ id: programId }, visibleProgramsWhere(actor)] } });
  if (!program) throw new NotFoundError('Program', programId);
  return program;
}

/**
 * The program a voucher part's holder names, with its current terms: one it may see (operators,
 * the program's own parties, a supplier enrolled in it), or one of the voucher's issuer that
 * admits voucher holders, which any holder of the issuer's vouchers may name without being
 * enrolled. Any other is null, to be answered exactly as an unknown id: its existence, code and
 * currency are not the holder's to learn.
 */
export async function programForVoucherHolder(db: PrismaClient | Tx, actor: Actor, programId: string, issuerPartyId: string): Promise<{ program: Program; terms: ProgramTerms } | null> {
  const program = /^[0-9a-f-]{36}$/i.test(programId) ? await db.program.findUnique({ where: { id: programId } }) : null;
  if (!program) return null;
  const terms = await currentTerms(db, program.id);
  if (program.corePartyId === issuerPartyId && terms.admitsVoucherHolders) return { program, terms };
  const visible = (await db.program.count({ where: { AND: [{ id: program.id }, visibleProgramsWhere(actor)] } })) > 0;
  return visible ? { program, terms } : null;
}

export async function currentTerms(prisma: PrismaClient | Prisma.TransactionClient, programId: string): Promise<ProgramTerms> {
  const terms = await prisma.programTerms.findFirst({ where: { programId }, orderBy: { version: 'desc' } });
  if (!terms) throw new NotFoundError('ProgramTerms', programId);
  return terms;
}

async function partyWithRole(prisma: PrismaClient, creditCode: string, role: 'FUNDER' | 'CORE_ENTERPRISE' | 'SUPPLIER', field: string) {
  const party = await findPartyWithRole(prisma, creditCode, role);
  if (!party) {
    throw ValidationError.field(['input', field], `no ${role.toLowerCase().replace('_', ' ')} with credit code ${creditCode.trim().toUpperCase()} is registered`);
  }
  return party;
}

export interface CreateProgramInput {
  name: string;
  funderCreditCode: string;
  coreCreditCode: string;
  currency: string;
  terms: ProgramTermsInput;
}

/** A program's input once checked: what a proposal stores and what is inserted. */
export interface ValidProgram {
  name: string;
  currency: Currency;
  terms: ValidProgramTerms;
  funderPartyId: string;
  corePartyId: string;
}

/** Checks a new program's name, currency and terms alone, without its parties. */
export function validateProgramInput(input: Pick<CreateProgramInput, 'name' | 'currency' | 'terms'>): Pick<ValidProgram, 'name' | 'currency' | 'terms'> {
  const name = input.name.normalize('NFC').trim();
  const issues: FieldIssue[] = [];
  if (name.length === 0 || name.length > PROGRAM_NAME_LENGTH_MAX) issues.push({ path: ['input', 'name'], message: `must be 1 to ${PROGRAM_NAME_LENGTH_MAX} characters` });
  // Printed on the terms summary of every financing under the program.
  checkPrintable(name, ['input', 'name'], issues);
  if (issues.length > 0) throw new ValidationError(issues);
  const currency = programCurrency(input.currency);
  const terms = validateProgramTerms(input.terms, currency);
  return { name, currency, terms };
}

/** Checks a new program's input and finds its funder and core enterprise by credit code. */
export async function validateProgram(prisma: PrismaClient, input: CreateProgramInput): Promise<ValidProgram> {
  const { name, currency, terms } = validateProgramInput(input);
  const funder = await partyWithRole(prisma, input.funderCreditCode, 'FUNDER', 'funderCreditCode');
  const core = await partyWithRole(prisma, input.coreCreditCode, 'CORE_ENTERPRISE', 'coreCreditCode');
  if (funder.id === core.id) throw ValidationError.field(['input', 'coreCreditCode'], 'the funder and the core enterprise must be different parties');
  return { name, currency, terms, funderPartyId: funder.id, corePartyId: core.id };
}

/**
 * The terms in canonical decimal strings: what a proposal stores (a ProgramTermsInput) and what a
 * terms version is written from.
 */
export function termsInputOf(terms: ValidProgramTerms) {
  return {
    advanceRate: terms.advanceRate.toFixed(),
    annualRate: terms.annualRate.toFixed(),
    interestMode: terms.interestMode,
    dayCount: terms.dayCount,
    flatFee: terms.flatFee.toFixed(),
    feeRate: terms.feeRate.toFixed(),
    tenorDaysMax: terms.tenorDaysMax,
    tenorDaysMin: terms.tenorDaysMin,
    graceDays: terms.graceDays,
    penaltyRate: terms.penaltyRate.toFixed(),
    recourse: terms.recourse,
    recourseAfterDays: terms.recourseAfterDays,
    assignmentMode: terms.assignmentMode,
    waterfall: [...terms.waterfall],
    programLimit: terms.programLimit.toFixed(),
    supplierLimit: terms.supplierLimit.toFixed(),
    obligorLimit: terms.obligorLimit.toFixed(),
    admitsVoucherHolders: terms.admitsVoucherHolders,
    voucherHolderLimit: terms.voucherHolderLimit.toFixed(),
  };
}

/**
 * Inserts a program with version 1 of its terms and its limits in the ledger, in the caller's
 * transaction. Only the application of an approved change (program-change-store.ts) and the
 * seeding of a database call it: it is not an API action on its own.
 */
export async function insertProgram(tx: Tx, createdByUserId: string, valid: ValidProgram, now = new Date()): Promise<{ program: Program; terms: ProgramTerms }> {
  const [{ nextval }] = await tx.$queryRaw<[{ nextval: bigint }]>`SELECT nextval('program_code_seq')`;
  const program = await tx.program.create({
    data: {
      code: `PRG-${businessYearOf(now)}-${String(nextval).padStart(4, '0')}`,
      name: valid.name,
      funderPartyId: valid.funderPartyId,
      corePartyId: valid.corePartyId,
      currency: valid.currency,
      createdByUserId,
      createdAt: now,
    },
  });
  const terms = await tx.programTerms.create({ data: { ...termsInputOf(valid.terms), programId: program.id, version: 1, createdByUserId, createdAt: now } });
  // The limits exist in the ledger from the start, in the same transaction as the program.
  await applyLimits(tx, program, valid.terms, []);
  await openProgramAccounts(tx, program);
  return { program, terms };
}

/**
 * Money moves in the program's currency: the escrow's accounts, the funder's funding account (the
 * virtual account it tops up), the core enterprise's repayment account and each enrolled
 * supplier's settlement account are open in it, as they are in CNY from a party's creation.
 * Opened with the program, and again (finding them open) when its terms change or a supplier is
 * enrolled, so that a program created before a party could hold its currency gets them then.
 */
async function openProgramAccounts(tx: Tx, program: Program, supplierPartyIds: readonly string[] = []): Promise<void> {
  const currency = program.currency as Currency;
  await ensurePlatformAccounts(tx, currency);
  await openPartyAccounts(tx, { id: program.funderPartyId, roles: ['FUNDER'] }, currency);
  await openPartyAccounts(tx, { id: program.corePartyId, roles: ['CORE_ENTERPRISE'] }, currency);
  for (const id of supplierPartyIds) await openPartyAccounts(tx, { id, roles: ['SUPPLIER'] }, currency);
}

/** Creates a program with version 1 of its terms at once, with no proposal: for seeding a database and setting up tests. */
export async function createProgram(prisma: PrismaClient, actor: Actor, input: CreateProgramInput, now = new Date()): Promise<Program> {
  const valid = await validateProgram(prisma, input);
  return runTransaction(prisma, async (tx) => (await insertProgram(tx, actor.userId, valid, now)).program);
}

/** Sets the program's limits in the ledger to `terms`: the program total, the funder's obligor limit, and each enrolled supplier's. */
async function applyLimits(
  tx: Prisma.TransactionClient,
  program: Program,
  terms: Pick<ValidProgramTerms, 'programLimit' | 'supplierLimit' | 'obligorLimit' | 'admitsVoucherHolders' | 'voucherHolderLimit'>,
  supplierPartyIds: string[],
): Promise<void> {
  const base = { funderPartyId: program.funderPartyId, currency: program.currency as Currency };
  await setCreditLimit(tx, { ...base, kind: 'PROGRAM', programId: program.id }, terms.programLimit);
  await setCreditLimit(tx, { ...base, kind: 'OBLIGOR', obligorPartyId: program.corePartyId }, terms.obligorLimit);
  for (const supplierPartyId of supplierPartyIds) await setCreditLimit(tx, { ...base, kind: 'SUPPLIER', programId: program.id, supplierPartyId }, terms.supplierLimit);
  // Voucher holders' limits (opened on a holder's first application: a holder is not enrolled)
  // follow the terms as the enrolled suppliers' do, while the program admits holders; one that no
  // longer admits them takes no new application from a holder, and its open ones run off.
  if (!terms.admitsVoucherHolders) return;
  const holders = await voucherHolderLimitsOf(tx, program.id);
  for (const supplierPartyId of holders) await setCreditLimit(tx, { ...base, kind: 'SUPPLIER', programId: program.id, supplierPartyId }, terms.voucherHolderLimit);
}

/** The parties holding a supplier limit in the program without being enrolled in it: its voucher holders. */
export async function voucherHolderLimitsOf(db: Prisma.TransactionClient | PrismaClient, programId: string): Promise<string[]> {
  const rows = await db.creditLimit.findMany({
    where: { programId, kind: 'SUPPLIER', supplierPartyId: { not: null }, supplier: { programEnrollments: { none: { programId } } } },
    select: { supplierPartyId: true },
    orderBy: { accountId: 'asc' },
  });
  return rows.map((row) => row.supplierPartyId!);
}

/**
 * Adds a version of a program's terms and sets its limits to them, in the caller's transaction.
 * Financings already priced keep the version they were priced with; only new applications use
 * the new one. A limit cut below what is reserved or used is refused (LIMIT_BELOW_COMMITMENTS).
 */
export async function insertTermsVersion(tx: Tx, createdByUserId: string, programId: string, terms: ValidProgramTerms, now = new Date()): Promise<ProgramTerms> {
  // Serialises amendments of one program: each gets the next version and sets the limits in turn.
  await tx.$queryRaw`SELECT id FROM program WHERE id = ${programId}::uuid FOR UPDATE`;
  const program = await tx.program.findUniqueOrThrow({ where: { id: programId } });
  const latest = await currentTerms(tx, program.id);
  const created = await tx.programTerms.create({ data: { ...termsInputOf(terms), programId: program.id, version: latest.version + 1, createdByUserId, createdAt: now } });
  const enrolled = await tx.programEnrollment.findMany({ where: { programId: program.id }, select: { supplierPartyId: true } });
  await applyLimits(tx, program, terms, enrolled.map((row) => row.supplierPartyId));
  await openProgramAccounts(tx, program, enrolled.map((row) => row.supplierPartyId));
  return created;
}

/** Amends a program at once, with no proposal: for setting up tests. */
export async function amendProgram(prisma: PrismaClient, actor: Actor, programId: string, input: ProgramTermsInput, now = new Date()): Promise<ProgramTerms> {
  const program = await findVisibleProgram(prisma, actor, programId);
  const terms = validateProgramTerms(input, program.currency);
  return runTransaction(prisma, (tx) => insertTermsVersion(tx, actor.userId, program.id, terms, now));
}

/** Finds the supplier to enrol in a program by credit code, refusing the program's own parties and one already enrolled. */
export async function validateEnrollment(prisma: PrismaClient, program: Program, supplierCreditCode: string): Promise<Party> {
  const supplier = await partyWithRole(prisma, supplierCreditCode, 'SUPPLIER', 'supplierCreditCode');
  await assertEnrollable(prisma, program, supplier);
  return supplier;
}

async function assertEnrollable(db: PrismaClient | Tx, program: Program, supplier: Party): Promise<void> {
  if (supplier.id === program.corePartyId || supplier.id === program.funderPartyId) {
    throw ValidationError.field(['input', 'supplierCreditCode'], 'the funder or the core enterprise cannot be enrolled as a supplier of its own program');
  }
  const existing = await db.programEnrollment.findUnique({ where: { programId_supplierPartyId: { programId: program.id, supplierPartyId: supplier.id } } });
  if (existing) throw new ConflictError('ALREADY_ENROLLED', `${supplier.legalName} is already enrolled in ${program.code}`);
}

/** Enrols a supplier and opens its supplier limit at the current terms, in the caller's transaction. */
export async function insertEnrollment(tx: Tx, enrolledByUserId: string, programId: string, supplierPartyId: string, now = new Date()): Promise<void> {
  // The program's lock orders the enrolment after any amendment being applied, so the limit opened is the latest terms'.
  await tx.$queryRaw`SELECT id FROM program WHERE id = ${programId}::uuid FOR UPDATE`;
  const program = await tx.program.findUniqueOrThrow({ where: { id: programId } });
  const supplier = await tx.party.findUniqueOrThrow({ where: { id: supplierPartyId } });
  await assertEnrollable(tx, program, supplier);
  await tx.programEnrollment.create({ data: { programId: program.id, supplierPartyId: supplier.id, enrolledByUserId, enrolledAt: now } });
  const terms = await currentTerms(tx, program.id);
  await setCreditLimit(tx, { kind: 'SUPPLIER', funderPartyId: program.funderPartyId, programId: program.id, supplierPartyId: supplier.id, currency: program.currency as Currency }, toDecimal(terms.supplierLimit));
  await openProgramAccounts(tx, program, [supplier.id]);
}

/** Enrols a supplier at once, with no proposal: for seeding a database and setting up tests. */
export async function enrollSupplier(prisma: PrismaClient, actor: Actor, programId: string, supplierCreditCode: string, now = new Date()): Promise<Program> {
  const program = await findVisibleProgram(prisma, actor, programId);
  const supplier = await validateEnrollment(prisma, program, supplierCreditCode);
  await runTransaction(prisma, (tx) => insertEnrollment(tx, actor.userId, program.id, supplier.id, now));
  return program;
}

/**
 * The checks of an application's amount and tenor that need no stored row, and its price: the
 * amount within the currency's decimals and at most advance rate × `confirmed`, the tenor from
 * today to `dueDate` within the program's. quoteFinancing runs them on a receivable; a voucher
 * part's preparation runs them before it writes the part's receivable, so that a refused
 * application leaves nothing behind.
 */
export function priceApplication(amountText: string, confirmed: Decimal, dueDate: IsoDate, terms: ProgramTerms, currency: Currency, now: Date): { quote: Quote; maxAmount: Decimal } {
  let amount: Decimal;
  try {
    amount = parseAmount(amountText, currency);
  } catch (error) {
    throw ValidationError.field(['amount'], (error as Error).message);
  }
  // Down, not half-up: the cap is a ceiling, and rounding up would allow more than the advance rate.
  const maxAmount = confirmed.times(toDecimal(terms.advanceRate)).toDecimalPlaces(minorUnits(currency), Decimal.ROUND_DOWN);
  if (amount.gt(maxAmount)) {
    throw ValidationError.field(['amount'], `must be at most ${formatAmount(maxAmount, currency)} (advance rate ${toDecimal(terms.advanceRate).times(100).toFixed()}% of the confirmed ${formatAmount(confirmed, currency)})`, 'OVER_ADVANCE_RATE');
  }
  const result = quote(amount, businessDateOf(now), dueDate, {
    currency,
    annualRate: toDecimal(terms.annualRate),
    dayCount: terms.dayCount,
    interestMode: terms.interestMode,
    flatFee: toDecimal(terms.flatFee),
    feeRate: toDecimal(terms.feeRate),
  });
  if (result.tenorDays > terms.tenorDaysMax) {
    throw ValidationError.field(['receivableId'], `tenor of ${result.tenorDays} days exceeds the program's maximum of ${terms.tenorDaysMax}`, 'TENOR_TOO_LONG');
  }
  // Checked again when the money moves (priceAtDisbursement): a financing approved too late expires then.
  if (result.tenorDays < terms.tenorDaysMin) {
    throw ValidationError.field(['receivableId'], `tenor of ${result.tenorDays} days is shorter than the program's minimum of ${terms.tenorDaysMin}`, 'TENOR_TOO_SHORT');
  }
  return { quote: result, maxAmount };
}

export interface QuoteResult {
  quote: Quote;
  receivable: Receivable;
  currency: Currency;
  terms: ProgramTerms;
  program: Program;
  maxAmount: Decimal;
}

/**
 * Prices a financing of a confirmed receivable under a program, with no side effect. The
 * checks are those an application must pass that do not depend on limits: the receivable is
 * the caller's (or visible to it), CONFIRMED as the caller sees it, owed by the program's core
 * enterprise, in its currency; the supplier is enrolled; the amount is at most advance rate ×
 * confirmed amount; the tenor fits the program.
 */
export async function quoteFinancing(
  prisma: PrismaClient,
  actor: Actor,
  input: { receivableId: string; programId: string; amount: string },
  now = new Date(),
): Promise<QuoteResult> {
  const receivable = await findVisibleReceivable(prisma, actor, input.receivableId);
  // A voucher part's holder need not be enrolled: the program must admit voucher holders instead.
  const named = receivable.voucherPartId ? await programForVoucherHolder(prisma, actor, input.programId, receivable.obligorPartyId) : null;
  if (receivable.voucherPartId && !named) throw new NotFoundError('Program', input.programId);
  const program = named?.program ?? (await findVisibleProgram(prisma, actor, input.programId));
  const terms = named?.terms ?? (await currentTerms(prisma, program.id));
  const currency = program.currency as Currency;
  // As the caller sees the receivable: its obligor is quoted for a silently financed one as for
  // one nobody financed. Only the supplier applies, and the application checks the real state
  // again under the receivable's row lock (applyInTransaction).
  const status = await statusAsSeen(prisma, actor, receivable);
  if (status !== 'CONFIRMED') throw new WrongStateError(`only a CONFIRMED receivable can be financed; this one is ${status}`, status);
  if (receivable.obligorPartyId !== program.corePartyId) throw ValidationError.field(['programId'], "the receivable's obligor is not this program's core enterprise", 'PROGRAM_OBLIGOR_MISMATCH');
  if (receivable.currency !== program.currency) throw ValidationError.field(['programId'], `the program finances ${program.currency}, the receivable is in ${receivable.currency}`, 'CURRENCY_MISMATCH');
  if (receivable.voucherPartId) {
    if (!terms.admitsVoucherHolders) throw new ForbiddenError(`${program.code} does not admit voucher holders`, 'VOUCHER_HOLDERS_NOT_ADMITTED');
  } else {
    const enrolled = await prisma.programEnrollment.findUnique({ where: { programId_supplierPartyId: { programId: program.id, supplierPartyId: receivable.supplierPartyId } } });
    if (!enrolled) throw new ForbiddenError(`the supplier is not enrolled in ${program.code}`, 'NOT_ENROLLED');
  }
  const confirmed = toDecimal(receivable.confirmedAmount ?? receivable.faceAmount);
  const { quote: result, maxAmount } = priceApplication(input.amount, confirmed, isoDateOfColumn(receivable.dueDate), terms, currency, now);
  return { quote: result, receivable, currency, terms, program, maxAmount };
}
