-- A program's money settings change with four eyes and the funder's consent (docs/pricing.md, "How
-- programs change"; docs/security.md, "Program changes"): creating a program, amending its terms and
-- enrolling a supplier are proposals by an operator, applied only once an operator CHECKER other than
-- the proposer and the program's funder have both approved, in either order. Until then nothing of
-- the program, its terms or its limits in the ledger changes.

CREATE TYPE "program_change_kind" AS ENUM ('CREATE_PROGRAM', 'AMEND_TERMS', 'ENROLL_SUPPLIER');
CREATE TYPE "program_change_status" AS ENUM ('PROPOSED', 'APPLIED', 'REJECTED');

CREATE TABLE "program_change" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "kind" "program_change_kind" NOT NULL,
  "status" "program_change_status" NOT NULL DEFAULT 'PROPOSED',
  "program_id" UUID,
  "funder_party_id" UUID NOT NULL,
  "core_party_id" UUID NOT NULL,
  "supplier_party_id" UUID,
  "input" JSONB NOT NULL,
  "request_key" VARCHAR(200) NOT NULL,
  "proposed_by_user_id" UUID NOT NULL,
  "proposed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "platform_approved_by_user_id" UUID,
  "platform_approved_at" TIMESTAMPTZ(6),
  "platform_request_key" VARCHAR(200),
  "funder_approved_by_user_id" UUID,
  "funder_approved_at" TIMESTAMPTZ(6),
  "funder_request_key" VARCHAR(200),
  "rejected_by_user_id" UUID,
  "rejected_at" TIMESTAMPTZ(6),
  "rejection_reason" VARCHAR(2000),
  "reject_request_key" VARCHAR(200),
  "applied_at" TIMESTAMPTZ(6),
  "terms_id" UUID,
  CONSTRAINT "program_change_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "program_change_program_id_fkey" FOREIGN KEY ("program_id") REFERENCES "program"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_terms_id_fkey" FOREIGN KEY ("terms_id") REFERENCES "program_terms"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_funder_party_id_fkey" FOREIGN KEY ("funder_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_core_party_id_fkey" FOREIGN KEY ("core_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_supplier_party_id_fkey" FOREIGN KEY ("supplier_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_proposed_by_user_id_fkey" FOREIGN KEY ("proposed_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_platform_approved_by_user_id_fkey" FOREIGN KEY ("platform_approved_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_funder_approved_by_user_id_fkey" FOREIGN KEY ("funder_approved_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "program_change_rejected_by_user_id_fkey" FOREIGN KEY ("rejected_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  -- Whoever proposed a change approves it for neither side, whatever the code does.
  CONSTRAINT "program_change_four_eyes" CHECK (
    ("platform_approved_by_user_id" IS NULL OR "platform_approved_by_user_id" <> "proposed_by_user_id")
    AND ("funder_approved_by_user_id" IS NULL OR "funder_approved_by_user_id" <> "proposed_by_user_id")
    AND ("platform_approved_by_user_id" IS NULL OR "funder_approved_by_user_id" IS NULL OR "platform_approved_by_user_id" <> "funder_approved_by_user_id")
  ),
  -- Applied means both sides approved and the change has its result; rejected means someone said so, with a reason.
  CONSTRAINT "program_change_applied_when_approved" CHECK (
    ("status" = 'APPLIED') = ("applied_at" IS NOT NULL)
    AND ("status" <> 'APPLIED' OR ("platform_approved_at" IS NOT NULL AND "funder_approved_at" IS NOT NULL AND "program_id" IS NOT NULL))
  ),
  CONSTRAINT "program_change_rejected_with_reason" CHECK (("status" = 'REJECTED') = ("rejected_at" IS NOT NULL AND "rejection_reason" IS NOT NULL)),
  CONSTRAINT "program_change_target" CHECK (
    ("kind" = 'CREATE_PROGRAM' OR "program_id" IS NOT NULL)
    AND (("kind" = 'ENROLL_SUPPLIER') = ("supplier_party_id" IS NOT NULL))
  )
);

CREATE UNIQUE INDEX "program_change_request_key_key" ON "program_change"("request_key");
CREATE INDEX "program_change_status_proposed_at_idx" ON "program_change"("status", "proposed_at");
CREATE INDEX "program_change_funder_party_id_proposed_at_idx" ON "program_change"("funder_party_id", "proposed_at");
CREATE INDEX "program_change_program_id_proposed_at_idx" ON "program_change"("program_id", "proposed_at");
