-- The financing's workflow: who acknowledged the assignment and who approved it (two different
-- people of the funder, enforced here as well as in code), the deadlines the workflow enforces,
-- the financing's collection account (回款专户), and documents and notifications that belong
-- to a financing rather than to a receivable.

ALTER TABLE "financing"
    ADD COLUMN "acknowledgement_deadline"      TIMESTAMPTZ(6),
    ADD COLUMN "approval_deadline"             TIMESTAMPTZ(6),
    ADD COLUMN "acknowledged_by_user_id"       UUID,
    ADD COLUMN "acknowledged_at"               TIMESTAMPTZ(6),
    ADD COLUMN "approved_by_user_id"           UUID,
    ADD COLUMN "approved_at"                   TIMESTAMPTZ(6),
    ADD COLUMN "approval_confirmed_by_user_id" UUID,
    ADD COLUMN "approval_confirmed_at"         TIMESTAMPTZ(6),
    ADD COLUMN "closed_reason"                 VARCHAR(2000),
    ADD COLUMN "collection_account_id"         UUID,
    ADD CONSTRAINT "financing_acknowledged_by_user_id_fkey" FOREIGN KEY ("acknowledged_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    ADD CONSTRAINT "financing_approved_by_user_id_fkey" FOREIGN KEY ("approved_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    ADD CONSTRAINT "financing_approval_confirmed_by_user_id_fkey" FOREIGN KEY ("approval_confirmed_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    ADD CONSTRAINT "financing_collection_account_id_fkey" FOREIGN KEY ("collection_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    -- Four eyes (经办/复核): the user who confirms an approval is never the one who made it.
    ADD CONSTRAINT "financing_four_eyes" CHECK ("approval_confirmed_by_user_id" IS NULL OR "approval_confirmed_by_user_id" <> "approved_by_user_id"),
    -- A confirmation needs an approval before it.
    ADD CONSTRAINT "financing_confirmation_after_approval" CHECK ("approval_confirmed_by_user_id" IS NULL OR "approved_by_user_id" IS NOT NULL);

CREATE UNIQUE INDEX "financing_collection_account_id_key" ON "financing"("collection_account_id");

-- A decision is applied once: an activity retried after a crash finds its transition by key.
ALTER TABLE "financing_transition" ADD COLUMN "idempotency_key" VARCHAR(200);
CREATE UNIQUE INDEX "financing_transition_idempotency_key_key" ON "financing_transition"("idempotency_key");

-- A document belongs to exactly one receivable or one financing.
ALTER TABLE "document"
    ADD COLUMN "financing_id" UUID,
    ADD CONSTRAINT "document_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    ADD CONSTRAINT "document_one_owner" CHECK (num_nonnulls("receivable_id", "financing_id") = 1);
CREATE UNIQUE INDEX "document_financing_id_kind_key" ON "document"("financing_id", "kind");

ALTER TABLE "notification"
    ADD COLUMN "financing_id" UUID,
    ADD CONSTRAINT "notification_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
