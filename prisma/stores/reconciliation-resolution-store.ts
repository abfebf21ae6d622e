import type { Actor } from '../../domain/actor';
import { startOfBusinessDate, isoDateOfColumn } from '../../domain/business-date';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { isUuid, postingEntries } from '../../domain/ledger-rules';
import { Decimal, formatAmount, isCurrency, type Currency } from '../../domain/money';
import { validateReason } from '../../domain/receivable-rules';
import { bankEffectOf } from '../../domain/reconciliation-report';
import { assertConfirmedEffect, resolutionRuleOf, type ResolutionKind, type ResolutionRule } from '../../domain/reconciliation-resolution';
import { Prisma, type BankStatementLine, type InboundException, type PrismaClient, type ReconciliationItem, type ReconciliationResolution } from '../client';
import { spendableOf } from './balance-payout-store';
import { ensureReconciliationAccounts, platformAccountCode } from './chart-of-accounts';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { lockAccounts } from './ledger/locks';
import { postTransaction } from './ledger/postings';
import { daysFromValueDateSql, matchedByNoOtherItemSql, ownLineOnNoStatementSql, paidTwiceSql, payoutWillExplainLineSql, receivedInWindowSql, STATEMENT_MATCH_WINDOW_DAYS, valueDaySql } from './match-statement-lines';
import { bankLineLockKey, lockCreditMoney } from './parked-statement-credit';
import { releaseReversalHold } from './reversal-hold';
import { assertMakerActive } from './maker-active';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';

// Reconciliation items resolved by hand, with four eyes (docs/reconciliation.md, "Resolving an
// item"): one operator proposes how a difference with the bank is put right, another approves
// (one ledger transaction moving the escrow account to what the bank holds, linked to the item,
// which is then RESOLVED) or rejects. Nothing moves until the approval. Every proposal is kept.

/** A signed decimal with at most the currency's minor unit: the effect the maker confirms. */
const SIGNED_AMOUNT = /^-?(0|[1-9]\d{0,17})(\.\d{1,4})?$/;

/** Locks the item's row and reads it: a proposal, a decision and an import's roll-forward touching it are served one after the other. */
async function lockItem(tx: Tx, id: string): Promise<ReconciliationItem> {
  if (!isUuid(id)) throw new NotFoundError('ReconciliationItem', id);
  await tx.$queryRaw`SELECT id FROM reconciliation_item WHERE id = ${id}::uuid FOR UPDATE`;
  const item = await tx.reconciliationItem.findUnique({ where: { id } });
  if (!item) throw new NotFoundError('ReconciliationItem', id);
  return item;
}

/**
 * The item as the resolution rules read it. `payoutId` is the payout whose own booking will still
 * explain the line, so that a hand posting would book the money twice. The import's own
 * conditions decide it (payoutWillExplainLineSql in match-statement-lines.ts, which the matching
 * and bookFoundReturns use too), so a person and the import never disagree about a line. It is
 * set when the payout is in the line's currency and:
 * - the payout is in flight (SUBMITTED, PENDING, UNKNOWN): the bank's answer books it, and the
 *   next import matches the line;
 * - a payout line of a payout SETTLED or RETURNED at the line's amount: the next import matches it
 *   (match-statement-lines.ts: a PAYOUT line fits such a payout);
 * - a return line of a payout RETURNED at the line's amount (matched by the next import), or of a
 *   SETTLED payout for at most its amount (booked by the next import as a return found after the
 *   watch, bookFoundReturns);
 * and in each case no other line holds that movement. Otherwise the line is money the payout cannot
 * account for, resolved by hand like a payout the ledger does not know:
 * - the payout's own process is over and will never book it: the bank paid a payout the ledger
 *   holds FAILED, or at another amount than it settled, or returned one the ledger holds FAILED,
 *   or more than it paid, or the line is in another currency than the payout;
 * - the payout's debit (or its return) is another line's, matched or booked from a statement:
 *   this line is the bank paying (or returning) it again (重复出款);
 * - a return of a payout the bank paid more than once (a PAYOUT line of its reference is
 *   BANK_ONLY): the import does not book it (bookFoundReturns), as the money that came back may
 *   be the second payment.
 */
async function resolvable(tx: Tx, item: ReconciliationItem) {
  let payoutId = item.payoutId;
  if (payoutId !== null && item.outcome === 'BANK_ONLY') {
    const line = { kind: 'i.kind', amount: 'i.amount', currency: 'i.currency' };
    const [{ explained }] = await tx.$queryRaw<[{ explained: boolean }]>`
      SELECT ${Prisma.raw(payoutWillExplainLineSql('p', line))}
             AND NOT EXISTS (SELECT 1 FROM reconciliation_item other
                              WHERE other.payout_id = p.id AND other.kind = i.kind AND other.id <> i.id
                                AND other.status = 'RESOLVED' AND (other.outcome = 'MATCHED' OR other.rule = 'RETURN_BOOKED'))
             AND NOT (i.kind = 'PAYOUT_RETURN' AND ${Prisma.raw(paidTwiceSql('p'))}) AS explained
        FROM reconciliation_item i JOIN payout p ON p.id = i.payout_id
       WHERE i.id = ${item.id}::uuid`;
    if (!explained) payoutId = null;
  }
  return { outcome: item.outcome, status: item.status, kind: item.kind, amount: toDecimal(item.amount), payoutId };
}

function currencyOf(item: ReconciliationItem): Currency {
  if (!isCurrency(item.currency)) throw new Error(`reconciliation item ${item.id} is in ${item.currency}, a currency the ledger does not keep`);
  return item.currency;
}

/**
 * The maker proposes a resolution of an OPEN or NEEDS_ATTENTION item, confirming the effect on
 * the bank's balance it means to book (the amount the report shows for the item). Nothing moves.
 * One proposal waits at a time per item (the database's partial unique index holds it too).
 */
export async function proposeItemResolution(
  prisma: PrismaClient,
  actor: Actor,
  itemId: string,
  input: { kind: ResolutionKind; amount: string; note: string },
  now = new Date(),
  requestKey: string | null = null,
): Promise<ReconciliationItem> {
  const note = validateReason(input.note, ['input', 'note']);
  if (!SIGNED_AMOUNT.test(input.amount)) throw ValidationError.field(['input', 'amount'], `${JSON.stringify(input.amount)} is not a decimal amount`, 'AMOUNT_NOT_A_DECIMAL');
  const confirmed = new Decimal(input.amount);
  return runTransaction(prisma, async (tx) => {
    const item = await lockItem(tx, itemId);
    // A copy of the request that proposed (served after the first under the item's lock): the
    // first answer, not RESOLUTION_ALREADY_PROPOSED.
    if (requestKey !== null && (await tx.reconciliationResolution.findFirst({ where: { itemId: item.id, requestKey } }))) return item;
    const resolvableItem = await resolvable(tx, item);
    resolutionRuleOf(resolvableItem, input.kind);
    if (input.kind === 'SUSPENSE' && item.outcome === 'BANK_ONLY' && item.kind === 'INBOUND_CREDIT' && item.statementLineId) {
      const line = await tx.bankStatementLine.findUniqueOrThrow({ where: { id: item.statementLineId } });
      await refuseParkingBookedByFeed(tx, item, line, 'the statement');
    }
    // Where the money is recovered from is known before a checker is asked.
    if (input.kind === 'RECOVER') await recoverySourceOf(tx, item, item.statementLineId ? await tx.bankStatementLine.findUnique({ where: { id: item.statementLineId } }) : null);
    const pending = await tx.reconciliationResolution.findFirst({ where: { itemId: item.id, status: 'PROPOSED' } });
    if (pending) throw new ConflictError('RESOLUTION_ALREADY_PROPOSED', `a ${pending.kind} resolution proposed at ${pending.proposedAt.toISOString()} waits for a checker: approve or reject it first`);
    const currency = currencyOf(item);
    const effect = assertConfirmedEffect(resolvableItem, confirmed, currency);
    await tx.reconciliationResolution.create({
      data: { itemId: item.id, kind: input.kind, amount: formatAmount(effect, currency), currency, note, makerUserId: actor.userId, proposedAt: now, requestKey },
    });
    return tx.reconciliationItem.update({ where: { id: item.id }, data: { updatedAt: now } });
  });
}

export interface DecidedItem {
  item: ReconciliationItem;
  /** True when the item was already resolved by this approval: nothing moved again. */
  replayed: boolean;
}

/**
 * Another operator (the checker) decides the waiting proposal. Approved, in one database
 * transaction under the item's row lock: the posting (keyed by the item and the proposal, so
 * once), for SUSPENSE the inbound exception that holds the money for its own resolution, the
 * proposal APPROVED and the item RESOLVED with the posting. Rejected, the proposal is kept as
 * REJECTED and the item stays as it was. An approval repeated after it was made answers the
 * resolved item and moves nothing.
 */
export async function decideItemResolution(prisma: PrismaClient, actor: Actor, itemId: string, approve: boolean, now = new Date(), requestKey: string | null = null): Promise<DecidedItem> {
  return runTransaction(
    prisma,
    async (tx) => {
      const item = await lockItem(tx, itemId);
      // A copy of the request that decided (served after the first under the item's lock): the
      // first answer, not WRONG_STATE.
      if (requestKey !== null && (await tx.reconciliationResolution.findFirst({ where: { itemId: item.id, decisionRequestKey: requestKey } }))) return { item, replayed: true };
      const proposal = await tx.reconciliationResolution.findFirst({ where: { itemId: item.id, status: 'PROPOSED' } });
      if (!proposal) {
        if (approve && item.resolutionId) {
          const approved = await tx.reconciliationResolution.findUniqueOrThrow({ where: { id: item.resolutionId } });
          if (approved.checkerUserId === actor.userId) return { item, replayed: true };
        }
        throw new WrongStateError(`the item is ${item.status}: there is no proposal to decide`, item.status);
      }
      assertFourEyes(proposal.makerUserId, actor, 'the operator who proposed the resolution cannot decide it: another operator must check it');
      if (approve) await assertMakerActive(tx, proposal.makerUserId, item.status);
      if (!approve) {
        await tx.reconciliationResolution.update({ where: { id: proposal.id }, data: { status: 'REJECTED', checkerUserId: actor.userId, decidedAt: now, decisionRequestKey: requestKey } });
        return { item: await tx.reconciliationItem.update({ where: { id: item.id }, data: { updatedAt: now } }), replayed: false };
      }
      // Asked again under the lock: the import may have matched the item since the proposal.
      const resolvableItem = await resolvable(tx, item);
      const rule = resolutionRuleOf(resolvableItem, proposal.kind);
      const currency = currencyOf(item);
      const effect = bankEffectOf(resolvableItem);
      if (!effect.eq(toDecimal(proposal.amount))) throw new Error(`reconciliation item ${item.id}: its effect ${effect.toFixed()} is not the proposal's ${proposal.amount.toFixed()}`);
      const posted = await postResolution(tx, item, proposal, rule, effect.abs(), currency, actor, now);
      await tx.reconciliationResolution.update({
        where: { id: proposal.id },
        data: { status: 'APPROVED', checkerUserId: actor.userId, decidedAt: now, transactionId: posted.transactionId, exceptionId: posted.exceptionId, decisionRequestKey: requestKey },
      });
      const resolved = await tx.reconciliationItem.update({
        where: { id: item.id },
        data: { status: 'RESOLVED', resolvedAt: now, updatedAt: now, bookedTransactionId: posted.transactionId, resolutionId: proposal.id },
      });
      return { item: resolved, replayed: false };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * A bank-only statement credit is not parked in suspense when the feed has booked its money since:
 * a credit or an exception under the line's own bank reference, or a feed credit the line matches
 * by rule 2 (docs/reconciliation.md, "Matching"): the same virtual account number, amount and
 * currency, received within STATEMENT_MATCH_WINDOW_DAYS of the line's value date, whose own bank
 * reference is on no statement line and which no other item matched. The next import matches the
 * line to it. Asked under the feed's locks of the line's bank reference and of the money
 * (lockCreditMoney), which the feed's booking takes in the same order before it books: the feed
 * and the parking are served one after the other, and whichever comes second finds the other's.
 */
async function refuseParkingBookedByFeed(tx: Tx, item: ReconciliationItem, line: BankStatementLine, since: string): Promise<void> {
  const currency = currencyOf(item);
  const amount = formatAmount(toDecimal(line.amount), currency);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${bankLineLockKey(line.bankReference)}, 0))`;
  await lockCreditMoney(tx, { virtualAccountNumber: line.reference, currency, amount });
  const credit = await tx.inboundCredit.findUnique({ where: { bankReference: line.bankReference } });
  const parked = await tx.inboundException.findUnique({ where: { bankReference: line.bankReference } });
  if (credit || parked) throw new WrongStateError(`the ledger has booked bank reference ${line.bankReference} since ${since}: the next import matches it, or a ledger adjustment corrects the amount`, item.status);
  const daysFromValueDate = Prisma.raw(daysFromValueDateSql('c.received_at', valueDaySql('l.value_date')));
  // Rule 2, as the matching asks it, for this line (its item given as the row `f`).
  const fitsByRuleTwo = Prisma.raw(
    `${receivedInWindowSql('c.received_at', valueDaySql('l.value_date'))} AND ${matchedByNoOtherItemSql('c.id', 'f.item_id')} AND ${ownLineOnNoStatementSql('c.bank_reference')}`,
  );
  const [matching] = await tx.$queryRaw<{ bankReference: string }[]>`
    SELECT c."bank_reference" AS "bankReference"
      FROM "bank_statement_line" l
      CROSS JOIN (SELECT ${item.id}::uuid AS "item_id") f
      JOIN "inbound_credit" c ON c."virtual_account_number" = l."reference" AND c."currency" = ${currency} AND c."amount" = ${amount}::numeric
     WHERE l."id" = ${line.id}::uuid AND ${fitsByRuleTwo}
     ORDER BY ${daysFromValueDate}, c."received_at", c."id"
     LIMIT 1`;
  if (matching) {
    throw new WrongStateError(
      `the feed has booked this money since ${since}, under its own bank reference ${matching.bankReference} (the same virtual account, amount and currency within ${STATEMENT_MATCH_WINDOW_DAYS} days of the value date): the next import matches the line to it`,
      item.status,
    );
  }
}

const RULE_DESCRIPTIONS: Record<ResolutionRule, string> = {
  RECONCILIATION_PARKED: '对账长款挂账 surplus parked in suspense',
  RECONCILIATION_GAIN: '对账长款核销 surplus written off',
  RECONCILIATION_LOSS: '对账短款核销 shortage written off',
  RECONCILIATION_RECOVERED: '银行冲正追回 credit the bank reversed taken back',
};

/**
 * The approval's posting, effective now and in the first open accounting day (a closed day is
 * corrected only by entries dated in an open one), and for SUSPENSE the exception that holds the
 * money. A credit only the bank showed is parked under its own bank reference: the feed's
 * booking of that reference then finds it taken and books nothing a second time.
 */
async function postResolution(
  tx: Tx,
  item: ReconciliationItem,
  proposal: ReconciliationResolution,
  rule: ResolutionRule,
  amount: Decimal,
  currency: Currency,
  actor: Actor,
  now: Date,
): Promise<{ transactionId: string; exceptionId: string | null }> {
  const line = item.statementLineId ? await tx.bankStatementLine.findUniqueOrThrow({ where: { id: item.statementLineId } }) : null;
  const payout = item.payoutId ? await tx.payout.findUniqueOrThrow({ where: { id: item.payoutId } }) : null;
  const feedsCredit = item.outcome === 'BANK_ONLY' && item.kind === 'INBOUND_CREDIT' && line !== null;
  const exceptionReference = feedsCredit ? line.bankReference : `reconciliation:${item.id}`;
  if (rule === 'RECONCILIATION_PARKED' && feedsCredit) await refuseParkingBookedByFeed(tx, item, line, 'the proposal');
  const escrow = await findAccountByCode(tx, platformAccountCode('ESCROW_BANK', currency));
  const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
  if (!escrow || !suspense) throw new Error(`the platform has no ${currency} escrow bank or suspense account`);
  // The amount frozen in the credited account since the import is released, and taken back below if recovered.
  if (item.kind === 'INBOUND_CREDIT_REVERSAL') await releaseReversalHold(tx, item.id, now);
  const recovered = rule === 'RECONCILIATION_RECOVERED' ? await recoverySourceOf(tx, item, line) : null;
  const entries =
    rule === 'RECONCILIATION_PARKED'
      ? postingEntries(rule, amount, currency, { escrowBank: escrow.id, suspense: suspense.id })
      : rule === 'RECONCILIATION_RECOVERED'
        ? postingEntries(rule, amount, currency, { escrowBank: escrow.id, creditedAccount: recovered!.parked ? suspense.id : recovered!.accountId })
        : rule === 'RECONCILIATION_GAIN'
          ? postingEntries(rule, amount, currency, { escrowBank: escrow.id, reconciliationGain: (await ensureReconciliationAccounts(tx, currency)).gain.id })
          : postingEntries(rule, amount, currency, { escrowBank: escrow.id, reconciliationLoss: (await ensureReconciliationAccounts(tx, currency)).loss.id });
  await lockAccounts(tx, entries.map((entry) => entry.accountId));
  if (recovered && !recovered.parked) await refuseRecoveringProceeds(tx, recovered.accountId, amount, currency);
  const reference = line?.bankReference ?? payout?.payoutReference ?? item.id;
  const metadata: Prisma.InputJsonObject = {
    reconciliationItemId: item.id,
    resolutionId: proposal.id,
    outcome: item.outcome,
    kind: item.kind,
    reference,
    makerUserId: proposal.makerUserId,
    checkerUserId: actor.userId,
    ...(payout ? { payoutId: payout.id, payoutReference: payout.payoutReference } : {}),
    ...(recovered?.exceptionId ? { inboundExceptionId: recovered.exceptionId } : {}),
  };
  const posted = await postTransaction(tx, {
    idempotencyKey: `reconciliation-item:${item.id}:resolution:${proposal.id}`,
    code: rule,
    description: `${RULE_DESCRIPTIONS[rule]}: ${item.outcome} ${item.kind} ${reference}`.slice(0, 500),
    effectiveAt: now,
    inOpenDay: true,
    metadata,
    entries,
  });
  if (recovered?.parked) {
    // The money the bank took back was parked in suspense: its exception is settled by this
    // posting, and can no longer be applied or refunded.
    await tx.inboundException.update({
      where: { id: recovered.parked.id },
      data: {
        status: 'RESOLVED',
        resolutionKind: 'WRITE_OFF',
        proposalNote: `taken back by the bank's reversal (冲正) ${reference}, reconciliation item ${item.id}`.slice(0, 500),
        makerUserId: proposal.makerUserId,
        proposedAt: proposal.proposedAt,
        checkerUserId: actor.userId,
        resolvedAt: now,
        resolutionTransactionId: posted.transactionId,
      },
    });
  }
  if (rule !== 'RECONCILIATION_PARKED') return { transactionId: posted.transactionId, exceptionId: recovered?.exceptionId ?? null };
  const held = formatAmount(amount, currency);
  const exception = await tx.inboundException.create({
    data: {
      bankReference: exceptionReference,
      reason: 'RECONCILIATION',
      detail: `parked by the resolution of reconciliation item ${item.id} (${item.outcome} ${item.kind} ${reference}, first on the statement of ${isoDateOfColumn(item.firstStatementDate)}): ${item.detail}`.slice(0, 500),
      virtualAccountNumber: (line?.reference ?? item.accountNumber).slice(0, 64),
      amount: held,
      currency,
      payerName: (line?.kind === 'INBOUND_CREDIT' ? line.debtorName : null) ?? '',
      payerAccountNumber: (line?.kind === 'INBOUND_CREDIT' ? line.debtorAccountNumber : null) ?? '',
      remittanceInformation: line?.remittanceInformation ?? '',
      receivedAt: line ? startOfBusinessDate(isoDateOfColumn(line.valueDate)) : now,
      financingId: payout?.financingId ?? null,
      heldAmount: held,
      createdAt: now,
    },
  });
  return { transactionId: posted.transactionId, exceptionId: exception.id };
}

/**
 * Where RECOVER takes a reversed credit back from, under the row locks of what it reads:
 * - the credit the matching linked the reversal to (reconciliation_item_reversed_credit_key: one
 *   reversal per credit), booked to an account and still there: that account (`accountId`),
 *   whose available balance must hold the amount, else the posting is refused
 *   (`EXCEEDS_AVAILABLE_BALANCE`);
 * - that credit parked in suspense (by the feed, or later, as a financing that ended parks its
 *   collection account), or (no credit linked) a statement credit operators parked (reason
 *   RECONCILIATION) to the line's virtual account at the amount, received by the end of the
 *   line's value date, the line's payer's first, that no earlier recovery took: its exception
 *   (`parked`), OPEN and holding the whole amount, which the recovery settles; applied out of
 *   suspense since, all of it, the account it was applied to; refunded, written off, applied in
 *   part or with a proposal waiting, refused;
 * otherwise nothing the ledger holds is that money: refused, to be written off.
 */
async function recoverySourceOf(tx: Tx, item: ReconciliationItem, line: BankStatementLine | null): Promise<RecoverySource> {
  const amount = toDecimal(item.amount);
  const credit = item.inboundCreditId ? await tx.inboundCredit.findUnique({ where: { id: item.inboundCreditId } }) : null;
  // The exception that parked the credit's money, when it was parked: by the feed at once, or
  // later (a financing that ended before disbursement parks what its collection account held).
  // Without a credit, a statement credit operators parked (RECONCILIATION), still parked or
  // applied since, that no earlier recovery took.
  const [found] = credit
    ? await tx.$queryRaw<{ id: string }[]>`SELECT id FROM inbound_exception WHERE inbound_credit_id = ${credit.id}::uuid FOR UPDATE`
    : line
      ? await tx.$queryRaw<{ id: string }[]>`
          SELECT e.id FROM inbound_exception e
           WHERE e.reason = 'RECONCILIATION' AND e.inbound_credit_id IS NULL AND e.virtual_account_number = ${line.reference}
             AND e.currency = ${item.currency} AND e.held_amount = ${amount.toFixed()}::numeric
             AND (e.status = 'OPEN' OR e.status = 'RESOLVED' AND e.resolution_kind = 'APPLY')
             AND e.received_at < ${startOfBusinessDate(isoDateOfColumn(line.valueDate))}::timestamptz + interval '1 day'
             AND NOT EXISTS (SELECT 1 FROM reconciliation_resolution r WHERE r.exception_id = e.id AND r.kind = 'RECOVER' AND r.status = 'APPROVED')
           ORDER BY (e.payer_account_number = ${line.debtorAccountNumber ?? ''}) DESC, e.received_at DESC, e.id LIMIT 1 FOR UPDATE`
      : [];
  const parked = found ? await tx.inboundException.findUniqueOrThrow({ where: { id: found.id } }) : null;
  if (!parked) {
    if (credit && credit.outcome === 'MATCHED') return { accountId: credit.accountId, exceptionId: null };
    throw new WrongStateError(`the ledger holds no credit of ${formatAmount(amount, currencyOf(item))} ${item.currency} to virtual account ${line?.reference ?? '(none)'} that this reversal takes back: write the shortage off`, item.status);
  }
  if (parked.status === 'PROPOSED') {
    throw new WrongStateError(`the reversed credit ${parked.bankReference} is parked in suspense, and a ${parked.resolutionKind ?? ''} of it waits for a checker: approve or reject that first`, item.status);
  }
  const whole = parked.heldAmount !== null && toDecimal(parked.heldAmount).eq(amount);
  // Applied out of suspense since, all of it: the money is in the account it was applied to.
  if (whole && parked.status === 'RESOLVED' && parked.resolutionKind === 'APPLY' && parked.applyToAccountId) {
    const earlier = await tx.reconciliationResolution.findFirst({ where: { exceptionId: parked.id, kind: 'RECOVER', status: 'APPROVED' } });
    if (earlier) throw new WrongStateError(`the reversed credit ${parked.bankReference} was recovered already, by the resolution of reconciliation item ${earlier.itemId}: write this shortage off`, item.status);
    return { accountId: parked.applyToAccountId, exceptionId: parked.id };
  }
  if (!whole || parked.status !== 'OPEN') {
    const what = parked.status === 'OPEN' ? `holds ${parked.heldAmount?.toFixed() ?? 'nothing'} of it` : `was ${parked.resolutionKind === 'REFUND' ? 'refunded to its payer' : parked.resolutionKind === 'APPLY' ? `applied in part (${parked.heldAmount?.toFixed() ?? 'nothing'})` : 'written off'}`;
    throw new WrongStateError(`the reversed credit ${parked.bankReference} was parked in suspense, and its exception ${what}: there is nothing to take back from there; write the shortage off`, item.status);
  }
  return { parked, exceptionId: parked.id };
}

/**
 * A supplier's settlement account may hold a financing's proceeds waiting for a payout's retry
 * (awaitingPayoutRetry): spoken for, as for a withdrawal. A recovery takes only what is left
 * above them, so that the retry can still pay them out; asked under the account's lock.
 */
async function refuseRecoveringProceeds(tx: Tx, accountId: string, amount: Decimal, currency: Currency): Promise<void> {
  const { available, awaiting, room } = await spendableOf(tx, accountId, currency);
  if (awaiting.gt(0) && amount.gt(room)) {
    throw new LimitExceededError(
      'EXCEEDS_AVAILABLE_BALANCE',
      `the account the reversed credit reached holds ${formatAmount(available, currency)} ${currency}, of which ${formatAmount(awaiting, currency)} waits to be paid out again for a failed or returned disbursement (retryPayout): ${formatAmount(room, currency)} can be recovered, not ${formatAmount(amount, currency)}; write the shortage off or recover it later`,
    );
  }
}

/** The account a reversed credit reached, or the exception that parked it in suspense. */
type RecoverySource = { accountId: string; exceptionId: string | null; parked?: undefined } | { parked: InboundException; exceptionId: string };

/** Every proposal made for an item, newest first: the history an operator reads. */
export async function resolutionsOfItem(prisma: PrismaClient, itemId: string): Promise<ReconciliationResolution[]> {
  return prisma.reconciliationResolution.findMany({ where: { itemId }, orderBy: [{ proposedAt: 'desc' }, { id: 'desc' }] });
}
