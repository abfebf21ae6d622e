-- Financings: one application against one confirmed receivable under one program, priced
-- with the program's terms version of the moment (kept for the financing's whole life).
-- A receivable has at most one active financing (partial unique index).

CREATE TYPE "financing_status" AS ENUM (
    'PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION', 'APPROVED',
    'REJECTED', 'REFUSED', 'WITHDRAWN', 'EXPIRED'
);

CREATE SEQUENCE "financing_number_seq" AS BIGINT START 1;

CREATE TABLE "financing" (
    "id"                     UUID           NOT NULL DEFAULT gen_random_uuid(),
    "financing_number"       VARCHAR(32)    NOT NULL,
    "receivable_id"          UUID           NOT NULL,
    "program_id"             UUID           NOT NULL,
    "program_terms_id"       UUID           NOT NULL,
    "supplier_party_id"      UUID           NOT NULL,
    "funder_party_id"        UUID           NOT NULL,
    "obligor_party_id"       UUID           NOT NULL,
    "currency"               CHAR(3)        NOT NULL,
    "principal"              NUMERIC(24,4)  NOT NULL,
    "interest"               NUMERIC(24,4)  NOT NULL,
    "fees"                   NUMERIC(24,4)  NOT NULL,
    "net_disbursement"       NUMERIC(24,4)  NOT NULL,
    "repayment_at_maturity"  NUMERIC(24,4)  NOT NULL,
    "effective_annual_rate"  NUMERIC(12,6)  NOT NULL,
    "value_date"             DATE           NOT NULL,
    "due_date"               DATE           NOT NULL,
    "tenor_days"             INTEGER        NOT NULL,
    "status"                 "financing_status" NOT NULL,
    "limit_hold_ids"         UUID[]         NOT NULL,
    "idempotency_key"        VARCHAR(200)   NOT NULL,
    "request_hash"           CHAR(64)       NOT NULL,
    "applied_by_user_id"     UUID           NOT NULL,
    "applied_at"             TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at"             TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "financing_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "financing_receivable_id_fkey" FOREIGN KEY ("receivable_id") REFERENCES "receivable"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_program_id_fkey" FOREIGN KEY ("program_id") REFERENCES "program"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_program_terms_id_fkey" FOREIGN KEY ("program_terms_id") REFERENCES "program_terms"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_supplier_party_id_fkey" FOREIGN KEY ("supplier_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_funder_party_id_fkey" FOREIGN KEY ("funder_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_obligor_party_id_fkey" FOREIGN KEY ("obligor_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_applied_by_user_id_fkey" FOREIGN KEY ("applied_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_figures" CHECK (
        "principal" > 0 AND "interest" >= 0 AND "fees" >= 0 AND "net_disbursement" > 0
        AND "net_disbursement" <= "principal" AND "repayment_at_maturity" >= "principal" AND "tenor_days" > 0
        AND "due_date" > "value_date"
    )
);
CREATE UNIQUE INDEX "financing_financing_number_key" ON "financing"("financing_number");
CREATE UNIQUE INDEX "financing_supplier_party_id_idempotency_key_key" ON "financing"("supplier_party_id", "idempotency_key");
-- One asset, one active deal: a receivable is in at most one financing that is not closed.
CREATE UNIQUE INDEX "financing_one_active_per_receivable" ON "financing"("receivable_id")
    WHERE "status" NOT IN ('REJECTED', 'REFUSED', 'WITHDRAWN', 'EXPIRED');
CREATE INDEX "financing_receivable_id_idx" ON "financing"("receivable_id");
CREATE INDEX "financing_program_id_idx" ON "financing"("program_id");

CREATE TABLE "financing_transition" (
    "id"             BIGSERIAL      NOT NULL,
    "financing_id"   UUID           NOT NULL,
    "from_status"    "financing_status",
    "to_status"      "financing_status" NOT NULL,
    "actor_user_id"  UUID,
    "actor_party_id" UUID,
    "reason"         VARCHAR(500),
    "occurred_at"    TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "financing_transition_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "financing_transition_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_transition_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_transition_actor_party_id_fkey" FOREIGN KEY ("actor_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "financing_transition_financing_id_id_idx" ON "financing_transition"("financing_id", "id");
CREATE TRIGGER "financing_transition_no_update_delete" BEFORE UPDATE OR DELETE ON "financing_transition"
    FOR EACH ROW EXECUTE FUNCTION "receivable_transition_immutable"();
