-- A workflow step that reached its bound (docs/workflows/financing.md, "Bounds") waits for an
-- operator: the workflow writes which step, why and since when on its financing or receivable,
-- where operators see it, and clears it when an operator resumes.

ALTER TABLE "financing"
  ADD COLUMN "attention_step" VARCHAR(200),
  ADD COLUMN "attention_reason" VARCHAR(1000),
  ADD COLUMN "attention_since" TIMESTAMPTZ(6),
  -- All three or none: a mark without its reason or time would tell an operator nothing.
  ADD CONSTRAINT "financing_attention_whole" CHECK (("attention_step" IS NULL) = ("attention_reason" IS NULL) AND ("attention_step" IS NULL) = ("attention_since" IS NULL));

ALTER TABLE "receivable"
  ADD COLUMN "attention_step" VARCHAR(200),
  ADD COLUMN "attention_reason" VARCHAR(1000),
  ADD COLUMN "attention_since" TIMESTAMPTZ(6),
  ADD CONSTRAINT "receivable_attention_whole" CHECK (("attention_step" IS NULL) = ("attention_reason" IS NULL) AND ("attention_step" IS NULL) = ("attention_since" IS NULL));

-- Operators list what waits for them: few rows, so partial indexes.
CREATE INDEX "financing_attention_since_idx" ON "financing" ("attention_since") WHERE "attention_step" IS NOT NULL;
CREATE INDEX "receivable_attention_since_idx" ON "receivable" ("attention_since") WHERE "attention_step" IS NOT NULL;
