import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TransferCertificateInput, TransferCertificateStored } from '../contracts/voucher-acceptance';
import { DOCUMENT_ON_REQUEST } from './activity-bounds';

const document = proxyActivities<Activities>(DOCUMENT_ON_REQUEST);

/**
 * Renders and stores the certificate of an accepted transfer whose acceptance workflow could not
 * (docs/workflows/voucher-acceptance.md, "Certificate"), on an operator's request. It runs on the
 * worker, where documents are rendered and fonts prepared, with the very activity the acceptance
 * uses: the facts come from the stored rows, and a certificate already stored is answered as it
 * is, never rendered twice. Workflow id: `transfer-certificate:<transferId>`.
 */
export async function renderTransferCertificateWorkflow(input: TransferCertificateInput): Promise<TransferCertificateStored> {
  return document.generateTransferCertificate({ transferId: input.transferId });
}
