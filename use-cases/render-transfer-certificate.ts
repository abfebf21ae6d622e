import { assertPermitted, type Actor } from '../domain/actor';
import { NotFoundError, WrongStateError } from '../domain/errors';
import { renderTransferCertificateOnWorker } from '../workflows/client/voucher-client';
import type { UseCaseContext } from './use-case-context';

/**
 * An operator renders the certificate (转让凭证) of an accepted transfer whose rendering failed
 * after its acceptance (docs/workflows/voucher-acceptance.md, "Certificate"), from the stored
 * facts, once: a certificate already stored is answered as it is, and a copy of the request
 * renders nothing new (the document is unique per transfer and kind). No maker-checker: the
 * document moves no money and says only what the accepted transfer's rows already say. A
 * transfer that is not ACCEPTED has nothing to certify (WRONG_STATE). Nobody else is told: the
 * certificate appears to the transferor and the recipient as it would have at acceptance.
 */
export async function renderTransferCertificate(ctx: UseCaseContext, actor: Actor, transferId: string): Promise<{ documentId: string; rendered: boolean }> {
  assertPermitted(actor, 'RESUME_WORKFLOW');
  const transfer = await ctx.prisma.voucherTransfer.findUnique({ where: { id: transferId }, select: { id: true, status: true, transferNumber: true } });
  if (!transfer) throw new NotFoundError('VoucherTransfer', transferId);
  if (transfer.status !== 'ACCEPTED') throw new WrongStateError(`voucher transfer ${transfer.transferNumber} is ${transfer.status}: only an accepted transfer has a certificate`, transfer.status);
  const stored = await ctx.prisma.document.findFirst({ where: { voucherTransferId: transfer.id, kind: 'TRANSFER_CERTIFICATE' }, select: { id: true } });
  if (stored) return { documentId: stored.id, rendered: false };
  const { documentId, sha256 } = await renderTransferCertificateOnWorker(ctx.temporal, ctx.taskQueue, transfer.id);
  ctx.logger.info({ transferId: transfer.id, transferNumber: transfer.transferNumber, documentId, sha256, renderedBy: actor.userId }, 'transfer certificate rendered on request');
  return { documentId, rendered: true };
}
