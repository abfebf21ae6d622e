import { assertFourEyes } from '../../domain/four-eyes';
import { isOperator, type Actor } from '../../domain/actor';
import { businessYearOf, dateColumn, isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import { ConflictError, LimitExceededError, NotFoundError, ReceivableEncumberedError, WrongStateError } from '../../domain/errors';
import { formatAmount, type Currency } from '../../domain/money';
import { assertBeforeDueDate, assertVoucherTransferable, exceedsAvailableAmount, formatPartNumber, formatVoucherNumber, resolveRecipient, sameCompanyName, TRANSFER_TO_ISSUER_REASON, VOUCHER_PARTS_MAX, type ValidVoucherIssue, type ValidVoucherTransfer } from '../../domain/voucher-rules';
import type { VoucherTransferDecision } from '../../workflows/contracts/voucher-acceptance';
import type { AssignmentMode, Party, Prisma, PrismaClient, Voucher, VoucherTransfer } from '../client';
import { openAccount } from './ledger/accounts';
import type { LedgerDb } from './ledger/ledger-db';
import { getBalance } from './ledger/balances';
import { postHold, reserveHold, voidHold } from './ledger/holds';
import { invoiceFingerprint } from './receivable-store';
import { runTransaction, type Tx } from './run-transaction';
import { drawNumber } from './drawn-numbers';
import { sha256Hex } from './sha256-hex';
import { storedAmount, toDecimal } from './to-decimal';
import { isUniqueViolation } from './unique-violation';
import { assertVoucherNotBeingPaid, assignedAccountOf, withdrawStaleVoucherReceivables } from './voucher-financing-store';
import { assertMakerActive } from './maker-active';

// Vouchers' issue, transfers and decisions (docs/workflows/voucher-acceptance.md). The claims
// are kept in the ledger's memo book: one VOUCHER_ISSUED account per voucher (what the issuer
// owes), one VOUCHER_CLAIM account per part (what its holder is owed, never overdrawn). Every
// transfer, the issue included, is a hold from one to the other at proposal, posted at
// acceptance and voided otherwise, so an amount cannot leave a part twice: the claim account's
// bound counts pending holds. These tables keep the lineage, the trade background and the
// decisions; every decision runs under the transfer's row lock.

export type VoucherTransferStatus = VoucherTransfer['status'];

export interface VoucherActor {
  userId: string;
  partyId: string;
  administeredBy?: readonly string[];
  administers?: readonly string[];
}

export function voucherIssuedAccountCode(voucherId: string, currency: Currency): string {
  return `voucher:${voucherId}:ISSUED:${currency}`;
}

export function voucherClaimAccountCode(partId: string, currency: Currency): string {
  return `voucher-part:${partId}:CLAIM:${currency}`;
}

const CLAIM_ACCOUNT_CODE = /^voucher-part:([0-9a-f-]{36}):CLAIM:[A-Z]{3}$/;

/** The part a claim account was opened for (voucherClaimAccountCode read back). */
function partIdOfClaimAccount(code: string): string {
  const match = CLAIM_ACCOUNT_CODE.exec(code);
  // The hold of every transfer credits a claim account opened under this code: anything else is a broken ledger.
  if (!match) throw new Error(`ledger account ${code} is not a voucher part's claim account`);
  return match[1] as string;
}

export function voucherCollectionAccountCode(voucherId: string, currency: Currency): string {
  return `voucher:${voucherId}:COLLECTION:${currency}`;
}

/** The ledger keys of one transfer: the hold at proposal, then its posting or its release. */
export const voucherTransferKeys = {
  hold: (transferId: string) => `voucher-transfer:${transferId}:hold`,
  post: (transferId: string) => `voucher-transfer:${transferId}:post`,
  void: (transferId: string) => `voucher-transfer:${transferId}:void`,
};

type TradeBackground = Omit<ValidVoucherTransfer, 'recipientCreditCode' | 'recipientName'>;

/** The recipient's name enters a request's hash only when given, so the hash of a request without it is what it always was. */
function namedRecipient(key: string, name: string | null): Record<string, string> {
  return name === null ? {} : { [key]: name };
}

function backgroundHash(kind: string, valid: TradeBackground, extra: Record<string, string>): string {
  return sha256Hex(
    JSON.stringify({
      kind,
      ...extra,
      contractNumber: valid.contractNumber,
      currency: valid.currency,
      amount: formatAmount(valid.amount, valid.currency),
      invoices: valid.invoices.map((invoice) => [invoice.invoiceCode, invoice.invoiceNumber, formatAmount(invoice.amount, valid.currency), invoice.issueDate]),
    }),
  );
}

/** What the issuer owes on a voucher (VOUCHER_ISSUED, memo book), owned by the issuer. */
export function openIssuedAccount(db: LedgerDb, voucherId: string, issuerPartyId: string, currency: Currency) {
  return openAccount(db, { code: voucherIssuedAccountCode(voucherId, currency), name: '凭证应付 Voucher issued', type: 'ASSET', purpose: 'VOUCHER_ISSUED', book: 'MEMO', currency, ownerPartyId: issuerPartyId });
}

/** 到期还款专户: the virtual account the issuer pays at maturity, opened when the voucher is accepted. */
export function openCollectionAccount(db: LedgerDb, voucherId: string, issuerPartyId: string, currency: Currency) {
  return openAccount(db, {
    code: voucherCollectionAccountCode(voucherId, currency),
    name: '凭证到期还款专户 Voucher collection',
    type: 'LIABILITY',
    purpose: 'COLLECTION',
    book: 'MONEY',
    currency,
    ownerPartyId: issuerPartyId,
    debitsMustNotExceedCredits: true,
    withVirtualAccountNumber: true,
  });
}

/**
 * A part's claim on the issuer (VOUCHER_CLAIM, memo book), owned by its holder. For a company not
 * yet registered it is opened without an owner (the hold of the offer needs it), and gets its
 * owner once, when the company's party attaches the offer (attachWaitingTransfers).
 */
export function openClaimAccount(db: LedgerDb, partId: string, holderPartyId: string | null, currency: Currency) {
  // No overdraft: what a part has transferred, or holds for a pending transfer, cannot leave it again.
  return openAccount(db, {
    code: voucherClaimAccountCode(partId, currency),
    name: '凭证债权 Voucher claim',
    type: 'LIABILITY',
    purpose: 'VOUCHER_CLAIM',
    book: 'MEMO',
    currency,
    ownerPartyId: holderPartyId,
    debitsMustNotExceedCredits: true,
  });
}

/** The invoices of a trade background as rows, fingerprinted with the buyer's (the transferor's) credit code. */
function invoiceRows(valid: TradeBackground, buyerCreditCode: string) {
  return valid.invoices.map((invoice, index) => ({
    lineNumber: index + 1,
    invoiceCode: invoice.invoiceCode,
    invoiceNumber: invoice.invoiceNumber,
    amount: invoice.amount.toFixed(),
    issueDate: dateColumn(invoice.issueDate),
    fingerprint: invoiceFingerprint(buyerCreditCode, invoice.invoiceCode, invoice.invoiceNumber),
  }));
}

/**
 * Refuses a trade background whose invoice is already encumbered (by a registration or another
 * transfer). The partial unique index on active fingerprints is what makes a race impossible;
 * this lookup only gives the refusal its message. Which object holds it is told to nobody: the
 * caller learns the invoice, as the public registry check would tell it.
 */
async function assertNotEncumbered(tx: Tx, rows: ReturnType<typeof invoiceRows>): Promise<void> {
  const active = await tx.registryEntry.findFirst({ where: { fingerprint: { in: rows.map((row) => row.fingerprint) }, releasedAt: null } });
  if (!active) return;
  const invoice = rows.find((row) => row.fingerprint === active.fingerprint);
  throw new ReceivableEncumberedError(null, invoice?.invoiceCode ?? '?', invoice?.invoiceNumber ?? '?');
}

async function nextNumber(tx: Tx, voucherId: string, voucherNumber: string, of: 'part' | 'transfer'): Promise<string> {
  // Numbers in creation order; the voucher's row lock (taken by the caller) keeps two transfers from taking the same one.
  const count = of === 'part' ? await tx.voucherPart.count({ where: { voucherId } }) : await tx.voucherTransfer.count({ where: { voucherId } });
  if (count >= VOUCHER_PARTS_MAX) throw new LimitExceededError('VOUCHER_PARTS_LIMIT', `a voucher has at most ${VOUCHER_PARTS_MAX} parts and transfers`);
  return of === 'part' ? formatPartNumber(voucherNumber, count + 1) : `${voucherNumber}-T${String(count + 1).padStart(4, '0')}`;
}

/**
 * Writes a transfer (the issue's or a part's) as proposed: its trade background's invoices, and
 * their registry entries under its number, in the caller's transaction.
 */
function createTransfer(
  tx: Tx,
  row: { id: string; transferNumber: string; voucherId: string; fromPartId: string | null; fromPartyId: string; holdId: string } & RecipientColumns,
  { valid, hash, rows, actor, now, acceptanceWindowMs }: { valid: TradeBackground; hash: string; rows: ReturnType<typeof invoiceRows>; actor: Actor; now: Date; acceptanceWindowMs: number },
): Promise<VoucherTransfer> {
  return tx.voucherTransfer.create({
    data: {
      ...row,
      currency: valid.currency,
      amount: valid.amount.toFixed(),
      contractNumber: valid.contractNumber,
      acceptanceDeadline: new Date(now.getTime() + acceptanceWindowMs),
      idempotencyKey: valid.idempotencyKey,
      requestHash: hash,
      proposedByUserId: actor.userId,
      proposedAt: now,
      updatedAt: now,
      invoices: { create: rows },
      registryEntries: { create: rows.map((invoice) => ({ fingerprint: invoice.fingerprint, registrationNumber: row.transferNumber, encumberedSince: now })) },
    },
  });
}

/** A transfer's recipient columns: the party and its new part, or the named company they wait for. */
type RecipientColumns =
  | { toPartyId: string; toPartId: string; recipientCreditCode?: undefined; recipientName?: undefined }
  | { toPartyId: null; toPartId: null; recipientCreditCode: string; recipientName: string };

/**
 * Serialises, per credit code, an offer to a company not yet registered with the registration of
 * that company's party: without it an offer written while the party is being created could miss
 * the party's look for waiting offers and wait forever (a lost offer). Taken before any row lock,
 * by both sides, so the two never deadlock.
 */
async function lockCreditCode(tx: Tx, creditCode: string): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`party-credit-code:${creditCode}`}, 0))::text AS "locked"`;
}

/**
 * The recipient of an issue or a transfer, read under the credit code's lock: the party registered
 * with the code, or (none being) the company named by the code and name given, which the offer
 * waits for (resolveRecipient's rules).
 */
async function findRecipient(tx: Tx, creditCode: string, name: string | null, field: 'recipient' | 'holder'): Promise<Party | { recipientCreditCode: string; recipientName: string }> {
  await lockCreditCode(tx, creditCode);
  const party = await tx.party.findUnique({ where: { creditCode } });
  const recipient = resolveRecipient(party, { creditCode, name }, field);
  return recipient.registered ? party! : { recipientCreditCode: recipient.creditCode, recipientName: recipient.name };
}

function recipientColumns(recipient: Party | { recipientCreditCode: string; recipientName: string }, partId: string): RecipientColumns {
  return 'id' in recipient ? { toPartyId: recipient.id, toPartId: partId } : { toPartyId: null, toPartId: null, ...recipient };
}

export interface IssueResult {
  voucher: Voucher;
  transfer: VoucherTransfer;
  replayed: boolean;
}

async function issueReplay(prisma: PrismaClient | Tx, issuerPartyId: string, idempotencyKey: string, hash: string): Promise<IssueResult | undefined> {
  const voucher = await prisma.voucher.findUnique({ where: { issuerPartyId_idempotencyKey: { issuerPartyId, idempotencyKey } } });
  if (!voucher) return undefined;
  if (voucher.requestHash !== hash) throw new ConflictError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(idempotencyKey)} was used for a different voucher (${voucher.voucherNumber})`);
  const transfer = await prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: voucher.id, fromPartId: null } });
  return { voucher, transfer, replayed: true };
}

/**
 * Issues a voucher (开立), proposed by a maker of the core enterprise: the voucher in
 * PENDING_APPROVAL with its VOUCHER_ISSUED account, the root part (tier 1) for the first holder
 * with its claim account, the issue transfer with its invoices encumbered in the registry, and
 * the hold ISSUED → root CLAIM. The ids derive from the issuer and its idempotency key, so a
 * retried transaction writes the same rows under the same ledger keys.
 */
export async function issueVoucher(
  prisma: PrismaClient,
  actor: Actor,
  valid: ValidVoucherIssue,
  ids: { voucherId: string; partId: string; transferId: string },
  { now = new Date(), acceptanceWindowMs }: { now?: Date; acceptanceWindowMs: number },
): Promise<IssueResult> {
  const hash = backgroundHash('issue', valid, { holderCreditCode: valid.holderCreditCode, dueDate: valid.dueDate, ...namedRecipient('holderName', valid.holderName) });
  const earlier = await issueReplay(prisma, actor.partyId, valid.idempotencyKey, hash);
  if (earlier) return earlier;
  const issuer = await prisma.party.findUniqueOrThrow({ where: { id: actor.partyId } });
  const rows = invoiceRows(valid, issuer.creditCode);
  const amount = formatAmount(valid.amount, valid.currency);
  try {
    return await runTransaction(prisma, async (tx) => {
      const holder = recipientColumns(await findRecipient(tx, valid.holderCreditCode, valid.holderName, 'holder'), ids.partId);
      await assertNotEncumbered(tx, rows);
      const issued = await openIssuedAccount(tx, ids.voucherId, issuer.id, valid.currency);
      const claim = await openClaimAccount(tx, ids.partId, holder.toPartyId, valid.currency);
      const hold = await reserveHold(
        tx,
        { idempotencyKey: voucherTransferKeys.hold(ids.transferId), code: 'VOUCHER_ISSUE', debitAccountId: issued.id, creditAccountId: claim.id, amount, currency: valid.currency, metadata: { voucherId: ids.voucherId, transferId: ids.transferId } },
        now,
      );
      const year = businessYearOf(now);
      const voucherNumber = await drawNumber(
        (serial) => formatVoucherNumber(year, serial),
        async (candidate) => (await tx.voucher.count({ where: { voucherNumber: candidate } })) > 0,
      );
      const voucher = await tx.voucher.create({
        data: {
          id: ids.voucherId,
          voucherNumber,
          issuerPartyId: issuer.id,
          currency: valid.currency,
          amount: valid.amount.toFixed(),
          dueDate: dateColumn(valid.dueDate),
          issuedAccountId: issued.id,
          idempotencyKey: valid.idempotencyKey,
          requestHash: hash,
          issuedByUserId: actor.userId,
          issuedAt: now,
          updatedAt: now,
        },
      });
      // A company not yet registered gets its root part when it registers: a part's holder is a party.
      if (holder.toPartyId !== null) {
        await tx.voucherPart.create({
          data: { id: ids.partId, partNumber: formatPartNumber(voucherNumber, 1), voucherId: voucher.id, tier: 1, holderPartyId: holder.toPartyId, currency: valid.currency, originalAmount: valid.amount.toFixed(), claimAccountId: claim.id, createdAt: now, updatedAt: now },
        });
      }
      const transfer = await createTransfer(tx, {
        id: ids.transferId,
        transferNumber: `${voucherNumber}-T0001`,
        voucherId: voucher.id,
        fromPartId: null,
        fromPartyId: issuer.id,
        holdId: hold.holdId,
        ...holder,
      }, { valid, hash, rows, actor, now, acceptanceWindowMs });
      return { voucher, transfer, replayed: false };
    });
  } catch (error) {
    // A twin of this request committed first (same key), or another took an invoice meanwhile.
    if (!isUniqueViolation(error) && !(error instanceof ReceivableEncumberedError)) throw error;
    const raced = await issueReplay(prisma, actor.partyId, valid.idempotencyKey, hash);
    if (raced) return raced;
    if (error instanceof ReceivableEncumberedError) throw error;
    await runTransaction(prisma, (tx) => assertNotEncumbered(tx, rows));
    throw error;
  }
}

/** The part a caller holds, for a transfer from it: another party's part, or one not yet offered to it, is not found. */
export async function findHeldPart(prisma: PrismaClient, actor: Actor, partId: string) {
  const part = await prisma.voucherPart.findFirst({
    where: { id: partId, ...heldPartsWhere(actor.partyId) },
    include: { voucher: { include: { issuer: { select: { creditCode: true } } } }, holder: { select: { creditCode: true } } },
  });
  if (!part) throw new NotFoundError('VoucherPart', partId);
  return part;
}

async function transferReplay(prisma: PrismaClient | Tx, fromPartyId: string, idempotencyKey: string, hash: string): Promise<VoucherTransfer | undefined> {
  const transfer = await prisma.voucherTransfer.findUnique({ where: { fromPartyId_idempotencyKey: { fromPartyId, idempotencyKey } } });
  if (!transfer) return undefined;
  if (transfer.requestHash !== hash) throw new ConflictError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(idempotencyKey)} was used for a different transfer (${transfer.transferNumber})`);
  return transfer;
}

/** What a part can still transfer: its claim's available balance (posted, less pending holds). */
export async function availableOfPart(prisma: PrismaClient | Tx, claimAccountId: string): Promise<string> {
  const balance = await getBalance(prisma, claimAccountId);
  return formatAmount(balance.available, balance.currency);
}

/**
 * Proposes a transfer (拆分流转) from an ACTIVE part the caller holds: the new part for the
 * recipient with its claim account, the transfer with its invoices encumbered, and the hold
 * from-CLAIM → to-CLAIM. The claim account's no-overdraft bound refuses an amount not available
 * (pending transfers count against it), which two concurrent proposals cannot both pass: the
 * ledger locks the account. The refusal says what is available.
 */
export async function proposeVoucherTransfer(
  prisma: PrismaClient,
  actor: Actor,
  fromPartId: string,
  valid: ValidVoucherTransfer,
  transferId: string,
  partId: string,
  { now = new Date(), acceptanceWindowMs }: { now?: Date; acceptanceWindowMs: number },
): Promise<{ transfer: VoucherTransfer; replayed: boolean }> {
  const hash = backgroundHash('transfer', valid, { fromPartId, recipientCreditCode: valid.recipientCreditCode, ...namedRecipient('recipientName', valid.recipientName) });
  const earlier = await transferReplay(prisma, actor.partyId, valid.idempotencyKey, hash);
  if (earlier) return { transfer: earlier, replayed: true };
  const from = await findHeldPart(prisma, actor, fromPartId);
  if (from.status !== 'ACTIVE') throw new WrongStateError(`cannot transfer from a part that is ${from.status}`, from.status);
  const transferor = await prisma.party.findUniqueOrThrow({ where: { id: actor.partyId } });
  const rows = invoiceRows(valid, transferor.creditCode);
  const currency = from.currency as Currency;
  try {
    const transfer = await runTransaction(prisma, async (tx) => {
      const recipient = recipientColumns(await findRecipient(tx, valid.recipientCreditCode, valid.recipientName, 'recipient'), partId);
      // Serialises the voucher's numbering; the amount itself is guarded by the claim account's bound.
      await tx.$queryRaw`SELECT id FROM voucher WHERE id = ${from.voucherId}::uuid FOR UPDATE`;
      const current = await tx.voucherPart.findUniqueOrThrow({ where: { id: from.id } });
      if (current.status !== 'ACTIVE') throw new WrongStateError(`cannot transfer from a part that is ${current.status}`, current.status);
      const voucher = await tx.voucher.findUniqueOrThrow({ where: { id: from.voucherId }, select: { status: true, dueDate: true } });
      assertVoucherTransferable({ status: voucher.status, dueDate: isoDateOfColumn(voucher.dueDate) }, now);
      await assertVoucherNotBeingPaid(tx, from.voucher, current.status);
      await assertNotEncumbered(tx, rows);
      const claim = await openClaimAccount(tx, partId, recipient.toPartyId, currency);
      const hold = await reserveHold(
        tx,
        { idempotencyKey: voucherTransferKeys.hold(transferId), code: 'VOUCHER_TRANSFER', debitAccountId: from.claimAccountId, creditAccountId: claim.id, amount: formatAmount(valid.amount, currency), currency, metadata: { voucherId: from.voucherId, transferId } },
        now,
      );
      const transferNumber = await nextNumber(tx, from.voucherId, from.voucher.voucherNumber, 'transfer');
      // A company not yet registered gets its part when it registers: a part's holder is a party.
      if (recipient.toPartyId !== null) {
        const partNumber = await nextNumber(tx, from.voucherId, from.voucher.voucherNumber, 'part');
        await tx.voucherPart.create({
          data: { id: partId, partNumber, voucherId: from.voucherId, parentPartId: from.id, tier: from.tier + 1, holderPartyId: recipient.toPartyId, currency, originalAmount: valid.amount.toFixed(), claimAccountId: claim.id, createdAt: now, updatedAt: now },
        });
      }
      return createTransfer(tx, {
        id: transferId,
        transferNumber,
        voucherId: from.voucherId,
        fromPartId: from.id,
        fromPartyId: actor.partyId,
        holdId: hold.holdId,
        ...recipient,
      }, { valid, hash, rows, actor, now, acceptanceWindowMs });
    });
    return { transfer, replayed: false };
  } catch (error) {
    const raced = isUniqueViolation(error) || error instanceof ReceivableEncumberedError || error instanceof LimitExceededError ? await transferReplay(prisma, actor.partyId, valid.idempotencyKey, hash) : undefined;
    if (raced) return { transfer: raced, replayed: true };
    if (error instanceof LimitExceededError && error.code === 'EXCEEDS_AVAILABLE_BALANCE') {
      throw exceedsAvailableAmount(toDecimal(await availableOfPart(prisma, from.claimAccountId)), valid.amount, currency);
    }
    if (isUniqueViolation(error)) await runTransaction(prisma, (tx) => assertNotEncumbered(tx, rows));
    throw error;
  }
}

export interface AttachedOffers {
  /** The transfers (and issues) that now have the new party as recipient, with a new part each. */
  attached: VoucherTransfer[];
  /** Offers to the party's credit code under another name: ended (RECIPIENT_NAME_MISMATCH), their holds voided. */
  nameMismatched: VoucherTransfer[];
}

/**
 * To the transferor of an offer ended because the company with the credit code it gave
 * registered under another name. The registered name is not given: the transferor learns that
 * its name was not the company's, never what the company's is (as RECIPIENT_NAME_MISMATCH).
 */
export function recipientNameMismatchText(number: string, amount: string): { subject: string; body: string } {
  return {
    subject: `凭证 ${number} 已终止：接收方名称不符 / Voucher transfer ${number} ended: the recipient's name does not match`,
    body:
      `凭证 ${number}（${amount}）的接收方已用该统一社会信用代码在平台注册，但注册名称与贵司填写的名称不一致，转让已终止，金额已退回原持有方，发票登记已解除。请核对接收方的注册名称后重新发起。` +
      `The company with the credit code you gave for voucher transfer ${number} (${amount}) registered under another name than the one you gave, so the transfer has ended; the amount is back with its holder and the invoices are released. Check the recipient's registered name and propose the transfer again.`,
  };
}

/** Why an offer named under another name than the registered one ended, as the transfer keeps it. */
export const RECIPIENT_NAME_MISMATCH_REASON = 'the company with this credit code registered under another name than the one given';

/**
 * When an operator creates a party, the offers made to its credit code before it registered
 * become its own, in the caller's transaction (the party's creation): each open one (waiting for
 * approval or acceptance) gets the party as recipient and its new part, with the next part number
 * of its voucher, one tier below the part it came from (tier 1 for an issue), and the part's
 * claim account (which already holds the offer's amount) gets the party as owner. Offers that
 * ended meanwhile (expired, rejected, cancelled) stay named by the code and name given. An offer
 * whose given name is not the party's registered name (sameCompanyName, the proposal's own rule)
 * is not attached: the code and the name disagree about which company was meant. It ends at once
 * (RECIPIENT_NAME_MISMATCH) rather than hold its amount until its deadline: its hold is voided,
 * its invoices released and, for an issue, its voucher ended, and its transferor is told
 * (`nameMismatchNotification`, under the key the acceptance workflow would tell it with), never
 * the registered name. The offers waiting for acceptance are told to the new party
 * (`offeredNotification`, once per key: the acceptance workflow would tell it under the same key).
 * The caller tells the ended offers' workflows once this transaction has committed.
 */
export async function attachWaitingTransfers(
  tx: Tx,
  party: Pick<Party, 'id' | 'creditCode' | 'legalName'>,
  {
    now,
    offeredNotification,
    nameMismatchNotification,
  }: {
    now: Date;
    offeredNotification: (transfer: VoucherTransfer) => { dedupeKey: string };
    nameMismatchNotification: (transfer: VoucherTransfer) => { dedupeKey: string };
  },
): Promise<AttachedOffers> {
  await lockCreditCode(tx, party.creditCode);
  // Each transfer row is locked before its voucher, as a decision locks them, so an expiry racing the registration gives one effect.
  // No page size: every open offer must attach in this transaction, or it would wait for a party that already exists.
  // The code is compared as char(18), the column's type, so the partial index on waiting offers serves the lookup.
  const waiting = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM voucher_transfer
     WHERE recipient_credit_code = ${party.creditCode}::char(18) AND to_party_id IS NULL AND status::text IN ('PENDING_APPROVAL', 'PENDING_ACCEPTANCE')
     ORDER BY proposed_at, id
       FOR UPDATE`;
  const result: AttachedOffers = { attached: [], nameMismatched: [] };
  for (const { id } of waiting) {
    const transfer = await tx.voucherTransfer.findUniqueOrThrow({ where: { id }, include: { voucher: true, fromPart: true } });
    if (!sameCompanyName(party.legalName, transfer.recipientName ?? '')) {
      result.nameMismatched.push(await endNameMismatched(tx, transfer, nameMismatchNotification(transfer), now));
      continue;
    }
    const hold = await tx.ledgerHold.findUniqueOrThrow({ where: { id: transfer.holdId }, include: { creditAccount: true } });
    const partId = partIdOfClaimAccount(hold.creditAccount.code);
    await tx.ledgerAccount.update({ where: { id: hold.creditAccountId }, data: { ownerPartyId: party.id } });
    await tx.$queryRaw`SELECT id FROM voucher WHERE id = ${transfer.voucherId}::uuid FOR UPDATE`;
    const partNumber = await nextNumber(tx, transfer.voucherId, transfer.voucher.voucherNumber, 'part');
    await tx.voucherPart.create({
      data: {
        id: partId,
        partNumber,
        voucherId: transfer.voucherId,
        parentPartId: transfer.fromPartId,
        tier: transfer.fromPart ? transfer.fromPart.tier + 1 : 1,
        holderPartyId: party.id,
        currency: transfer.currency,
        originalAmount: transfer.amount.toFixed(),
        claimAccountId: hold.creditAccountId,
        createdAt: now,
        updatedAt: now,
      },
    });
    const attached = await tx.voucherTransfer.update({ where: { id }, data: { toPartyId: party.id, toPartId: partId, updatedAt: now } });
    if (attached.status === 'PENDING_ACCEPTANCE') {
      const amount = `${storedAmount(attached.amount, attached.currency)} ${attached.currency}`;
      await tx.notification.createMany({
        data: [{
          partyId: party.id,
          kind: 'VOUCHER_TRANSFER_OFFERED',
          subject: `请签收数字债权凭证 ${attached.transferNumber} / Please accept voucher transfer ${attached.transferNumber}`,
          body: `贵司注册前收到一笔数字债权凭证 ${attached.transferNumber}，金额 ${amount}。请在截止时间前签收或拒收。You were offered voucher transfer ${attached.transferNumber} for ${amount} before your company registered; please accept or refuse it before the deadline.`,
          voucherTransferId: attached.id,
          dedupeKey: offeredNotification(attached).dedupeKey,
        }],
        skipDuplicates: true,
      });
    }
    result.attached.push(attached);
  }
  return result;
}

/**
 * Ends an offer whose recipient registered under another name, under the transfer's row lock
 * (the caller's): the hold is voided as a lapse voids it, so the amount is the transferor's to
 * transfer again at once, and the trade background's invoices are released. The offer has no
 * part (its recipient never became a party), and an issue's voucher ends REJECTED, as an issue
 * withdrawn before acceptance does.
 */
async function endNameMismatched(tx: Tx, transfer: VoucherTransfer, { dedupeKey }: { dedupeKey: string }, now: Date): Promise<VoucherTransfer> {
  await voidHold(tx, { holdId: transfer.holdId, idempotencyKey: voucherTransferKeys.void(transfer.id) }, now);
  await tx.registryEntry.updateMany({ where: { voucherTransferId: transfer.id, releasedAt: null }, data: { releasedAt: now } });
  if (transfer.fromPartId === null) {
    await tx.voucher.update({ where: { id: transfer.voucherId }, data: { status: 'REJECTED', closedReason: RECIPIENT_NAME_MISMATCH_REASON, updatedAt: now } });
  }
  const ended = await tx.voucherTransfer.update({ where: { id: transfer.id }, data: { status: 'RECIPIENT_NAME_MISMATCH', closedReason: RECIPIENT_NAME_MISMATCH_REASON, updatedAt: now } });
  const text = recipientNameMismatchText(ended.transferNumber, `${storedAmount(ended.amount, ended.currency)} ${ended.currency}`);
  await tx.notification.createMany({
    data: [{ partyId: transfer.fromPartyId, kind: 'VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH', subject: text.subject, body: text.body, voucherTransferId: transfer.id, dedupeKey }],
    skipDuplicates: true,
  });
  return ended;
}

const TARGET: Record<VoucherTransferDecision['kind'], VoucherTransferStatus> = {
  APPROVE: 'PENDING_ACCEPTANCE',
  REJECT: 'REJECTED',
  CANCEL: 'CANCELLED',
  ACCEPT: 'ACCEPTED',
  REFUSE: 'REFUSED',
  EXPIRE: 'EXPIRED',
};

const FROM: Record<VoucherTransferDecision['kind'], readonly VoucherTransferStatus[]> = {
  APPROVE: ['PENDING_APPROVAL'],
  REJECT: ['PENDING_APPROVAL'],
  CANCEL: ['PENDING_APPROVAL'],
  ACCEPT: ['PENDING_ACCEPTANCE'],
  REFUSE: ['PENDING_ACCEPTANCE'],
  // The clock ends a transfer still waiting for either decision.
  EXPIRE: ['PENDING_APPROVAL', 'PENDING_ACCEPTANCE'],
};

/** Whose decision it is: the transferor's checker or maker, or the recipient. */
function assertDecider(transfer: VoucherTransfer, decision: VoucherTransferDecision, actor: VoucherActor | null): void {
  if (decision.kind === 'EXPIRE') return;
  const partyId = decision.kind === 'ACCEPT' || decision.kind === 'REFUSE' ? transfer.toPartyId : transfer.fromPartyId;
  // Another party's transfer is not found, whatever its state: nothing leaks through the error.
  if (!actor || actor.partyId !== partyId) throw new NotFoundError('VoucherTransfer', transfer.id);
  if (decision.kind === 'APPROVE' || decision.kind === 'REJECT') {
    assertFourEyes(transfer.proposedByUserId, { userId: actor.userId, administeredBy: actor.administeredBy, administers: actor.administers }, 'the maker of a voucher transfer cannot approve or reject it: a second person of its party must');
  }
}

/** True when the transfer already is where this very decision by this very user put it (a retry). */
function isRepeat(transfer: VoucherTransfer, decision: VoucherTransferDecision, actor: VoucherActor | null): boolean {
  // An offer to the issuer that its approval or acceptance ended (endOfferToIssuer): a retry is answered with the end.
  if ((decision.kind === 'APPROVE' || decision.kind === 'ACCEPT') && transfer.status === 'CANCELLED' && transfer.closedReason === TRANSFER_TO_ISSUER_REASON) return true;
  if (transfer.status !== TARGET[decision.kind]) return false;
  if (decision.kind === 'APPROVE') return transfer.approvedByUserId === actor?.userId;
  if (decision.kind === 'ACCEPT' || decision.kind === 'REFUSE') return transfer.decidedByUserId === actor?.userId;
  return true;
}

/**
 * Applies a decision in one transaction, under the transfer's row lock, so that two concurrent
 * decisions (accept racing refuse, a decision racing the deadline) give one effect: the second
 * finds the state moved and is refused (or, when it is a repeat of the first, answered with it).
 * Acceptance posts the hold and moves the held amounts of both parts in the same transaction
 * (the database checks at commit that the parts still add up); the issue's acceptance makes the
 * voucher ACTIVE and opens its collection account. Any other end voids the hold and releases
 * the trade background's invoices from the registry.
 */
export async function decideVoucherTransfer(prisma: PrismaClient, transferId: string, decision: VoucherTransferDecision, actor: VoucherActor | null, now = new Date()): Promise<VoucherTransfer> {
  return runTransaction(prisma, async (tx) => {
    // Serialises decisions on one transfer (lost update, double posting).
    await tx.$queryRaw`SELECT id FROM voucher_transfer WHERE id = ${transferId}::uuid FOR UPDATE`;
    const transfer = await tx.voucherTransfer.findUnique({ where: { id: transferId } });
    if (!transfer) throw new NotFoundError('VoucherTransfer', transferId);
    assertDecider(transfer, decision, actor);
    if (isRepeat(transfer, decision, actor)) return transfer;
    if (!FROM[decision.kind].includes(transfer.status)) {
      // The clock is never refused: a transfer decided before its deadline simply does not expire.
      if (decision.kind === 'EXPIRE') return transfer;
      throw new WrongStateError(`cannot ${decision.kind.toLowerCase()} a voucher transfer that is ${transfer.status}`, transfer.status);
    }
    const isIssue = transfer.fromPartId === null;
    if ((decision.kind === 'APPROVE' || decision.kind === 'ACCEPT') && !isIssue && (await offeredToIssuer(tx, transfer))) return endOfferToIssuer(tx, transfer, now);
    if (decision.kind === 'APPROVE') {
      await assertMakerActive(tx, transfer.proposedByUserId, transfer.status);
      if (isIssue) await tx.voucher.update({ where: { id: transfer.voucherId }, data: { status: 'PENDING_ACCEPTANCE', updatedAt: now } });
      return tx.voucherTransfer.update({ where: { id: transferId }, data: { status: 'PENDING_ACCEPTANCE', approvedByUserId: actor!.userId, approvedAt: now, updatedAt: now } });
    }
    if (decision.kind === 'ACCEPT') return accept(tx, transfer, actor!, now);
    return close(tx, transfer, decision, actor, now);
  });
}

/** Whether the transfer's recipient is its voucher's issuer: an offer proposed before VOUCHER_TRANSFER_TO_ISSUER (a recipient still unregistered is never the issuer, a party). */
async function offeredToIssuer(tx: Tx, transfer: VoucherTransfer): Promise<boolean> {
  if (transfer.toPartyId === null) return false;
  const { issuerPartyId } = await tx.voucher.findUniqueOrThrow({ where: { id: transfer.voucherId }, select: { issuerPartyId: true } });
  return issuerPartyId === transfer.toPartyId;
}

/**
 * An offer to the voucher's issuer proposed before VOUCHER_TRANSFER_TO_ISSUER can never complete:
 * the issuer would hold a claim on itself. Its approval or acceptance, under the transfer's row
 * lock, ends it as a cancelled offer ends instead (the hold voided, so the transferor may transfer
 * the amount again at once, the invoices released, the part that never came to be EXPIRED), with
 * the rule as its reason; the workflow announces the cancellation to the transferor, and the
 * decision's caller is answered with the rule (decide-on-voucher-transfer.ts).
 */
function endOfferToIssuer(tx: Tx, transfer: VoucherTransfer, now: Date): Promise<VoucherTransfer> {
  return close(tx, transfer, { kind: 'CANCEL', reason: TRANSFER_TO_ISSUER_REASON }, null, now);
}

async function accept(tx: Tx, transfer: VoucherTransfer, actor: VoucherActor, now: Date): Promise<VoucherTransfer> {
  // assertDecider let only the recipient party accept, and a transfer has its part exactly when it has that party (a CHECK).
  if (transfer.toPartId === null) throw new Error(`voucher transfer ${transfer.id} has no recipient part to accept`);
  const { dueDate } = await tx.voucher.findUniqueOrThrow({ where: { id: transfer.voucherId }, select: { dueDate: true } });
  assertBeforeDueDate('accept', isoDateOfColumn(dueDate), now, transfer.status);
  await postHold(tx, { holdId: transfer.holdId, idempotencyKey: voucherTransferKeys.post(transfer.id), code: transfer.fromPartId === null ? 'VOUCHER_ISSUE' : 'VOUCHER_TRANSFER' }, now);
  const amount = transfer.amount.toFixed();
  if (transfer.fromPartId !== null) {
    // A conditional update: the part's held amount moves by the posted amount, never read then written.
    await tx.$executeRaw`UPDATE voucher_part SET held_amount = held_amount - ${amount}::numeric, updated_at = ${now} WHERE id = ${transfer.fromPartId}::uuid`;
    await withdrawStaleVoucherReceivables(tx, await tx.voucherPart.findUniqueOrThrow({ where: { id: transfer.fromPartId }, select: { id: true, heldAmount: true } }), now);
  }
  await tx.voucherPart.update({ where: { id: transfer.toPartId }, data: { status: 'ACTIVE', heldAmount: amount, acceptedAt: now, updatedAt: now } });
  if (transfer.fromPartId === null) {
    const voucher = await tx.voucher.findUniqueOrThrow({ where: { id: transfer.voucherId } });
    const collection = await openCollectionAccount(tx, voucher.id, voucher.issuerPartyId, voucher.currency as Currency);
    await tx.voucher.update({ where: { id: voucher.id }, data: { status: 'ACTIVE', acceptedAt: now, collectionAccountId: collection.id, updatedAt: now } });
  }
  return tx.voucherTransfer.update({ where: { id: transfer.id }, data: { status: 'ACCEPTED', decidedByUserId: actor.userId, decidedAt: now, updatedAt: now } });
}

const VOUCHER_END: Partial<Record<VoucherTransferStatus, Voucher['status']>> = { REJECTED: 'REJECTED', CANCELLED: 'REJECTED', REFUSED: 'REFUSED', EXPIRED: 'EXPIRED' };

async function close(tx: Tx, transfer: VoucherTransfer, decision: Exclude<VoucherTransferDecision, { kind: 'APPROVE' | 'ACCEPT' }>, actor: VoucherActor | null, now: Date): Promise<VoucherTransfer> {
  const to = TARGET[decision.kind];
  const reason = decision.kind === 'EXPIRE' ? (transfer.status === 'PENDING_APPROVAL' ? 'not approved before the acceptance deadline' : 'not accepted before the acceptance deadline') : decision.reason;
  await voidHold(tx, { holdId: transfer.holdId, idempotencyKey: voucherTransferKeys.void(transfer.id) }, now);
  await tx.registryEntry.updateMany({ where: { voucherTransferId: transfer.id, releasedAt: null }, data: { releasedAt: now } });
  // A part that never came to be: refused by its recipient, or lapsed (expired, rejected or cancelled before it was offered).
  // An offer to a company that never registered has no part: it stays named by the code and name given.
  if (transfer.toPartId !== null) await tx.voucherPart.update({ where: { id: transfer.toPartId }, data: { status: to === 'REFUSED' ? 'REFUSED' : 'EXPIRED', updatedAt: now } });
  if (transfer.fromPartId === null) {
    await tx.voucher.update({ where: { id: transfer.voucherId }, data: { status: VOUCHER_END[to]!, closedReason: reason, updatedAt: now } });
  }
  // An approval-pending transfer that lapses ends CANCELLED: EXPIRED is kept for offers the recipient let pass.
  const status = to === 'EXPIRED' && transfer.status === 'PENDING_APPROVAL' ? 'CANCELLED' : to;
  const decided = status === 'REFUSED' && actor ? { decidedByUserId: actor.userId, decidedAt: now } : {};
  return tx.voucherTransfer.update({ where: { id: transfer.id }, data: { status, closedReason: reason, updatedAt: now, ...decided } });
}

// Confidentiality (docs/workflows/voucher.md, "Who sees what"): a holder sees its own parts,
// their ancestors (the chain it received through) and the parts its own transfers created; a
// funder the parts it finances and their ancestors; the issuer its vouchers whole; operators
// everything; anyone else nothing, as if it did not exist. Who may know a part's assignee (its
// funder) is narrower: the holder, that funder, operators, and the issuer under open assignment.
// A recipient learns of a transfer (or an issue) only when the transferor's checker offers it to
// the recipient: before that approval the transfer, its part and the voucher are the
// transferor's business, and a proposal withdrawn or rejected then was never the recipient's.

/** Not (yet) offered to its recipient: the transferor's checker has not approved it, and approval alone sets approvedAt. */
const NOT_OFFERED = { approvedAt: null } satisfies Prisma.VoucherTransferWhereInput;

/** Where-clause of the parts a party holds as it may know them: all but those whose transfer was never offered to it. */
export function heldPartsWhere(partyId: string): Prisma.VoucherPartWhereInput {
  return { holderPartyId: partyId, NOT: { transferIn: { is: NOT_OFFERED } } };
}

/** Whether the party holds the part as it may know it (heldPartsWhere, in memory). */
export function holdsPart(part: { holderPartyId: string; transferIn: { approvedAt: Date | null } | null }, partyId: string): boolean {
  return part.holderPartyId === partyId && (part.transferIn === null || part.transferIn.approvedAt !== null);
}

/** Where-clause of a party's own transfers, its inbox and outbox: the ones it made, and the ones offered to it. */
export function ownTransfersWhere(partyId: string): Prisma.VoucherTransferWhereInput {
  return { OR: [{ fromPartyId: partyId }, { toPartyId: partyId, NOT: NOT_OFFERED }] };
}

/** A financing of one of a voucher's parts, as the rules above need it. */
export interface PartFinancing {
  partId: string;
  funderPartyId: string;
  assignmentMode: AssignmentMode;
  /** Applied for or disbursed: it holds or has taken the part's claim (it did not end before disbursement). */
  live: boolean;
}

const ENDED_BEFORE_DISBURSEMENT: ReadonlySet<string> = new Set(['REJECTED', 'REFUSED', 'WITHDRAWN', 'EXPIRED']);

/** The financings of a voucher's parts, whatever their state: one read per voucher. */
export async function partFinancingsOf(prisma: PrismaClient | Tx, voucherId: string): Promise<PartFinancing[]> {
  const rows = await prisma.financing.findMany({
    where: { receivable: { voucherPart: { voucherId } } },
    select: { funderPartyId: true, status: true, receivable: { select: { voucherPartId: true } }, programTerms: { select: { assignmentMode: true } } },
  });
  return rows.map((row) => ({ partId: row.receivable.voucherPartId!, funderPartyId: row.funderPartyId, assignmentMode: row.programTerms.assignmentMode, live: !ENDED_BEFORE_DISBURSEMENT.has(row.status) }));
}

/**
 * The parts a funder finances, as a where-clause: a financing of it in any state, from the
 * application on, since the financing itself stays visible to its funder.
 */
function financedBy(partyId: string): Prisma.VoucherPartWhereInput {
  return { receivables: { some: { financings: { some: { funderPartyId: partyId } } } } };
}

/** Where-clause of the vouchers a party may see: issued by it, or with a part it holds, was offered or finances. */
export function visibleVouchersWhere(actor: Actor): Prisma.VoucherWhereInput {
  if (isOperator(actor)) return {};
  return { OR: [{ issuerPartyId: actor.partyId }, { parts: { some: heldPartsWhere(actor.partyId) } }, { parts: { some: financedBy(actor.partyId) } }] };
}

/**
 * The parts of one voucher a party may see, from all of its parts and all of their financings
 * (the rule above, in memory). A funder sees the part it finances and the chain above it, never
 * the part's siblings or what its holder transferred, so it learns nothing of other funders.
 */
export function visiblePartIds(
  parts: ReadonlyArray<{ id: string; parentPartId: string | null; holderPartyId: string; transferIn: { approvedAt: Date | null } | null }>,
  voucher: { issuerPartyId: string },
  actor: Actor,
  financings: readonly PartFinancing[],
): Set<string> {
  if (isOperator(actor) || voucher.issuerPartyId === actor.partyId) return new Set(parts.map((part) => part.id));
  const byId = new Map(parts.map((part) => [part.id, part]));
  const visible = new Set<string>();
  const withChain = (partId: string) => {
    // The part and the chain above it; the walk stops at a part already seen, so each is visited once.
    for (let at = byId.get(partId); at && !visible.has(at.id); at = at.parentPartId ? byId.get(at.parentPartId) : undefined) visible.add(at.id);
  };
  for (const part of parts) if (holdsPart(part, actor.partyId)) withChain(part.id);
  for (const financing of financings) if (financing.funderPartyId === actor.partyId) withChain(financing.partId);
  // The parts its own transfers created.
  for (const part of parts) {
    const parent = part.parentPartId ? byId.get(part.parentPartId) : undefined;
    if (parent && holdsPart(parent, actor.partyId)) visible.add(part.id);
  }
  return visible;
}

/**
 * Whether the caller may know that a part is assigned, and to whom: its holder (that financing's
 * supplier), the funder of its live financing, operators, and the issuer only under open
 * assignment. Anyone else sees the part as if it were not assigned (its state, its holding), so
 * that a silent assignment stays silent and a funder learns nothing of another's financing.
 */
export function assigneeVisible(part: { id: string; holderPartyId: string }, voucher: { issuerPartyId: string }, actor: Actor, financings: readonly PartFinancing[]): boolean {
  if (isOperator(actor) || part.holderPartyId === actor.partyId) return true;
  const live = financings.find((financing) => financing.partId === part.id && financing.live);
  if (!live) return false;
  return live.funderPartyId === actor.partyId || (voucher.issuerPartyId === actor.partyId && live.assignmentMode === 'OPEN');
}

/** Parts above one matching `match`, up to three tiers up: the lineage is walked by the caller when it matters. */
function ancestorsOf(match: Prisma.VoucherPartWhereInput): Prisma.VoucherPartWhereInput[] {
  const parent = { children: { some: match } };
  const grandparent = { children: { some: parent } };
  return [parent, grandparent, { children: { some: grandparent } }];
}

/** Where-clause of the parts a party may see (the same rule as visiblePartIds, in SQL terms). */
export function visiblePartsWhere(actor: Actor): Prisma.VoucherPartWhereInput {
  if (isOperator(actor)) return {};
  const held = heldPartsWhere(actor.partyId);
  const financed = financedBy(actor.partyId);
  return {
    OR: [held, { voucher: { issuerPartyId: actor.partyId } }, { parent: held }, ...ancestorsOf(held), financed, ...ancestorsOf(financed)],
  };
}

/**
 * Where-clause of the transfers a party may see: made by it, offered to it, or of a voucher it
 * issued. An offer to a company not yet registered is its transferor's alone (and the operators'):
 * the issuer learns of it when the company registers and the offer has a holder to show.
 */
export function visibleTransfersWhere(actor: Actor): Prisma.VoucherTransferWhereInput {
  if (isOperator(actor)) return {};
  return { OR: [ownTransfersWhere(actor.partyId), { voucher: { issuerPartyId: actor.partyId }, toPartyId: { not: null } }] };
}

/** A transfer the caller may see, for a decision on it: else not found. */
export async function findVisibleTransfer(prisma: PrismaClient, actor: Actor, transferId: string): Promise<VoucherTransfer> {
  const transfer = await prisma.voucherTransfer.findFirst({ where: { AND: [{ id: transferId }, visibleTransfersWhere(actor)] } });
  if (!transfer) throw new NotFoundError('VoucherTransfer', transferId);
  return transfer;
}

/** The voucher's currency, due date and issuer, for checking a transfer's input. */
export function voucherTerms(voucher: Voucher & { issuer: { creditCode: string } }): { currency: Currency; dueDate: IsoDate; issuerCreditCode: string } {
  return { currency: voucher.currency as Currency, dueDate: isoDateOfColumn(voucher.dueDate), issuerCreditCode: voucher.issuer.creditCode };
}

/** The posted claim of a part in the memo book, now or as of a past instant: its holding. */
export async function partHolding(prisma: PrismaClient, claimAccountId: string, asOf?: Date | null): Promise<string> {
  const balance = await getBalance(prisma, claimAccountId, asOf ?? null);
  return formatAmount(toDecimal(balance.posted.toFixed()), balance.currency);
}

/**
 * A part's holding as shown to a caller who may not know of its assignment: the claim whoever
 * holds it, the holder's and the funder's together (CLAIM plus ASSIGNED), so that a disbursed
 * silent financing does not show as a holding fallen to zero.
 */
export async function partHoldingUnassigned(prisma: PrismaClient, part: { id: string; claimAccountId: string; currency: string }, asOf?: Date | null): Promise<string> {
  const claim = await getBalance(prisma, part.claimAccountId, asOf ?? null);
  // Assigned to the funder of its disbursed financing, if any: only such an assignment was posted.
  const financed = await prisma.financing.findFirst({ where: { receivable: { voucherPartId: part.id }, disbursementTransactionId: { not: null } }, select: { funderPartyId: true } });
  const assigned = financed ? await assignedAccountOf(prisma, part.id, financed.funderPartyId, part.currency) : null;
  const total = assigned ? claim.posted.plus((await getBalance(prisma, assigned.id, asOf ?? null)).posted) : claim.posted;
  return formatAmount(toDecimal(total.toFixed()), claim.currency);
}
