import type { Logger } from 'pino';
import type { DocumentKind, PrismaClient } from '../../../prisma/client';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';

export type DocumentOwner = { receivableId: string } | { financingId: string } | { voucherTransferId: string };

/** The version a new one replaces: superseded at `supersededAt`, the reissue's issue time. */
export interface SupersededDocument {
  version: number;
  supersededAt: Date;
}

export interface StoredDocument {
  documentId: string;
  sha256: string;
}

/**
 * Renders and stores a document once per owner, kind and version: a retried activity finds the
 * current copy (the newest not superseded) and does not render again, and two racing attempts
 * store one (ON CONFLICT DO NOTHING on the unique index). When every stored version has been
 * superseded (a settlement statement whose figures changed, docs/documents.md) the next version
 * is rendered; the earlier ones are never touched. The bytes are kept with their SHA-256.
 */
export async function storeDocumentOnce(
  prisma: PrismaClient,
  logger: Logger,
  owner: DocumentOwner,
  kind: DocumentKind,
  render: (superseded: SupersededDocument | null) => Promise<{ bytes: Uint8Array; fileName: string }>,
): Promise<StoredDocument> {
  const newest = () => prisma.document.findFirst({ where: { ...owner, kind }, orderBy: { version: 'desc' } });
  const existing = await newest();
  if (existing && !existing.supersededAt) return { documentId: existing.id, sha256: existing.sha256 };
  const version = (existing?.version ?? 0) + 1;
  const { bytes, fileName } = await render(existing?.supersededAt ? { version: existing.version, supersededAt: existing.supersededAt } : null);
  const sha256 = sha256Hex(bytes);
  await prisma.document.createMany({
    data: [{ ...owner, kind, version, fileName, contentType: 'application/pdf', sha256, sizeBytes: bytes.byteLength, content: Buffer.from(bytes) }],
    skipDuplicates: true,
  });
  const stored = await prisma.document.findFirst({ where: { ...owner, kind, version } });
  if (!stored) throw new Error(`document ${kind} version ${version} was not stored`);
  logger.info({ ...owner, kind, version, sha256: stored.sha256, sizeBytes: stored.sizeBytes }, 'document stored');
  return { documentId: stored.id, sha256: stored.sha256 };
}

/** Settlement statements reissued per pass; the next pass takes the rest. */
export const REISSUES_PER_PASS_MAX = 20;

/**
 * The financings whose settlement statement was superseded and has no later version yet, oldest
 * first: what the worker reissues next (generateFinancingDocument renders the next version).
 */
export async function statementsAwaitingReissue(prisma: PrismaClient): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ financingId: string }[]>`
    SELECT d.financing_id::text AS "financingId" FROM document d
     WHERE d.kind = 'SETTLEMENT_STATEMENT' AND d.superseded_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM document n WHERE n.financing_id = d.financing_id AND n.kind = d.kind AND n.version > d.version)
     ORDER BY d.superseded_at, d.id
     LIMIT ${REISSUES_PER_PASS_MAX}`;
  return rows.map((row) => row.financingId);
}
