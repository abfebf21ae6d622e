-- Which financing a receivable's change of state came from (docs/security.md, "Silent
-- assignment"): the history a core enterprise reads of a receivable it owes leaves out the rows
-- of a silent financing, exactly as if there had been none.

ALTER TABLE "receivable_transition"
  ADD COLUMN "financing_id" UUID,
  ADD CONSTRAINT "receivable_transition_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE INDEX "receivable_transition_financing_id_idx" ON "receivable_transition"("financing_id");

-- The rows written before named their financing in their reason ("financing FIN-… applied for").
UPDATE "receivable_transition" t
   SET "financing_id" = f."id"
  FROM "financing" f
 WHERE t."financing_id" IS NULL
   AND f."receivable_id" = t."receivable_id"
   AND t."reason" LIKE 'financing ' || f."financing_number" || ' %';
