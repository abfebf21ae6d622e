-- Credit limits (授信额度). Each limit is a CREDIT_LIMIT account in the ledger's memo book
-- that cannot be overdrawn: granting credits it from LIMIT_CONTROL, a reservation is a hold
-- on it, using it posts the hold, releasing it credits it back. This table remembers what
-- was granted, so that changing a limit posts exactly the difference.

CREATE TYPE "credit_limit_kind" AS ENUM ('PROGRAM', 'SUPPLIER', 'OBLIGOR');

CREATE TABLE "credit_limit" (
    "account_id"        UUID           NOT NULL,
    "kind"              "credit_limit_kind" NOT NULL,
    "funder_party_id"   UUID           NOT NULL,
    "program_id"        UUID,
    "supplier_party_id" UUID,
    "obligor_party_id"  UUID,
    "currency"          CHAR(3)        NOT NULL,
    "granted"           NUMERIC(24,4)  NOT NULL,
    "version"           INTEGER        NOT NULL,
    "updated_at"        TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "credit_limit_pkey" PRIMARY KEY ("account_id"),
    CONSTRAINT "credit_limit_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "credit_limit_funder_party_id_fkey" FOREIGN KEY ("funder_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "credit_limit_program_id_fkey" FOREIGN KEY ("program_id") REFERENCES "program"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "credit_limit_supplier_party_id_fkey" FOREIGN KEY ("supplier_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "credit_limit_obligor_party_id_fkey" FOREIGN KEY ("obligor_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "credit_limit_granted_not_negative" CHECK ("granted" >= 0),
    CONSTRAINT "credit_limit_scope" CHECK (
        ("kind" = 'PROGRAM' AND "program_id" IS NOT NULL AND "supplier_party_id" IS NULL AND "obligor_party_id" IS NULL)
        OR ("kind" = 'SUPPLIER' AND "program_id" IS NOT NULL AND "supplier_party_id" IS NOT NULL AND "obligor_party_id" IS NULL)
        OR ("kind" = 'OBLIGOR' AND "program_id" IS NULL AND "supplier_party_id" IS NULL AND "obligor_party_id" IS NOT NULL)
    )
);
CREATE INDEX "credit_limit_program_id_idx" ON "credit_limit"("program_id");
