import type { Logger } from 'pino';
import type { DocumentKind, PrismaClient } from '../../prisma/client';
import { decideReceivable, registerReceivable } from '../../prisma/stores/receivable-store';
import { storedAmount } from '../../prisma/stores/to-decimal';
import type { ActorRef, NotificationKind, ReceivableDecision, ReceivableState, RegisterReceivableArgs, RegisteredReceivable } from '../contracts/receivable';
import { isoDateOfColumn } from '../../domain/business-date';
import type { Currency } from '../../domain/money';
import { renderConfirmationLetter } from './documents/confirmation-letter';
import { formatMoney } from './documents/format-money';
import { renderRegistrationCertificate } from './documents/registration-certificate';
import { storeDocumentOnce, type StoredDocument } from './documents/store-document';

export interface ReceivableActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

const NOTIFICATION_TEXT: Record<NotificationKind, (registrationNumber: string, amount: string) => { subject: string; body: string }> = {
  CONFIRMATION_REQUESTED: (number, amount) => ({
    subject: `请确认应收账款 ${number} / Please confirm receivable ${number}`,
    body: `供应商登记了一笔以贵司为债务人的应收账款 ${number}，金额 ${amount}。请在截止时间前确认或拒绝。A supplier registered receivable ${number} for ${amount} with your company as obligor; please confirm or reject it before the deadline.`,
  }),
  CONFIRMATION_REMINDER: (number, amount) => ({
    subject: `提醒：应收账款 ${number} 待确认 / Reminder: receivable ${number} awaits confirmation`,
    body: `应收账款 ${number}（${amount}）仍待贵司确认。Receivable ${number} (${amount}) still awaits your confirmation.`,
  }),
  RECEIVABLE_CONFIRMED: (number, amount) => ({
    subject: `应收账款 ${number} 已确权 / Receivable ${number} confirmed`,
    body: `债务人已确认应收账款 ${number}，确认金额 ${amount}，确认函已生成。The obligor confirmed receivable ${number} for ${amount}; the confirmation letter is available.`,
  }),
  RECEIVABLE_REJECTED: (number) => ({
    subject: `应收账款 ${number} 被拒绝 / Receivable ${number} rejected`,
    body: `债务人拒绝了应收账款 ${number}，发票登记已解除。The obligor rejected receivable ${number}; its invoices are released from the registry.`,
  }),
  RECEIVABLE_EXPIRED: (number) => ({
    subject: `应收账款 ${number} 已过期 / Receivable ${number} expired`,
    body: `应收账款 ${number} 在截止时间前未获确认，已过期，发票登记已解除。Receivable ${number} was not confirmed before the deadline and has expired; its invoices are released.`,
  }),
  RECEIVABLE_CANCELLED: (number) => ({
    subject: `应收账款 ${number} 已撤销 / Receivable ${number} cancelled`,
    body: `供应商撤销了应收账款 ${number}，无需再确认。The supplier cancelled receivable ${number}; no confirmation is needed.`,
  }),
};

type ReceivableDocumentKind = Extract<DocumentKind, 'REGISTRATION_CERTIFICATE' | 'CONFIRMATION_LETTER'>;

/** A receivable's certificate or confirmation letter, from the stored figures (never recomputed). */
async function renderReceivableDocument(prisma: PrismaClient, receivableId: string, kind: ReceivableDocumentKind): Promise<{ bytes: Uint8Array; fileName: string }> {
  const receivable = await prisma.receivable.findUniqueOrThrow({
    where: { id: receivableId },
    include: { supplier: true, obligor: true, confirmedBy: true, invoices: { orderBy: { lineNumber: 'asc' } } },
  });
  const currency = receivable.currency as Currency;
  const money = (value: { toString(): string }) => storedAmount(value, currency);
  const data = {
    registrationNumber: receivable.registrationNumber,
    registeredAt: receivable.registeredAt,
    supplier: { legalName: receivable.supplier.legalName, creditCode: receivable.supplier.creditCode },
    obligor: { legalName: receivable.obligor.legalName, creditCode: receivable.obligor.creditCode },
    contractNumber: receivable.contractNumber,
    currency,
    faceAmount: money(receivable.faceAmount),
    dueDate: isoDateOfColumn(receivable.dueDate),
    invoices: receivable.invoices.map((invoice) => ({ code: invoice.invoiceCode, number: invoice.invoiceNumber, amount: money(invoice.amount), issueDate: isoDateOfColumn(invoice.issueDate) })),
    documentHashes: receivable.documentHashes,
  };
  if (kind === 'REGISTRATION_CERTIFICATE') {
    return { bytes: await renderRegistrationCertificate(data), fileName: `${receivable.registrationNumber}-registration-certificate.pdf` };
  }
  if (!receivable.confirmedAmount || !receivable.confirmedAt) throw new Error(`receivable ${receivable.id} has no confirmation to put in a letter`);
  const bytes = await renderConfirmationLetter({
    ...data,
    confirmedAmount: money(receivable.confirmedAmount),
    confirmedAt: receivable.confirmedAt,
    confirmedBy: receivable.confirmedBy?.displayName ?? receivable.obligor.legalName,
  });
  return { bytes, fileName: `${receivable.registrationNumber}-confirmation-letter.pdf` };
}

export function createReceivableActivities({ prisma, logger }: ReceivableActivityDependencies) {
  return {
    /** The registration, under the id its workflow was started with (idempotent by the supplier's key). */
    async registerReceivable({ receivableId, actor, input, confirmationWindowMs }: RegisterReceivableArgs & { receivableId: string; confirmationWindowMs: number }): Promise<RegisteredReceivable> {
      const { receivable, replayed } = await registerReceivable(prisma, actor, input, { confirmationWindowMs, receivableId });
      logger.info({ receivableId: receivable.id, registrationNumber: receivable.registrationNumber, replayed }, 'receivable registered');
      return {
        receivableId: receivable.id,
        status: receivable.status,
        replayed,
        registrationNumber: receivable.registrationNumber,
        registeredAt: receivable.registeredAt,
        confirmationDeadline: receivable.confirmationDeadline,
      };
    },

    /** Applies a confirmation, rejection, cancellation or expiry (idempotent by key). */
    async decideReceivable(input: { receivableId: string; decision: ReceivableDecision; actor: ActorRef | null; idempotencyKey: string }): Promise<ReceivableState> {
      const receivable = await decideReceivable(prisma, input.receivableId, input.decision, input.actor, input.idempotencyKey);
      logger.info({ receivableId: receivable.id, status: receivable.status, decision: input.decision.kind }, 'receivable decision applied');
      return { status: receivable.status, confirmedAmount: receivable.confirmedAmount === null ? null : storedAmount(receivable.confirmedAmount, receivable.currency) };
    },

    /** Renders and stores a receivable's document once; a retry finds the stored copy. */
    async generateReceivableDocument(input: { receivableId: string; kind: ReceivableDocumentKind }): Promise<StoredDocument> {
      return storeDocumentOnce(prisma, logger, { receivableId: input.receivableId }, input.kind, () => renderReceivableDocument(prisma, input.receivableId, input.kind));
    },

    /** Puts a message in the supplier's or the obligor's inbox, once per dedupe key. */
    async notifyReceivableParty(input: { receivableId: string; to: 'SUPPLIER' | 'OBLIGOR'; kind: NotificationKind; dedupeKey: string }): Promise<void> {
      const receivable = await prisma.receivable.findUniqueOrThrow({ where: { id: input.receivableId } });
      const currency = receivable.currency as Currency;
      const amount = formatMoney(storedAmount(receivable.confirmedAmount ?? receivable.faceAmount, currency), currency);
      const text = NOTIFICATION_TEXT[input.kind](receivable.registrationNumber, amount);
      await prisma.notification.createMany({
        data: [{ partyId: input.to === 'SUPPLIER' ? receivable.supplierPartyId : receivable.obligorPartyId, kind: input.kind, subject: text.subject, body: text.body, receivableId: receivable.id, dedupeKey: input.dedupeKey }],
        skipDuplicates: true,
      });
    },
  };
}
