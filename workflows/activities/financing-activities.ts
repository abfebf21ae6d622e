import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { payToAccountOf } from '../../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { storedAmount, toDecimal } from '../../prisma/stores/to-decimal';
import { originationOf, type AppliedFinancing, type ApplyForFinancingArgs, type FinancingDocumentKind, type FinancingNotificationKind, type FinancingState, type NoticeFacts } from '../contracts/financing';
import type { FinancingSettings } from '../contracts/settings';
import type { ActorRef } from '../contracts/receivable';
import { isoDateOfColumn } from '../../domain/business-date';
import type { FinancingDecision } from '../../domain/financing-rules';
import type { Currency } from '../../domain/money';
import { maskBankAccountNumber } from '../../domain/party-rules';
import { renderAssignmentAcknowledgement } from './documents/assignment-acknowledgement';
import { renderDisbursementAdvice } from './documents/disbursement-advice';
import type { DisbursementAdviceData, FinancingDocumentData, QuotedFigures, SettlementReissueCause, SettlementStatementData } from './documents/financing-document-data';
import { renderFinancingTerms } from './documents/financing-terms';
import { formatMoney } from './documents/format-money';
import { renderNoticeOfAssignment } from './documents/notice-of-assignment';
import { renderSettlementStatement } from './documents/settlement-statement';
import { storeDocumentOnce, type StoredDocument, type SupersededDocument } from './documents/store-document';

export interface FinancingActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

/** How much of a closing reason a notice quotes: the inbox's body holds 2,000 characters. */
const CLOSED_REASON_SHOWN_MAX = 500;

/** A notice's text from the financing number, its principal and the facts of the event (amounts already formatted). */
type Text = (number: string, amount: string, facts: Record<string, string>) => { subject: string; body: string };

const NOTIFICATION_TEXT: Record<FinancingNotificationKind, Text> = {
  ACKNOWLEDGEMENT_REQUESTED: (number, amount) => ({
    subject: `请确认应收账款转让 ${number} / Please acknowledge assignment ${number}`,
    body: `供应商申请以贵司应付账款融资 ${amount}（${number}）。请阅读转让通知书，在截止时间前确认或拒绝，并承诺向回款专户付款。The supplier applied for financing of ${amount} (${number}) against a receivable your company owes; please read the notice of assignment and acknowledge or refuse it before the deadline.`,
  }),
  ASSIGNMENT_ACKNOWLEDGED: (number) => ({
    subject: `核心企业已确认转让 ${number} / Assignment ${number} acknowledged`,
    body: `核心企业已确认应收账款转让，融资 ${number} 待资金方审批。The core enterprise acknowledged the assignment; financing ${number} now awaits the funder's approval.`,
  }),
  ASSIGNMENT_REFUSED: (number) => ({
    subject: `核心企业拒绝转让 ${number} / Assignment ${number} refused`,
    body: `核心企业拒绝了应收账款转让，融资 ${number} 已终止，额度已释放，应收账款可再次融资。The core enterprise refused the assignment; financing ${number} has ended, its limits are released and the receivable can be financed again.`,
  }),
  APPROVAL_REQUESTED: (number, amount) => ({
    subject: `融资待审批 ${number} / Financing ${number} awaits approval`,
    body: `融资申请 ${number}（${amount}）待贵司审批（经办）。Financing ${number} for ${amount} awaits your approval (maker).`,
  }),
  APPROVAL_CONFIRMATION_REQUESTED: (number, amount) => ({
    subject: `融资待复核 ${number} / Financing ${number} awaits a second approver`,
    body: `融资 ${number}（${amount}）已经办审批，需另一位用户复核。Financing ${number} for ${amount} was approved; another user must confirm the approval (checker).`,
  }),
  FINANCING_APPROVED: (number, amount) => ({
    subject: `融资已批准 ${number} / Financing ${number} approved`,
    body: `融资 ${number}（${amount}）已获资金方批准，融资条款摘要已生成。Financing ${number} for ${amount} was approved by the funder; the terms summary is available.`,
  }),
  FINANCING_REJECTED: (number) => ({
    subject: `融资被拒绝 ${number} / Financing ${number} rejected`,
    body: `资金方拒绝了融资 ${number}，额度已释放，应收账款可再次融资。The funder rejected financing ${number}; its limits are released and the receivable can be financed again.`,
  }),
  FINANCING_WITHDRAWN: (number) => ({
    subject: `融资已撤回 ${number} / Financing ${number} withdrawn`,
    body: `供应商撤回了融资申请 ${number}，无需再处理。The supplier withdrew financing application ${number}; no action is needed.`,
  }),
  FUNDING_REQUIRED: (number, amount) => ({
    subject: `请为融资注资 ${number} / Fund financing ${number}`,
    body: `融资 ${number}（${amount}）已批准，但贵司出资户余额不足。请向出资户虚拟账号转入资金，截止前未到账的融资将过期。Financing ${number} for ${amount} is approved but your funding account is short; please top it up through its virtual account number before the funding deadline.`,
  }),
  FINANCING_DISBURSED: (number, amount) => ({
    subject: `融资已放款 ${number} / Financing ${number} disbursed`,
    body: `融资 ${number}（${amount}）已放款，款项正汇往贵司登记的银行账户；利息自实际放款日起算，放款通知书列明最终金额。Financing ${number} for ${amount} was disbursed; the proceeds are on their way to your registered bank account. Interest runs from the day the money moved; the disbursement advice states the final figures.`,
  }),
  PAYOUT_FAILED: (number) => ({
    subject: `放款汇款失败 ${number} / Payout of ${number} failed`,
    body: `融资 ${number} 的汇款未能到账，款项已退回贵司结算户。请核对或更新收款账户后重新发起汇款。The payout of financing ${number} did not arrive and the money is back in your settlement account; check or update your bank account, then retry the payout.`,
  }),
  FINANCING_OVERDUE: (number) => ({
    subject: `融资逾期 ${number} / Financing ${number} overdue`,
    body: `融资 ${number} 在宽限期后仍未结清，已逾期，自到期日次日起按日计收罚息。Financing ${number} is not repaid after its grace days: it is overdue, and penalty interest is charged daily from the day after the due date.`,
  }),
  RECOURSE_CLAIMED: (number, _amount, facts) => ({
    subject: `追索已执行 ${number} / Recourse applied to ${number}`,
    body:
      facts.claimed === undefined
        ? `融资 ${number} 逾期未还，已按追索条款从贵司结算户扣收欠款。Financing ${number} remained unpaid; under recourse the amount owed was claimed from your settlement account as far as its balance allowed.`
        : `融资 ${number} 逾期未还。回款专户已到账款项先行分配后，按追索条款从贵司结算户扣收差额 ${facts.claimed}，尚欠 ${facts.outstanding}。Financing ${number} remained unpaid: after the money already in its collection account was allocated, ${facts.claimed} of the shortfall was claimed from your settlement account under recourse; ${facts.outstanding} is still owed.`,
  }),
  PENALTY_REVERSED: (number, _amount, facts) => ({
    subject: `罚息已冲正 ${number} / Penalty reversed on ${number}`,
    body: `融资 ${number} 的一笔还款银行于 ${facts.valueDate} 收到（处理较晚），按到账日计算，${facts.days} 已计收的罚息 ${facts.amount} 已红字冲正。A repayment of financing ${number} reached the bank on ${facts.valueDate} and was processed later; money counts from the day the bank received it, so the penalty of ${facts.amount} charged for ${facts.days} was reversed.`,
  }),
  FINANCING_SETTLED: (number, amount) => ({
    subject: `融资已结清 ${number} / Financing ${number} settled`,
    body: `融资 ${number}（${amount}）已结清，额度已恢复，结清证明已生成。Financing ${number} for ${amount} is settled; its limits are restored and the settlement statement is available.`,
  }),
  FINANCING_EXPIRED: (number, _amount, { closedReason }) => ({
    subject: `融资已过期 ${number} / Financing ${number} expired`,
    body: `融资 ${number} 未在截止时间前完成确认、审批或放款，已过期，额度已释放。Financing ${number} was not acknowledged, approved or disbursed in time and has expired; its limits are released.${closedReason ? ` (${closedReason.slice(0, CLOSED_REASON_SHOWN_MAX)})` : ''}`,
  }),
};

const DOCUMENT_FILE_SUFFIX: Record<FinancingDocumentKind, string> = {
  NOTICE_OF_ASSIGNMENT: 'notice-of-assignment',
  ASSIGNMENT_ACKNOWLEDGEMENT: 'assignment-acknowledgement',
  FINANCING_TERMS: 'financing-terms',
  DISBURSEMENT_ADVICE: 'disbursement-advice',
  SETTLEMENT_STATEMENT: 'settlement-statement',
};

async function loadFinancing(prisma: PrismaClient, financingId: string) {
  return prisma.financing.findUniqueOrThrow({
    where: { id: financingId },
    include: {
      supplier: true,
      obligor: true,
      funder: true,
      program: true,
      programTerms: true,
      collectionAccount: true,
      acknowledgedBy: true,
      approvedBy: true,
      approvalConfirmedBy: true,
      receivable: { include: { invoices: { orderBy: { lineNumber: 'asc' } }, voucherPart: { select: { voucher: { select: { collectionAccount: true } } } } } },
      // As the money counts: by the day the bank received it, however late it was read.
      allocations: { orderBy: [{ valueDate: 'asc' }, { allocatedAt: 'asc' }, { id: 'asc' }] },
      payouts: { orderBy: { attempt: 'desc' } },
      // When it was settled on the platform, which issues its settlement statement.
      transitions: { where: { toStatus: 'SETTLED' }, orderBy: { occurredAt: 'desc' }, take: 1, select: { occurredAt: true } },
    },
  });
}

type LoadedFinancing = Awaited<ReturnType<typeof loadFinancing>>;

/** The notices' facts that are amounts in the financing's currency (what was claimed, is still owed, was reversed). */
const MONEY_FACTS: ReadonlySet<string> = new Set(['amount', 'claimed', 'outstanding']);

/** Where the obligor is told to pay (payToAccountOf): checked to exist by documentData. */
function payToAccount(financing: LoadedFinancing): FinancingDocumentData['collectionAccount'] {
  return payToAccountOf({ funderName: financing.funder.legalName, virtualAccountNumber: financing.collectionAccount?.virtualAccountNumber }, financing.receivable.voucherPart?.voucher.collectionAccount)!;
}

/** The documents' view of a financing: the stored figures as decimal strings, never recomputed. */
function documentData(financing: LoadedFinancing): FinancingDocumentData {
  const currency = financing.currency as Currency;
  const money = (value: { toString(): string }) => storedAmount(value, currency);
  const { receivable, programTerms: terms } = financing;
  if (!receivable.confirmedAmount) throw new Error(`receivable ${receivable.id} of financing ${financing.id} is not confirmed`);
  if (!financing.collectionAccount?.virtualAccountNumber) throw new Error(`financing ${financing.id} has no collection account`);
  const party = (p: { legalName: string; creditCode: string }) => ({ legalName: p.legalName, creditCode: p.creditCode });
  return {
    financingNumber: financing.financingNumber,
    appliedAt: financing.appliedAt,
    supplier: party(financing.supplier),
    obligor: party(financing.obligor),
    funder: party(financing.funder),
    receivable: {
      registrationNumber: receivable.registrationNumber,
      contractNumber: receivable.contractNumber,
      faceAmount: money(receivable.faceAmount),
      confirmedAmount: money(receivable.confirmedAmount),
      dueDate: isoDateOfColumn(receivable.dueDate),
      invoices: receivable.invoices.map((invoice) => ({ code: invoice.invoiceCode, number: invoice.invoiceNumber, amount: money(invoice.amount), issueDate: isoDateOfColumn(invoice.issueDate) })),
    },
    currency,
    program: {
      code: financing.program.code,
      name: financing.program.name,
      assignmentMode: terms.assignmentMode,
      recourse: terms.recourse,
      recourseAfterDays: terms.recourseAfterDays,
      graceDays: terms.graceDays,
      penaltyRate: toDecimal(terms.penaltyRate).toFixed(),
    },
    terms: {
      principal: money(financing.principal),
      annualRate: toDecimal(terms.annualRate).toFixed(),
      dayCount: terms.dayCount,
      interestMode: terms.interestMode,
      interest: money(financing.interest),
      fees: money(financing.fees),
      netDisbursement: money(financing.netDisbursement),
      repaymentAtMaturity: money(financing.repaymentAtMaturity),
      effectiveAnnualRate: toDecimal(financing.effectiveAnnualRate).toFixed(6),
      valueDate: isoDateOfColumn(financing.valueDate),
      dueDate: isoDateOfColumn(financing.dueDate),
      tenorDays: financing.tenorDays,
    },
    collectionAccount: payToAccount(financing),
  };
}

/**
 * The quote's figures (value date assumed on the day of the application), which the disbursement
 * leaves beside the repriced ones (`quoted_*`).
 */
function quotedFiguresOf(financing: LoadedFinancing): QuotedFigures {
  const currency = financing.currency as Currency;
  const money = (value: { toString(): string }) => storedAmount(value, currency);
  return {
    valueDate: isoDateOfColumn(financing.quotedValueDate),
    tenorDays: financing.quotedTenorDays,
    interest: money(financing.quotedInterest),
    fees: money(financing.quotedFees),
    netDisbursement: money(financing.quotedNetDisbursement),
    repaymentAtMaturity: money(financing.quotedRepaymentAtMaturity),
    effectiveAnnualRate: toDecimal(financing.quotedEffectiveAnnualRate).toFixed(6),
  };
}

async function renderFinancingDocument(financing: LoadedFinancing, kind: FinancingDocumentKind, superseded: SupersededDocument | null): Promise<Uint8Array> {
  const data = documentData(financing);
  // The documents of the application and the approval state the quote, whenever they are drawn:
  // one drawn after the disbursement repriced the financing still says what was agreed then.
  const quoted = { ...data, terms: { ...data.terms, ...quotedFiguresOf(financing) } };
  switch (kind) {
    case 'NOTICE_OF_ASSIGNMENT':
      return renderNoticeOfAssignment(quoted);
    case 'ASSIGNMENT_ACKNOWLEDGEMENT':
      if (!financing.acknowledgedAt || !financing.acknowledgedBy) throw new Error(`financing ${financing.id} has no acknowledgement to document`);
      return renderAssignmentAcknowledgement({ ...quoted, acknowledgedAt: financing.acknowledgedAt, acknowledgedBy: financing.acknowledgedBy.displayName });
    case 'FINANCING_TERMS':
      if (!financing.approvalConfirmedAt || !financing.approvedBy || !financing.approvalConfirmedBy) throw new Error(`financing ${financing.id} has no confirmed approval to document`);
      return renderFinancingTerms({ ...quoted, approvedAt: financing.approvalConfirmedAt, approvedBy: financing.approvedBy.displayName, confirmedBy: financing.approvalConfirmedBy.displayName });
    case 'DISBURSEMENT_ADVICE':
      return renderDisbursementAdvice(disbursementAdviceData(financing, data));
    case 'SETTLEMENT_STATEMENT':
      // Only a settlement statement is ever superseded: money the bank received before the claim
      // or the repayment that settled the financing was read after it, and its figures changed.
      return renderSettlementStatement({ ...settlementData(financing, data), ...(superseded ? { reissue: { version: superseded.version + 1, cause: reissueCause(financing) }, issuedAt: superseded.supersededAt } : {}) });
  }
}

/** Why a settlement statement is issued again: recourse the claim took was given back, or the repayments were allocated again without one. */
function reissueCause(financing: LoadedFinancing): SettlementReissueCause {
  return financing.allocations.some((row) => row.source === 'RECOURSE' && toDecimal(row.recourseReturned).gt(0)) ? 'RECOURSE_RETURNED' : 'REPAYMENTS_REALLOCATED';
}

/** The advice's figures: the financing's final ones (repriced at disbursement), the quote it kept, the first payout. */
function disbursementAdviceData(financing: LoadedFinancing, data: FinancingDocumentData): DisbursementAdviceData {
  if (!financing.disbursedAt) throw new Error(`financing ${financing.id} is not disbursed`);
  const currency = financing.currency as Currency;
  const money = (value: { toString(): string }) => storedAmount(value, currency);
  const first = financing.payouts.find((row) => row.attempt === 1) ?? null;
  const upfront = financing.programTerms.interestMode === 'UPFRONT';
  return {
    ...data,
    disbursedAt: financing.disbursedAt,
    quoted: quotedFiguresOf(financing),
    advance: money(toDecimal(financing.principal).minus(upfront ? toDecimal(financing.interest) : 0)),
    payout: first && {
      reference: first.payoutReference,
      beneficiaryName: first.beneficiaryName,
      maskedAccountNumber: maskBankAccountNumber(first.beneficiaryAccountNumber),
      bankName: first.beneficiaryBank,
      amount: money(first.amount),
    },
  };
}

/** The settlement statement's figures, straight from the stored allocations and buckets. */
function settlementData(financing: LoadedFinancing, data: FinancingDocumentData): SettlementStatementData {
  if (!financing.disbursedAt || !financing.settledAt) throw new Error(`financing ${financing.id} is not settled`);
  const currency = financing.currency as Currency;
  const money = (value: { toString(): string }) => storedAmount(value, currency);
  // A recourse claim that money the core enterprise paid before it covered in full paid nothing
  // in the end (its return is the ledger's record): the statement lists what paid the financing.
  const allocations = financing.allocations.filter((row) => toDecimal(row.collected).gt(0)).map((row) => ({
    allocatedAt: row.allocatedAt,
    valueDate: isoDateOfColumn(row.valueDate),
    source: row.source,
    collected: money(row.collected),
    penalty: money(row.penalty),
    fees: money(row.fees),
    interest: money(row.interest),
    principal: money(row.principal),
    surplus: money(row.surplus),
    overpaid: money(row.overpaid),
  }));
  const total = (bucket: 'collected' | 'penalty' | 'fees' | 'interest' | 'principal' | 'surplus' | 'overpaid') => money(allocations.reduce((sum, row) => sum.plus(row[bucket]), toDecimal(0)));
  // What reached the supplier: every settled payout, less what the beneficiary's bank sent back
  // of a returned one (all of it, or part: the rest stayed paid), oldest attempt first.
  const paid = financing.payouts
    .filter((row) => row.status === 'SETTLED' || row.status === 'RETURNED')
    .map((row) => ({ row, amount: toDecimal(row.amount).minus(row.returnedAmount ? toDecimal(row.returnedAmount) : 0) }))
    .filter(({ amount }) => amount.gt(0))
    .sort((a, b) => a.row.attempt - b.row.attempt);
  const last = paid.at(-1)?.row;
  const payout = last && {
    payoutReference: paid.map(({ row }) => row.payoutReference).join(', '),
    beneficiaryName: last.beneficiaryName,
    beneficiaryAccountNumber: last.beneficiaryAccountNumber,
    beneficiaryBank: last.beneficiaryBank,
    amount: paid.reduce((sum, { amount }) => sum.plus(amount), toDecimal(0)),
  };
  return {
    ...data,
    disbursedAt: financing.disbursedAt,
    settledAt: financing.settledAt,
    // Version 1 is issued when the step settled the financing, which may be after the bank
    // received the money (a transfer read the next morning).
    issuedAt: financing.transitions[0]?.occurredAt ?? financing.settledAt,
    payout: payout ? {
      reference: payout.payoutReference,
      beneficiaryName: payout.beneficiaryName,
      maskedAccountNumber: maskBankAccountNumber(payout.beneficiaryAccountNumber),
      bankName: payout.beneficiaryBank,
      amount: money(payout.amount),
      nettedByRecourse: money(financing.proceedsNetted),
    } : null,
    penaltyDays: financing.penaltyDays,
    penaltyCharged: money(financing.penaltyAccrued),
    allocations,
    totals: { collected: total('collected'), penalty: total('penalty'), fees: total('fees'), interest: total('interest'), principal: total('principal'), surplus: total('surplus'), overpaid: total('overpaid') },
    recourseClaimed: money(financing.recourseClaimed),
    penaltyReversed: money(financing.penaltyReversed),
  };
}

export function createFinancingActivities({ prisma, logger }: FinancingActivityDependencies) {
  return {
    /**
     * The application, under the id its workflow was started with: priced, limits reserved,
     * receivable FINANCING_PENDING, in one transaction (idempotent by the supplier's key).
     */
    async applyForFinancing({ financingId, actor, input, windows }: ApplyForFinancingArgs & { financingId: string; windows: FinancingSettings }): Promise<AppliedFinancing> {
      const { financing, replayed } = await applyForFinancing(prisma, actor, { ...input, financingId }, windows);
      const terms = await prisma.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } });
      logger.info({ financingId: financing.id, financingNumber: financing.financingNumber, replayed }, 'financing applied for');
      return {
        financingId: financing.id,
        status: financing.status,
        replayed,
        ...originationOf(financing, terms),
      };
    },

    /** Applies one decision (idempotent by key); ending decisions release the limits and the receivable in the same transaction. */
    async decideFinancing(input: { financingId: string; decision: FinancingDecision; actor: ActorRef | null; idempotencyKey: string; at?: Date }): Promise<FinancingState> {
      const financing = await decideFinancing(prisma, input.financingId, input.decision, input.actor, input.idempotencyKey, input.at);
      logger.info({ financingId: financing.id, status: financing.status, decision: input.decision.kind }, 'financing decision applied');
      return { status: financing.status, approvalDeadline: financing.approvalDeadline };
    },

    /**
     * Renders and stores a financing document once; a retry finds the stored copy. A settlement
     * statement superseded since it was issued is issued again, as the next version.
     */
    async generateFinancingDocument(input: { financingId: string; kind: FinancingDocumentKind }): Promise<StoredDocument> {
      return storeDocumentOnce(prisma, logger, { financingId: input.financingId }, input.kind, async (superseded) => {
        const financing = await loadFinancing(prisma, input.financingId);
        const version = superseded ? `-v${superseded.version + 1}` : '';
        return { bytes: await renderFinancingDocument(financing, input.kind, superseded), fileName: `${financing.financingNumber}-${DOCUMENT_FILE_SUFFIX[input.kind]}${version}.pdf` };
      });
    },

    /** Puts a message in one party's inbox, once per dedupe key. */
    async notifyFinancingParty(input: { financingId: string; to: 'SUPPLIER' | 'OBLIGOR' | 'FUNDER'; kind: FinancingNotificationKind; dedupeKey: string; facts?: NoticeFacts }): Promise<void> {
      const financing = await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } });
      const amount = formatMoney(storedAmount(financing.principal, financing.currency), financing.currency);
      // The facts that are amounts arrive as decimal strings (a yen amount has no decimal point); the notice shows them as money.
      const facts = Object.fromEntries(Object.entries(input.facts ?? {}).map(([name, value]) => [name, MONEY_FACTS.has(name) ? formatMoney(value, financing.currency) : value]));
      const text = NOTIFICATION_TEXT[input.kind](financing.financingNumber, amount, { ...facts, ...(financing.closedReason ? { closedReason: financing.closedReason } : {}) });
      const partyId = { SUPPLIER: financing.supplierPartyId, OBLIGOR: financing.obligorPartyId, FUNDER: financing.funderPartyId }[input.to];
      await prisma.notification.createMany({
        data: [{ partyId, kind: input.kind, subject: text.subject, body: text.body, financingId: financing.id, dedupeKey: input.dedupeKey }],
        skipDuplicates: true,
      });
    },
  };
}
