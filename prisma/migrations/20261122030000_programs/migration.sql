-- Financing programs: a funder's product with one core enterprise. Terms are versioned and
-- never changed in place: an amendment adds a version, and a financing keeps the version it
-- was priced with. Limits live in the ledger's memo book (credit-limit accounts).

CREATE TYPE "interest_mode" AS ENUM ('UPFRONT', 'ARREARS');
CREATE TYPE "day_count" AS ENUM ('ACT_360', 'ACT_365');
CREATE TYPE "assignment_mode" AS ENUM ('OPEN', 'SILENT');
CREATE TYPE "waterfall_bucket" AS ENUM ('PENALTY', 'FEES', 'INTEREST', 'PRINCIPAL');

CREATE SEQUENCE "program_code_seq" AS BIGINT START 1;

CREATE TABLE "program" (
    "id"                 UUID           NOT NULL DEFAULT gen_random_uuid(),
    "code"               VARCHAR(32)    NOT NULL,
    "name"               VARCHAR(200)   NOT NULL,
    "funder_party_id"    UUID           NOT NULL,
    "core_party_id"      UUID           NOT NULL,
    "currency"           CHAR(3)        NOT NULL,
    "created_by_user_id" UUID           NOT NULL,
    "created_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "program_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "program_funder_party_id_fkey" FOREIGN KEY ("funder_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_core_party_id_fkey" FOREIGN KEY ("core_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_currency_fkey" FOREIGN KEY ("currency") REFERENCES "ledger_currency"("code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_funder_is_not_core" CHECK ("funder_party_id" <> "core_party_id")
);
CREATE UNIQUE INDEX "program_code_key" ON "program"("code");
CREATE INDEX "program_funder_party_id_idx" ON "program"("funder_party_id");
CREATE INDEX "program_core_party_id_idx" ON "program"("core_party_id");

CREATE TABLE "program_terms" (
    "id"                  UUID           NOT NULL DEFAULT gen_random_uuid(),
    "program_id"          UUID           NOT NULL,
    "version"             INTEGER        NOT NULL,
    "advance_rate"        NUMERIC(7,6)   NOT NULL,
    "annual_rate"         NUMERIC(9,6)   NOT NULL,
    "interest_mode"       "interest_mode" NOT NULL,
    "day_count"           "day_count"    NOT NULL,
    "flat_fee"            NUMERIC(24,4)  NOT NULL,
    "fee_rate"            NUMERIC(9,6)   NOT NULL,
    "tenor_days_max"      INTEGER        NOT NULL,
    "grace_days"          INTEGER        NOT NULL,
    "penalty_rate"        NUMERIC(9,6)   NOT NULL,
    "recourse"            BOOLEAN        NOT NULL,
    "recourse_after_days" INTEGER,
    "assignment_mode"     "assignment_mode" NOT NULL,
    "waterfall"           "waterfall_bucket"[] NOT NULL,
    "program_limit"       NUMERIC(24,4)  NOT NULL,
    "supplier_limit"      NUMERIC(24,4)  NOT NULL,
    "obligor_limit"       NUMERIC(24,4)  NOT NULL,
    "created_by_user_id"  UUID           NOT NULL,
    "created_at"          TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "program_terms_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "program_terms_program_id_fkey" FOREIGN KEY ("program_id") REFERENCES "program"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_terms_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_terms_version_positive" CHECK ("version" > 0),
    CONSTRAINT "program_terms_advance_rate_range" CHECK ("advance_rate" > 0 AND "advance_rate" <= 1),
    CONSTRAINT "program_terms_annual_rate_range" CHECK ("annual_rate" >= 0 AND "annual_rate" <= 1),
    CONSTRAINT "program_terms_fees_range" CHECK ("flat_fee" >= 0 AND "fee_rate" >= 0 AND "fee_rate" < 1),
    CONSTRAINT "program_terms_days_range" CHECK ("tenor_days_max" BETWEEN 1 AND 1830 AND "grace_days" BETWEEN 0 AND 90),
    CONSTRAINT "program_terms_penalty_rate_range" CHECK ("penalty_rate" >= 0 AND "penalty_rate" <= 1),
    CONSTRAINT "program_terms_recourse_days" CHECK (("recourse" AND "recourse_after_days" BETWEEN 1 AND 3650) OR (NOT "recourse" AND "recourse_after_days" IS NULL)),
    CONSTRAINT "program_terms_waterfall_complete" CHECK (cardinality("waterfall") = 4 AND "waterfall" @> ARRAY['PENALTY', 'FEES', 'INTEREST', 'PRINCIPAL']::"waterfall_bucket"[]),
    CONSTRAINT "program_terms_limits_positive" CHECK ("program_limit" > 0 AND "supplier_limit" > 0 AND "obligor_limit" > 0),
    CONSTRAINT "program_terms_supplier_within_program" CHECK ("supplier_limit" <= "program_limit")
);
CREATE UNIQUE INDEX "program_terms_program_id_version_key" ON "program_terms"("program_id", "version");

CREATE FUNCTION "program_terms_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'program terms are versioned, never changed: amend the program instead (% refused)', TG_OP USING ERRCODE = 'PG001';
END;
$$;
CREATE TRIGGER "program_terms_no_update_delete" BEFORE UPDATE OR DELETE ON "program_terms"
    FOR EACH ROW EXECUTE FUNCTION "program_terms_immutable"();

CREATE TABLE "program_enrollment" (
    "program_id"          UUID           NOT NULL,
    "supplier_party_id"   UUID           NOT NULL,
    "enrolled_by_user_id" UUID           NOT NULL,
    "enrolled_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "program_enrollment_pkey" PRIMARY KEY ("program_id", "supplier_party_id"),
    CONSTRAINT "program_enrollment_program_id_fkey" FOREIGN KEY ("program_id") REFERENCES "program"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_enrollment_supplier_party_id_fkey" FOREIGN KEY ("supplier_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "program_enrollment_enrolled_by_user_id_fkey" FOREIGN KEY ("enrolled_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "program_enrollment_supplier_party_id_idx" ON "program_enrollment"("supplier_party_id");
