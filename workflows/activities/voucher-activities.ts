import type { Logger } from 'pino';
import type { Party, PrismaClient, VoucherPart } from '../../prisma/client';
import { decideVoucherTransfer, recipientNameMismatchText } from '../../prisma/stores/voucher-store';
import { notifyOperators } from '../../prisma/stores/operator-notices';
import { storedAmount } from '../../prisma/stores/to-decimal';
import type { Currency } from '../../domain/money';
import type { VoucherDecider, VoucherNotificationKind, VoucherTransferDecision, VoucherTransferState } from '../contracts/voucher-acceptance';
import { isoDateOfColumn } from '../../domain/business-date';
import { formatMoney } from './documents/format-money';
import { storeDocumentOnce, type StoredDocument } from './documents/store-document';
import { renderTransferCertificate, type HolderChainLink, type TransferCertificateData } from './documents/transfer-certificate';

export interface VoucherActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

const NOTIFICATION_TEXT: Record<VoucherNotificationKind, (number: string, amount: string) => { subject: string; body: string }> = {
  VOUCHER_TRANSFER_OFFERED: (number, amount) => ({
    subject: `请签收数字债权凭证 ${number} / Please accept voucher transfer ${number}`,
    body: `贵司收到一笔数字债权凭证 ${number}，金额 ${amount}。请在截止时间前签收或拒收。You were offered voucher transfer ${number} for ${amount}; please accept or refuse it before the deadline.`,
  }),
  VOUCHER_TRANSFER_REMINDER: (number, amount) => ({
    subject: `提醒：凭证 ${number} 待签收 / Reminder: voucher transfer ${number} awaits your acceptance`,
    body: `凭证 ${number}（${amount}）仍待贵司签收。Voucher transfer ${number} (${amount}) still awaits your acceptance.`,
  }),
  VOUCHER_TRANSFER_ACCEPTED: (number, amount) => ({
    subject: `凭证 ${number} 已签收 / Voucher transfer ${number} accepted`,
    body: `接收方已签收凭证 ${number}，金额 ${amount}。The recipient accepted voucher transfer ${number} for ${amount}.`,
  }),
  VOUCHER_TRANSFER_REFUSED: (number, amount) => ({
    subject: `凭证 ${number} 被拒收 / Voucher transfer ${number} refused`,
    body: `接收方拒收了凭证 ${number}（${amount}），金额已退回原持有方，发票登记已解除。The recipient refused voucher transfer ${number} (${amount}); the amount is back with its holder and the invoices are released.`,
  }),
  VOUCHER_TRANSFER_EXPIRED: (number, amount) => ({
    subject: `凭证 ${number} 已过期 / Voucher transfer ${number} expired`,
    body: `凭证 ${number}（${amount}）在截止时间前未获签收，已过期，金额已退回原持有方。Voucher transfer ${number} (${amount}) was not accepted before the deadline and has expired; the amount is back with its holder.`,
  }),
  VOUCHER_TRANSFER_REJECTED: (number, amount) => ({
    subject: `凭证 ${number} 复核未通过 / Voucher transfer ${number} rejected`,
    body: `凭证 ${number}（${amount}）未通过复核，金额已释放。Voucher transfer ${number} (${amount}) was rejected by the checker; the amount is released.`,
  }),
  VOUCHER_TRANSFER_CANCELLED: (number, amount) => ({
    subject: `凭证 ${number} 已撤销 / Voucher transfer ${number} cancelled`,
    body: `凭证 ${number}（${amount}）已撤销，金额已释放。Voucher transfer ${number} (${amount}) was cancelled; the amount is released.`,
  }),
  VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH: recipientNameMismatchText,
};

/**
 * The facts of an accepted transfer (or issue) as its certificate shows them, read from the
 * rows the acceptance wrote: the chain is walked up from the recipient's part to the root, one
 * read per tier, so a voucher of many parts costs no more than its depth.
 */
async function loadTransferCertificate(prisma: PrismaClient, transferId: string): Promise<TransferCertificateData> {
  const transfer = await prisma.voucherTransfer.findUniqueOrThrow({
    where: { id: transferId },
    include: { voucher: { include: { issuer: true } }, fromPart: true, toPart: true, fromParty: true, toParty: true, invoices: { orderBy: { lineNumber: 'asc' } } },
  });
  const { toPart, toParty } = transfer;
  // Only an accepted transfer moved a claim (and an accepted one always has its recipient party and part): a certificate of anything else would certify what did not happen.
  if (transfer.status !== 'ACCEPTED' || !transfer.approvedAt || !toPart?.acceptedAt || !toParty) throw new Error(`voucher transfer ${transfer.transferNumber} is ${transfer.status}: only an accepted transfer has a certificate`);
  const currency = transfer.currency as Currency;
  const chain: HolderChainLink[] = [];
  for (let partId: string | null = transfer.toPartId; partId !== null; ) {
    const part: VoucherPart & { holder: Party } = await prisma.voucherPart.findUniqueOrThrow({ where: { id: partId }, include: { holder: true } });
    if (!part.acceptedAt) throw new Error(`voucher part ${part.partNumber} in the chain of ${transfer.transferNumber} was never accepted`);
    chain.unshift({ tier: part.tier, partNumber: part.partNumber, holder: { legalName: part.holder.legalName, creditCode: part.holder.creditCode }, amountReceived: storedAmount(part.originalAmount, currency), acceptedAt: part.acceptedAt });
    // Tiers fall by one per step up to the root at tier 1: a longer walk is a broken lineage, not a reason to spin.
    if (chain.length > toPart.tier) throw new Error(`voucher part ${toPart.partNumber}'s chain is longer than its tier`);
    partId = part.parentPartId;
  }
  const party = (row: { legalName: string; creditCode: string }) => ({ legalName: row.legalName, creditCode: row.creditCode });
  return {
    voucherNumber: transfer.voucher.voucherNumber,
    transferNumber: transfer.transferNumber,
    issuer: party(transfer.voucher.issuer),
    currency,
    voucherAmount: storedAmount(transfer.voucher.amount, currency),
    dueDate: isoDateOfColumn(transfer.voucher.dueDate),
    fromPartNumber: transfer.fromPart?.partNumber ?? null,
    toPartNumber: toPart.partNumber,
    transferor: party(transfer.fromParty),
    recipient: party(toParty),
    amount: storedAmount(transfer.amount, currency),
    contractNumber: transfer.contractNumber,
    invoices: transfer.invoices.map((invoice) => ({ code: invoice.invoiceCode, number: invoice.invoiceNumber, amount: storedAmount(invoice.amount, currency), issueDate: isoDateOfColumn(invoice.issueDate) })),
    chain,
    approvedAt: transfer.approvedAt,
    acceptedAt: toPart.acceptedAt,
  };
}

export function createVoucherActivities({ prisma, logger }: VoucherActivityDependencies) {
  return {
    /**
     * Renders and stores the transfer certificate (转让凭证) of an accepted transfer or issue, once:
     * a retry finds the stored copy (storeDocumentOnce), and the fonts are the process's.
     */
    async generateTransferCertificate(input: { transferId: string }): Promise<StoredDocument> {
      return storeDocumentOnce(prisma, logger, { voucherTransferId: input.transferId }, 'TRANSFER_CERTIFICATE', async () => {
        const data = await loadTransferCertificate(prisma, input.transferId);
        return { bytes: await renderTransferCertificate(data), fileName: `${data.transferNumber}-transfer-certificate.pdf` };
      });
    },

    /**
     * Tells every operator party that an accepted transfer has no certificate: its rendering
     * failed past its bound. Once per dedupe key; the transfer's parties are told nothing.
     */
    async reportTransferCertificateFailure(input: { transferId: string; reason: string; dedupeKey: string }): Promise<void> {
      const { transferNumber } = await prisma.voucherTransfer.findUniqueOrThrow({ where: { id: input.transferId }, select: { transferNumber: true } });
      await notifyOperators(
        prisma,
        {
          kind: 'TRANSFER_CERTIFICATE_FAILED',
          subject: `转让凭证 ${transferNumber} 生成失败 / The transfer certificate of ${transferNumber} could not be rendered`,
          body:
            `凭证转让 ${transferNumber} 已签收，但转让凭证多次重试后仍未生成。请排查原因后重新生成（renderTransferCertificate）。` +
            `Voucher transfer ${transferNumber} is accepted, but its transfer certificate could not be rendered within its bound; find the cause, then render it with renderTransferCertificate. Last failure: ${input.reason}`,
          voucherTransferId: input.transferId,
        },
        input.dedupeKey,
      );
      logger.error({ transferId: input.transferId, transferNumber, reason: input.reason }, 'transfer certificate missing: operators told');
    },

    /** Applies an approval, rejection, cancellation, acceptance, refusal or expiry under the transfer's row lock. */
    async decideVoucherTransfer(input: { transferId: string; decision: VoucherTransferDecision; actor: VoucherDecider | null }): Promise<VoucherTransferState> {
      const transfer = await decideVoucherTransfer(prisma, input.transferId, input.decision, input.actor);
      logger.info({ transferId: transfer.id, status: transfer.status, decision: input.decision.kind }, 'voucher transfer decision applied');
      return { status: transfer.status };
    },

    /** Puts a message in the recipient's or the transferor's inbox, once per dedupe key. */
    async notifyVoucherTransferParty(input: { transferId: string; to: 'TRANSFEROR' | 'RECIPIENT'; kind: VoucherNotificationKind; dedupeKey: string }): Promise<void> {
      const transfer = await prisma.voucherTransfer.findUniqueOrThrow({ where: { id: input.transferId } });
      const partyId = input.to === 'TRANSFEROR' ? transfer.fromPartyId : transfer.toPartyId;
      // A company not yet registered has no inbox: it is told of its open offers when its party is created.
      if (partyId === null) return;
      const currency = transfer.currency as Currency;
      const text = NOTIFICATION_TEXT[input.kind](transfer.transferNumber, formatMoney(storedAmount(transfer.amount, currency), currency));
      await prisma.notification.createMany({
        data: [{ partyId, kind: input.kind, subject: text.subject, body: text.body, voucherTransferId: transfer.id, dedupeKey: input.dedupeKey }],
        skipDuplicates: true,
      });
    },
  };
}
