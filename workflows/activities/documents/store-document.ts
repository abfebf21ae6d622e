import type { Logger } from 'pino';
import { Prisma, type DocumentKind, type PrismaClient } from '../../../prisma/client';
import { runTransaction, type Tx } from '../../../prisma/stores/run-transaction';
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

/** Draws of one document in one attempt: each draw after the first is made because its figures changed meanwhile. */
export const DRAWS_MAX = 3;

/**
 * Renders and stores a document once per owner, kind and version: a retried activity finds the
 * current copy (the newest not superseded) and does not render again, and two racing attempts
 * store one (ON CONFLICT DO NOTHING on the unique index). When every stored version has been
 * superseded (a settlement statement whose figures changed, docs/documents.md) the next version
 * is rendered; the earlier ones are never touched. A settlement statement is stored only if the
 * financing's figures did not change while it was drawn, else it is drawn again. The bytes are
 * kept with their SHA-256.
 */
export async function storeDocumentOnce(
  prisma: PrismaClient,
  logger: Logger,
  owner: DocumentOwner,
  kind: DocumentKind,
  render: (superseded: SupersededDocument | null) => Promise<{ bytes: Uint8Array; fileName: string }>,
): Promise<StoredDocument> {
  for (let draw = 1; ; draw += 1) {
    const existing = await prisma.document.findFirst({ where: { ...owner, kind }, orderBy: { version: 'desc' } });
    if (existing && !existing.supersededAt) return { documentId: existing.id, sha256: existing.sha256 };
    const version = (existing?.version ?? 0) + 1;
    // Read before the figures are: still the same when the PDF is stored, it proves they stand.
    const revision = await statementRevision(prisma, owner, kind, { lock: false });
    const { bytes, fileName } = await render(existing?.supersededAt ? { version: existing.version, supersededAt: existing.supersededAt } : null);
    const sha256 = sha256Hex(bytes);
    const stored = await runTransaction(prisma, async (tx) => {
      // A recourse return moves the revision on and supersedes the current statement under the
      // financing's row lock; this shared lock orders the store with it (lost reissue): either
      // the return comes after and supersedes this version, or it came first and this draw,
      // from figures that no longer stand, is not stored.
      if ((await statementRevision(tx, owner, kind, { lock: true })) !== revision) return null;
      await tx.document.createMany({
        data: [{ ...owner, kind, version, fileName, contentType: 'application/pdf', sha256, sizeBytes: bytes.byteLength, content: Buffer.from(bytes) }],
        skipDuplicates: true,
      });
      const row = await tx.document.findFirst({ where: { ...owner, kind, version } });
      if (!row) throw new Error(`document ${kind} version ${version} was not stored`);
      // A racing draw stored this version first, from figures superseded since.
      return row.supersededAt ? null : row;
    });
    if (stored) {
      logger.info({ ...owner, kind, version, sha256: stored.sha256, sizeBytes: stored.sizeBytes }, 'document stored');
      return { documentId: stored.id, sha256: stored.sha256 };
    }
    if (draw >= DRAWS_MAX) throw new Error(`the figures of document ${kind} changed during each of ${DRAWS_MAX} draws`);
    logger.info({ ...owner, kind, version }, 'the figures changed while the document was drawn; drawing it again');
  }
}

/**
 * The revision of a financing's figures a settlement statement is drawn at (null for any other
 * document: its figures never change once issued); `lock` holds it until the transaction ends.
 */
async function statementRevision(db: PrismaClient | Tx, owner: DocumentOwner, kind: DocumentKind, { lock }: { lock: boolean }): Promise<number | null> {
  if (kind !== 'SETTLEMENT_STATEMENT' || !('financingId' in owner)) return null;
  const [row] = await db.$queryRaw<{ revision: number }[]>`
    SELECT statement_revision AS revision FROM financing WHERE id = ${owner.financingId}::uuid ${lock ? Prisma.sql`FOR SHARE` : Prisma.empty}`;
  if (!row) throw new Error(`financing ${owner.financingId} does not exist`);
  return row.revision;
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
