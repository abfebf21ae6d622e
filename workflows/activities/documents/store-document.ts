import type { Logger } from 'pino';
import type { DocumentKind, PrismaClient } from '../../../prisma/client';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';

export type DocumentOwner = { receivableId: string } | { financingId: string } | { voucherTransferId: string };

export interface StoredDocument {
  documentId: string;
  sha256: string;
}

/**
 * Renders and stores a document once per owner and kind: a retried activity finds the stored
 * copy and does not render again, and two racing attempts store one (ON CONFLICT DO NOTHING on
 * the owner-and-kind unique index). The bytes are kept with their SHA-256.
 */
export async function storeDocumentOnce(
  prisma: PrismaClient,
  logger: Logger,
  owner: DocumentOwner,
  kind: DocumentKind,
  render: () => Promise<{ bytes: Uint8Array; fileName: string }>,
): Promise<StoredDocument> {
  const find = () => prisma.document.findFirst({ where: { ...owner, kind } });
  const existing = await find();
  if (existing) return { documentId: existing.id, sha256: existing.sha256 };
  const { bytes, fileName } = await render();
  const sha256 = sha256Hex(bytes);
  await prisma.document.createMany({
    data: [{ ...owner, kind, fileName, contentType: 'application/pdf', sha256, sizeBytes: bytes.byteLength, content: Buffer.from(bytes) }],
    skipDuplicates: true,
  });
  const stored = await find();
  if (!stored) throw new Error(`document ${kind} was not stored`);
  logger.info({ ...owner, kind, sha256: stored.sha256, sizeBytes: stored.sizeBytes }, 'document stored');
  return { documentId: stored.id, sha256: stored.sha256 };
}
