-- Receivables (应收账款), their invoices, the double-financing registry, the state history,
-- in-app notifications, and generated documents.
--
-- The registry's rule "one invoice, one active registration" (一笔资产同期只有一笔挂牌) is a
-- partial unique index, so two concurrent registrations of the same invoice cannot both
-- commit whatever the application does. Registration history is append-only.

CREATE TYPE "receivable_status" AS ENUM (
    'REGISTERED', 'CONFIRMED', 'REJECTED', 'EXPIRED', 'CANCELLED',
    'FINANCING_PENDING', 'FINANCED', 'SETTLED'
);
CREATE TYPE "document_kind" AS ENUM (
    'REGISTRATION_CERTIFICATE', 'CONFIRMATION_LETTER',
    'NOTICE_OF_ASSIGNMENT', 'ASSIGNMENT_ACKNOWLEDGEMENT', 'FINANCING_TERMS', 'SETTLEMENT_STATEMENT'
);

-- Registration numbers are unique and increase; a rolled-back registration leaves a gap.
CREATE SEQUENCE "receivable_registration_seq" AS BIGINT START 1;

CREATE TABLE "receivable" (
    "id"                     UUID           NOT NULL DEFAULT gen_random_uuid(),
    "registration_number"    VARCHAR(32)    NOT NULL,
    "supplier_party_id"      UUID           NOT NULL,
    "obligor_party_id"       UUID           NOT NULL,
    "contract_number"        VARCHAR(64)    NOT NULL,
    "currency"               CHAR(3)        NOT NULL,
    "face_amount"            NUMERIC(24,4)  NOT NULL,
    "confirmed_amount"       NUMERIC(24,4),
    "due_date"               DATE           NOT NULL,
    "status"                 "receivable_status" NOT NULL DEFAULT 'REGISTERED',
    "document_hashes"        CHAR(64)[]     NOT NULL DEFAULT '{}',
    "idempotency_key"        VARCHAR(200)   NOT NULL,
    "request_hash"           CHAR(64)       NOT NULL,
    "registered_by_user_id"  UUID           NOT NULL,
    "registered_at"          TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmation_deadline"  TIMESTAMPTZ(6) NOT NULL,
    "confirmed_at"           TIMESTAMPTZ(6),
    "confirmed_by_user_id"   UUID,
    "closed_reason"          VARCHAR(500),
    "updated_at"             TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "receivable_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "receivable_supplier_party_id_fkey" FOREIGN KEY ("supplier_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_obligor_party_id_fkey" FOREIGN KEY ("obligor_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_currency_fkey" FOREIGN KEY ("currency") REFERENCES "ledger_currency"("code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_registered_by_user_id_fkey" FOREIGN KEY ("registered_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_confirmed_by_user_id_fkey" FOREIGN KEY ("confirmed_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_not_self_obligor" CHECK ("supplier_party_id" <> "obligor_party_id"),
    CONSTRAINT "receivable_face_amount_positive" CHECK ("face_amount" > 0),
    -- Dilution only lowers the amount: a core enterprise cannot confirm more than the face.
    CONSTRAINT "receivable_confirmed_amount_range" CHECK ("confirmed_amount" IS NULL OR ("confirmed_amount" > 0 AND "confirmed_amount" <= "face_amount")),
    CONSTRAINT "receivable_confirmation_recorded" CHECK (
        ("status" IN ('REGISTERED', 'REJECTED', 'EXPIRED') AND "confirmed_amount" IS NULL)
        OR ("status" IN ('CONFIRMED', 'FINANCING_PENDING', 'FINANCED', 'SETTLED') AND "confirmed_amount" IS NOT NULL AND "confirmed_at" IS NOT NULL)
        OR "status" = 'CANCELLED'
    )
);
CREATE UNIQUE INDEX "receivable_registration_number_key" ON "receivable"("registration_number");
-- A repeated request from the same supplier finds its first result.
CREATE UNIQUE INDEX "receivable_supplier_party_id_idempotency_key_key" ON "receivable"("supplier_party_id", "idempotency_key");
CREATE INDEX "receivable_obligor_party_id_status_idx" ON "receivable"("obligor_party_id", "status");
CREATE INDEX "receivable_supplier_party_id_status_idx" ON "receivable"("supplier_party_id", "status");
CREATE INDEX "receivable_due_date_idx" ON "receivable"("due_date");

CREATE TABLE "receivable_invoice" (
    "id"             UUID           NOT NULL DEFAULT gen_random_uuid(),
    "receivable_id"  UUID           NOT NULL,
    "line_number"    INTEGER        NOT NULL,
    "invoice_code"   VARCHAR(20)    NOT NULL,
    "invoice_number" VARCHAR(20)    NOT NULL,
    "amount"         NUMERIC(24,4)  NOT NULL,
    "issue_date"     DATE           NOT NULL,
    "fingerprint"    CHAR(64)       NOT NULL,
    CONSTRAINT "receivable_invoice_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "receivable_invoice_receivable_id_fkey" FOREIGN KEY ("receivable_id") REFERENCES "receivable"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_invoice_amount_positive" CHECK ("amount" > 0),
    CONSTRAINT "receivable_invoice_fingerprint_shape" CHECK ("fingerprint" ~ '^[0-9a-f]{64}$')
);
-- The same invoice twice in one registration is refused here too.
CREATE UNIQUE INDEX "receivable_invoice_receivable_id_fingerprint_key" ON "receivable_invoice"("receivable_id", "fingerprint");
CREATE UNIQUE INDEX "receivable_invoice_receivable_id_line_number_key" ON "receivable_invoice"("receivable_id", "line_number");

-- The registry: one row per invoice per registration. While released_at is NULL the
-- invoice is encumbered by that registration.
CREATE TABLE "registry_entry" (
    "id"                  UUID           NOT NULL DEFAULT gen_random_uuid(),
    "fingerprint"         CHAR(64)       NOT NULL,
    "receivable_id"       UUID           NOT NULL,
    "registration_number" VARCHAR(32)    NOT NULL,
    "encumbered_since"    TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at"         TIMESTAMPTZ(6),
    CONSTRAINT "registry_entry_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "registry_entry_receivable_id_fkey" FOREIGN KEY ("receivable_id") REFERENCES "receivable"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "registry_entry_released_after_encumbered" CHECK ("released_at" IS NULL OR "released_at" >= "encumbered_since")
);
-- The double-financing guard: at most one active registration per invoice fingerprint.
CREATE UNIQUE INDEX "registry_entry_active_fingerprint_key" ON "registry_entry"("fingerprint") WHERE "released_at" IS NULL;
CREATE INDEX "registry_entry_fingerprint_idx" ON "registry_entry"("fingerprint");
CREATE INDEX "registry_entry_receivable_id_idx" ON "registry_entry"("receivable_id");

-- Every change of state, with who, when and why. Never updated or deleted.
CREATE TABLE "receivable_transition" (
    "id"             BIGSERIAL      NOT NULL,
    "receivable_id"  UUID           NOT NULL,
    "from_status"    "receivable_status",
    "to_status"      "receivable_status" NOT NULL,
    "actor_user_id"  UUID,
    "actor_party_id" UUID,
    "reason"         VARCHAR(500),
    -- The decision's key (workflow id + update id): a retried activity finds its own
    -- transition instead of failing on the state it already moved to.
    "idempotency_key" VARCHAR(200),
    "occurred_at"    TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "receivable_transition_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "receivable_transition_receivable_id_fkey" FOREIGN KEY ("receivable_id") REFERENCES "receivable"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_transition_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "receivable_transition_actor_party_id_fkey" FOREIGN KEY ("actor_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "receivable_transition_receivable_id_id_idx" ON "receivable_transition"("receivable_id", "id");
CREATE UNIQUE INDEX "receivable_transition_idempotency_key_key" ON "receivable_transition"("idempotency_key");

CREATE FUNCTION "receivable_transition_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'receivable history is append-only: % on receivable_transition is not allowed', TG_OP
        USING ERRCODE = 'RC001';
END;
$$;
CREATE TRIGGER "receivable_transition_no_update_delete" BEFORE UPDATE OR DELETE ON "receivable_transition"
    FOR EACH ROW EXECUTE FUNCTION "receivable_transition_immutable"();
CREATE TRIGGER "receivable_transition_no_truncate" BEFORE TRUNCATE ON "receivable_transition"
    FOR EACH STATEMENT EXECUTE FUNCTION "receivable_transition_immutable"();

-- In-app notifications (the party's inbox). `dedupe_key` makes sending idempotent: a
-- retried activity does not notify twice.
CREATE TABLE "notification" (
    "id"             UUID           NOT NULL DEFAULT gen_random_uuid(),
    "party_id"       UUID           NOT NULL,
    "kind"           VARCHAR(64)    NOT NULL,
    "subject"        VARCHAR(200)   NOT NULL,
    "body"           VARCHAR(2000)  NOT NULL,
    "receivable_id"  UUID,
    "dedupe_key"     VARCHAR(200)   NOT NULL,
    "created_at"     TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "read_at"        TIMESTAMPTZ(6),
    CONSTRAINT "notification_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notification_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "notification_receivable_id_fkey" FOREIGN KEY ("receivable_id") REFERENCES "receivable"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "notification_dedupe_key_key" ON "notification"("dedupe_key");
CREATE INDEX "notification_party_id_created_at_idx" ON "notification"("party_id", "created_at");

-- Generated documents, stored with their SHA-256. One document of each kind per subject,
-- so regenerating (a retried activity) cannot create a second, different copy.
CREATE TABLE "document" (
    "id"             UUID           NOT NULL DEFAULT gen_random_uuid(),
    "kind"           "document_kind" NOT NULL,
    "receivable_id"  UUID,
    "file_name"      VARCHAR(200)   NOT NULL,
    "content_type"   VARCHAR(100)   NOT NULL,
    "sha256"         CHAR(64)       NOT NULL,
    "size_bytes"     INTEGER        NOT NULL,
    "content"        BYTEA          NOT NULL,
    "created_at"     TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "document_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "document_receivable_id_fkey" FOREIGN KEY ("receivable_id") REFERENCES "receivable"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "document_sha256_shape" CHECK ("sha256" ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "document_size_matches" CHECK ("size_bytes" = octet_length("content"))
);
CREATE UNIQUE INDEX "document_receivable_id_kind_key" ON "document"("receivable_id", "kind");

CREATE FUNCTION "document_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'documents are immutable: % on document is not allowed', TG_OP USING ERRCODE = 'RC002';
END;
$$;
CREATE TRIGGER "document_no_update" BEFORE UPDATE ON "document" FOR EACH ROW EXECUTE FUNCTION "document_immutable"();
