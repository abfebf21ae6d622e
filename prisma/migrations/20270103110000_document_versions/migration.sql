-- A financing's settlement statement is issued again, as the next version, when its figures
-- change after it was issued (recourse returned to the supplier because the core enterprise had
-- paid before the claim). Documents are never changed in place: the earlier version stays,
-- marked superseded, so the parties and an auditor see both, in order.

-- AlterTable
ALTER TABLE "document" ADD COLUMN     "superseded_at" TIMESTAMPTZ(6),
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- DropIndex
DROP INDEX "document_financing_id_kind_key";

-- CreateIndex
CREATE UNIQUE INDEX "document_financing_id_kind_version_key" ON "document"("financing_id", "kind", "version");

-- A stored document still never changes (its bytes are what its SHA-256 proves); the one thing
-- that may be set on it, once, is when a later version superseded it.
CREATE OR REPLACE FUNCTION "document_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD."superseded_at" IS NULL AND NEW."superseded_at" IS NOT NULL
       AND (to_jsonb(NEW) - 'superseded_at') = (to_jsonb(OLD) - 'superseded_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'documents are immutable: % on document is not allowed', TG_OP USING ERRCODE = 'RC002';
END;
$$;
