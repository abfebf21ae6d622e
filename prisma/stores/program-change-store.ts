import { assertPermitted, isOperator, type Actor } from '../../domain/actor';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { isUuid } from '../../domain/ledger-rules';
import { formatAmount, type Currency } from '../../domain/money';
import { validateProgramTerms, type ProgramTermsInput, type ValidProgramTerms } from '../../domain/program-rules';
import type { Prisma, PrismaClient, ProgramChange, ProgramChangeKind, ProgramChangeStatus } from '../client';
import { getBalance } from './ledger/balances';
import { notifyParties, operatorPartyIds } from './operator-notices';
import {
  findVisibleProgram,
  insertEnrollment,
  insertProgram,
  insertTermsVersion,
  termsInputOf,
  validateEnrollment,
  validateProgram,
  validateProgramInput,
  voucherHolderLimitsOf,
  type CreateProgramInput,
} from './program-store';
import { assertMakerActive } from './maker-active';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';
import { isUniqueViolation } from './unique-violation';

// A program's money settings (its terms, its limits, who may draw on them) change with four eyes
// and the funder's consent (docs/pricing.md, "How programs change"). An operator proposes a change
// (creating a program, amending its terms, enrolling a supplier); nothing of the program, its terms
// or its limits in the ledger changes until an operator CHECKER other than the proposer has approved
// it for the platform and a CHECKER or ADMIN of the program's funder has approved it for the funder,
// in either order. The second approval applies the change in its own database transaction: the
// change is APPLIED with what it produced, or (the state no longer allows it: a limit cut below what
// is now committed, a supplier enrolled meanwhile) the approval is refused with the typed error and
// the change stays PROPOSED, to be approved later or rejected. Either side may reject it instead.

export const PROGRAM_CHANGE_REASON_LENGTH_MAX = 2000;
export const PROGRAM_CHANGE_PAGE_SIZE_MAX = 100;
/** How much of a program's name a notice's subject quotes (the subject holds 200 characters). */
const NOTICE_NAME_LENGTH_MAX = 80;

/** Which side an approver speaks for. */
export type ProgramChangeSide = 'PLATFORM' | 'FUNDER';

/** What a proposal stores: the validated input in canonical strings. */
export type ProgramChangeInput =
  | { kind: 'CREATE_PROGRAM'; name: string; currency: string; terms: ProgramTermsInput }
  | { kind: 'AMEND_TERMS'; terms: ProgramTermsInput }
  | { kind: 'ENROLL_SUPPLIER'; supplierCreditCode: string };

/** Changes a party may see: operators all; a funder those of its programs; nobody else any. */
export function visibleProgramChangesWhere(actor: Actor): Prisma.ProgramChangeWhereInput {
  if (isOperator(actor)) return {};
  return { funderPartyId: actor.partyId };
}

export function programChangesWhere(actor: Actor, filter: { status?: ProgramChangeStatus | null; programId?: string | null }): Prisma.ProgramChangeWhereInput {
  return { AND: [visibleProgramChangesWhere(actor), filter.status ? { status: filter.status } : {}, filter.programId ? { programId: filter.programId } : {}] };
}

/** JSON with its keys sorted: PostgreSQL's jsonb keeps its own key order, so stored and new input compare by content. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

interface Proposal {
  kind: ProgramChangeKind;
  programId: string | null;
  funderPartyId: string;
  corePartyId: string;
  supplierPartyId: string | null;
  input: ProgramChangeInput;
  /** For the notice: what the change is about. */
  label: string;
}

/**
 * The change this request key already made, when it made one: the same request repeated is
 * answered with it (one effect). The same key with other content is a conflict.
 */
async function replayOf(db: PrismaClient | Tx, requestKey: string, proposal: Omit<Proposal, 'label'>): Promise<ProgramChange | null> {
  const existing = await db.programChange.findUnique({ where: { requestKey } });
  if (!existing) return null;
  const same = existing.kind === proposal.kind && existing.programId === proposal.programId && canonicalJson(existing.input) === canonicalJson(proposal.input);
  if (!same) throw new ConflictError('IDEMPOTENCY_KEY_REUSED', 'this request key was used for a different program change; the original is unchanged');
  return existing;
}

async function insertProposal(prisma: PrismaClient, actor: Actor, proposal: Proposal, requestKey: string, now: Date): Promise<ProgramChange> {
  const { label, ...row } = proposal;
  try {
    return await runTransaction(prisma, async (tx) => {
      const replayed = await replayOf(tx, requestKey, row);
      if (replayed) return replayed;
      const change = await tx.programChange.create({
        data: { ...row, input: row.input as unknown as Prisma.InputJsonValue, requestKey, proposedByUserId: actor.userId, proposedAt: now },
      });
      await tellParties(tx, change, label, 'proposed');
      return change;
    });
  } catch (error) {
    // A twin of this request committed first: answer with its change.
    if (isUniqueViolation(error)) {
      const replayed = await replayOf(prisma, requestKey, row);
      if (replayed) return replayed;
    }
    throw error;
  }
}

/** An operator proposes a new program; nothing exists until both approvals. */
export async function proposeProgramCreation(prisma: PrismaClient, actor: Actor, input: CreateProgramInput, requestKey: string, now = new Date()): Promise<ProgramChange> {
  const valid = await validateProgram(prisma, input);
  const stored: ProgramChangeInput = { kind: 'CREATE_PROGRAM', name: valid.name, currency: valid.currency, terms: termsInputOf(valid.terms) };
  // Its obligor limit is the funder's one limit on the core enterprise, which its other programs may already use.
  const replayed = await replayOf(prisma, requestKey, { kind: 'CREATE_PROGRAM', programId: null, funderPartyId: valid.funderPartyId, corePartyId: valid.corePartyId, supplierPartyId: null, input: stored });
  if (replayed) return replayed;
  await assertLimitsCoverCommitments(prisma, { id: null, funderPartyId: valid.funderPartyId, corePartyId: valid.corePartyId, currency: valid.currency }, valid.terms);
  return insertProposal(
    prisma,
    actor,
    { kind: 'CREATE_PROGRAM', programId: null, funderPartyId: valid.funderPartyId, corePartyId: valid.corePartyId, supplierPartyId: null, input: stored, label: valid.name.slice(0, NOTICE_NAME_LENGTH_MAX) },
    requestKey,
    now,
  );
}

/**
 * An operator proposes new terms for a program. A limit already below what is reserved or used
 * on it is refused now (LIMIT_BELOW_COMMITMENTS), so approvers never review a change that cannot
 * apply as things stand; it is checked again, by the ledger, when the change applies.
 */
export async function proposeTermsAmendment(prisma: PrismaClient, actor: Actor, programId: string, input: ProgramTermsInput, requestKey: string, now = new Date()): Promise<ProgramChange> {
  const program = await findVisibleProgram(prisma, actor, programId);
  const terms = validateProgramTerms(input, program.currency);
  const stored: ProgramChangeInput = { kind: 'AMEND_TERMS', terms: termsInputOf(terms) };
  const replayed = await replayOf(prisma, requestKey, { kind: 'AMEND_TERMS', programId: program.id, funderPartyId: program.funderPartyId, corePartyId: program.corePartyId, supplierPartyId: null, input: stored });
  if (replayed) return replayed;
  await assertLimitsCoverCommitments(prisma, program, terms);
  return insertProposal(
    prisma,
    actor,
    { kind: 'AMEND_TERMS', programId: program.id, funderPartyId: program.funderPartyId, corePartyId: program.corePartyId, supplierPartyId: null, input: stored, label: program.code },
    requestKey,
    now,
  );
}

/** An operator proposes enrolling a supplier in a program; its supplier limit opens when the change applies. */
export async function proposeEnrollment(prisma: PrismaClient, actor: Actor, programId: string, supplierCreditCode: string, requestKey: string, now = new Date()): Promise<ProgramChange> {
  const program = await findVisibleProgram(prisma, actor, programId);
  const supplier = await validateEnrollment(prisma, program, supplierCreditCode);
  const stored: ProgramChangeInput = { kind: 'ENROLL_SUPPLIER', supplierCreditCode: supplier.creditCode };
  return insertProposal(
    prisma,
    actor,
    { kind: 'ENROLL_SUPPLIER', programId: program.id, funderPartyId: program.funderPartyId, corePartyId: program.corePartyId, supplierPartyId: supplier.id, input: stored, label: `${program.code} ${supplier.legalName.slice(0, NOTICE_NAME_LENGTH_MAX)}` },
    requestKey,
    now,
  );
}

/**
 * Refuses terms whose limits are below what the limit accounts they set already hold reserved or
 * used: the program's own (its voucher holders' measured against `voucherHolderLimit`, while the
 * terms admit holders, as applying them sets them), and the funder's limit on the core
 * enterprise in the program's currency, which a new program (no id yet) sets too.
 */
async function assertLimitsCoverCommitments(prisma: PrismaClient, program: { id: string | null; funderPartyId: string; corePartyId: string; currency: string }, terms: ValidProgramTerms): Promise<void> {
  const obligor = { kind: 'OBLIGOR' as const, funderPartyId: program.funderPartyId, obligorPartyId: program.corePartyId, currency: program.currency };
  const limits = await prisma.creditLimit.findMany({ where: program.id ? { OR: [{ programId: program.id }, obligor] } : obligor });
  const holders = new Set(program.id ? await voucherHolderLimitsOf(prisma, program.id) : []);
  for (const limit of limits) {
    const holder = limit.kind === 'SUPPLIER' && limit.supplierPartyId !== null && holders.has(limit.supplierPartyId);
    // A holder's limit stays as it is when the terms stop admitting holders (applyLimits).
    if (holder && !terms.admitsVoucherHolders) continue;
    const asked = limit.kind === 'PROGRAM' ? terms.programLimit : limit.kind === 'OBLIGOR' ? terms.obligorLimit : holder ? terms.voucherHolderLimit : terms.supplierLimit;
    const balance = await getBalance(prisma, limit.accountId);
    const committed = toDecimal(limit.granted).minus(balance.available);
    if (asked.lt(committed)) {
      throw new LimitExceededError(
        'LIMIT_BELOW_COMMITMENTS',
        `the ${limit.kind.toLowerCase()} limit cannot go below what is already reserved or used (${formatAmount(committed, program.currency as Currency)}; asked ${formatAmount(asked, program.currency as Currency)})`,
      );
    }
  }
}

/** The change, locked, if the caller may see it: another party's change is not found, exactly like one that does not exist. */
async function lockVisible(tx: Tx, actor: Actor, changeId: string): Promise<ProgramChange> {
  if (!isUuid(changeId)) throw new NotFoundError('ProgramChange', changeId);
  // Locks the row: two approvals at once are served one after the other, so the second sees the first and applies the change once.
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM program_change WHERE id = ${changeId}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new NotFoundError('ProgramChange', changeId);
  const change = await tx.programChange.findFirst({ where: { AND: [{ id: changeId }, visibleProgramChangesWhere(actor)] } });
  if (!change) throw new NotFoundError('ProgramChange', changeId);
  return change;
}

/** The side the caller speaks for on this change, and whether its role may decide for it. */
function sideOf(actor: Actor, change: ProgramChange): ProgramChangeSide {
  if (actor.partyId === change.funderPartyId) {
    assertPermitted(actor, 'DECIDE_PROGRAM_CHANGE_FOR_FUNDER');
    return 'FUNDER';
  }
  assertPermitted(actor, 'DECIDE_PROGRAM_CHANGE_FOR_PLATFORM');
  return 'PLATFORM';
}

function assertProposed(change: ProgramChange): void {
  if (change.status !== 'PROPOSED') throw new WrongStateError(`program change ${change.id} is already ${change.status}`, change.status);
}

/**
 * One side approves a change. The second side's approval applies it, in the same database
 * transaction: the program, terms version or enrolment is written with its limits in the ledger,
 * or nothing is (the approval is refused with the reason, and the change stays PROPOSED).
 */
export async function approveProgramChange(prisma: PrismaClient, actor: Actor, changeId: string, requestKey: string, now = new Date()): Promise<ProgramChange> {
  return runTransaction(prisma, async (tx) => {
    const change = await lockVisible(tx, actor, changeId);
    const side = sideOf(actor, change);
    // The same request again: it already had its one effect.
    if ((side === 'PLATFORM' ? change.platformRequestKey : change.funderRequestKey) === requestKey) return change;
    assertProposed(change);
    assertFourEyes(change.proposedByUserId, actor, 'the operator who proposed a program change cannot approve it: another operator must check it');
    await assertMakerActive(tx, change.proposedByUserId, change.status);
    // The two sides are two people too: the operator who approved a funder's administrator held
    // its first key, so the two approvals would be one person's, whichever came first.
    const otherSide = side === 'PLATFORM' ? change.funderApprovedByUserId : change.platformApprovedByUserId;
    assertFourEyes(otherSide, actor, 'one user cannot approve a program change for both the platform and the funder');
    // The other side's approval waits for this one like the proposal does: a word taken back with it.
    await assertMakerActive(tx, otherSide, change.status, `the user who approved it for the ${side === 'PLATFORM' ? 'funder' : 'platform'}`);
    const approvedBy = side === 'PLATFORM' ? change.platformApprovedByUserId : change.funderApprovedByUserId;
    if (approvedBy) throw new ConflictError('PROGRAM_CHANGE_ALREADY_APPROVED', `program change ${change.id} is already approved for the ${side === 'PLATFORM' ? 'platform' : 'funder'}: it waits for the other side`);
    const approval =
      side === 'PLATFORM'
        ? { platformApprovedByUserId: actor.userId, platformApprovedAt: now, platformRequestKey: requestKey }
        : { funderApprovedByUserId: actor.userId, funderApprovedAt: now, funderRequestKey: requestKey };
    const otherApproved = side === 'PLATFORM' ? change.funderApprovedByUserId !== null : change.platformApprovedByUserId !== null;
    if (!otherApproved) return tx.programChange.update({ where: { id: change.id }, data: approval });
    const produced = await applyChange(tx, change, now);
    const applied = await tx.programChange.update({ where: { id: change.id }, data: { ...approval, ...produced, status: 'APPLIED', appliedAt: now } });
    await tellParties(tx, applied, await labelOf(tx, applied), 'applied');
    return applied;
  });
}

/** Either side rejects a change that is still proposed; nothing of the program changes. */
export async function rejectProgramChange(prisma: PrismaClient, actor: Actor, changeId: string, reason: string, requestKey: string, now = new Date()): Promise<ProgramChange> {
  const trimmed = reason.normalize('NFC').trim();
  if (trimmed.length === 0 || [...trimmed].length > PROGRAM_CHANGE_REASON_LENGTH_MAX) throw ValidationError.field(['reason'], `must be 1 to ${PROGRAM_CHANGE_REASON_LENGTH_MAX} characters`);
  return runTransaction(prisma, async (tx) => {
    const change = await lockVisible(tx, actor, changeId);
    sideOf(actor, change);
    if (change.rejectRequestKey === requestKey) return change;
    assertProposed(change);
    assertFourEyes(change.proposedByUserId, actor, 'the operator who proposed a program change cannot decide it: another operator must check it');
    const rejected = await tx.programChange.update({
      where: { id: change.id },
      data: { status: 'REJECTED', rejectedByUserId: actor.userId, rejectedAt: now, rejectionReason: trimmed, rejectRequestKey: requestKey },
    });
    await tellParties(tx, rejected, await labelOf(tx, rejected), 'rejected');
    return rejected;
  });
}

/**
 * Writes what the change says, validating its stored input again: the parties must still hold
 * their roles, and the ledger refuses a limit cut below what is committed by now.
 */
async function applyChange(tx: Tx, change: ProgramChange, now: Date): Promise<{ programId: string; termsId: string | null }> {
  const input = change.input as unknown as ProgramChangeInput;
  switch (input.kind) {
    case 'CREATE_PROGRAM': {
      const { name, currency, terms } = validateProgramInput(input);
      await assertRole(tx, change.funderPartyId, 'FUNDER');
      await assertRole(tx, change.corePartyId, 'CORE_ENTERPRISE');
      const created = await insertProgram(tx, change.proposedByUserId, { name, currency, terms, funderPartyId: change.funderPartyId, corePartyId: change.corePartyId }, now);
      return { programId: created.program.id, termsId: created.terms.id };
    }
    case 'AMEND_TERMS': {
      const program = await tx.program.findUniqueOrThrow({ where: { id: change.programId! } });
      const created = await insertTermsVersion(tx, change.proposedByUserId, program.id, validateProgramTerms(input.terms, program.currency), now);
      return { programId: program.id, termsId: created.id };
    }
    case 'ENROLL_SUPPLIER': {
      await assertRole(tx, change.supplierPartyId!, 'SUPPLIER');
      await insertEnrollment(tx, change.proposedByUserId, change.programId!, change.supplierPartyId!, now);
      return { programId: change.programId!, termsId: null };
    }
  }
}

async function assertRole(tx: Tx, partyId: string, role: 'FUNDER' | 'CORE_ENTERPRISE' | 'SUPPLIER'): Promise<void> {
  const party = await tx.party.findUniqueOrThrow({ where: { id: partyId }, select: { roles: true, legalName: true } });
  if (!party.roles.includes(role)) throw new WrongStateError(`${party.legalName} no longer has the ${role} role`, 'PROPOSED');
}

async function labelOf(tx: Tx, change: ProgramChange): Promise<string> {
  const input = change.input as unknown as ProgramChangeInput;
  if (change.programId) return (await tx.program.findUniqueOrThrow({ where: { id: change.programId }, select: { code: true } })).code;
  return input.kind === 'CREATE_PROGRAM' ? input.name.slice(0, NOTICE_NAME_LENGTH_MAX) : change.id;
}

const KIND_NAMES: Record<ProgramChangeKind, { zh: string; en: string }> = {
  CREATE_PROGRAM: { zh: '新建计划', en: 'new program' },
  AMEND_TERMS: { zh: '条款与额度变更', en: 'new terms and limits' },
  ENROLL_SUPPLIER: { zh: '供应商准入', en: 'supplier enrolment' },
};

const EVENT_NAMES = {
  proposed: { zh: '待审批', en: 'proposed', body: 'Nothing takes effect until an operator checker and the funder have both approved it.', bodyZh: '需平台复核人与资金方均审批后方生效。' },
  applied: { zh: '已生效', en: 'applied', body: 'Both sides approved it and it is in effect.', bodyZh: '双方均已审批，已生效。' },
  rejected: { zh: '已驳回', en: 'rejected', body: 'It was rejected and nothing changed.', bodyZh: '已被驳回，未作任何变更。' },
} as const;

/** The program's funder and every operator party are told of a proposal and of its outcome, once each. */
async function tellParties(tx: Tx, change: ProgramChange, label: string, event: keyof typeof EVENT_NAMES): Promise<void> {
  const kind = KIND_NAMES[change.kind];
  const said = EVENT_NAMES[event];
  await notifyParties(
    tx,
    [change.funderPartyId, ...(await operatorPartyIds(tx))],
    {
      kind: `PROGRAM_CHANGE_${event.toUpperCase()}`,
      subject: `计划变更${said.zh}（${kind.zh}）${label} / Program change ${said.en} (${kind.en}): ${label}`,
      body: `${said.bodyZh} ${said.body}`,
    },
    `program-change:${change.id}:${event}`,
  );
}
