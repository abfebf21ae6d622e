-- The escrow bank's daily statements and what reconciliation made of each of their lines
-- (docs/reconciliation.md). A statement is stored once per account, currency and day; its lines
-- as the file had them (an entry the file repeated kept and flagged, counted once); and one
-- reconciliation item per line (MATCHED or BANK_ONLY) and per piece of ledger activity the bank
-- never showed (LEDGER_ONLY). Unmatched items roll forward and are retried at each import.

CREATE TYPE "bank_statement_format" AS ENUM ('CAMT053', 'CSV');
CREATE TYPE "statement_line_kind" AS ENUM ('PAYOUT', 'PAYOUT_RETURN', 'INBOUND_CREDIT');
CREATE TYPE "statement_line_direction" AS ENUM ('CREDIT', 'DEBIT');
CREATE TYPE "reconciliation_outcome" AS ENUM ('MATCHED', 'BANK_ONLY', 'LEDGER_ONLY');
CREATE TYPE "reconciliation_status" AS ENUM ('OPEN', 'RESOLVED', 'NEEDS_ATTENTION');
CREATE TYPE "reconciliation_rule" AS ENUM ('BANK_REFERENCE', 'PAYOUT_REFERENCE', 'ACCOUNT_AMOUNT_VALUE_DATE', 'EXPECTED_PAYMENT', 'RETURN_BOOKED');

CREATE TABLE "bank_statement" (
    "id"                  UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_number"      VARCHAR(32)   NOT NULL,
    "currency"            CHAR(3)       NOT NULL,
    "statement_date"      DATE          NOT NULL,
    -- The bank's own id for the statement (camt.053 Stmt/Id) and when it produced it.
    "bank_statement_id"   VARCHAR(140)  NOT NULL,
    "bank_created_at"     TIMESTAMPTZ(6) NOT NULL,
    "format"              "bank_statement_format" NOT NULL,
    -- SHA-256 of the normalised statement (not of the file): the same day in camt.053 and in CSV is the same statement.
    "content_sha256"      CHAR(64)      NOT NULL,
    "opening_balance"     NUMERIC(24,4) NOT NULL,
    "closing_balance"     NUMERIC(24,4) NOT NULL,
    "entry_count"         INTEGER       NOT NULL,
    "duplicate_count"     INTEGER       NOT NULL,
    "imported_by_user_id" UUID,
    "imported_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "bank_statement_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "bank_statement_imported_by_user_id_fkey" FOREIGN KEY ("imported_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "bank_statement_counts" CHECK ("entry_count" >= 0 AND "duplicate_count" >= 0)
);
-- One statement per account, currency and day: importing a day again finds it.
CREATE UNIQUE INDEX "bank_statement_account_number_currency_statement_date_key" ON "bank_statement"("account_number", "currency", "statement_date");

CREATE TABLE "bank_statement_line" (
    "id"                       UUID NOT NULL DEFAULT gen_random_uuid(),
    "statement_id"             UUID          NOT NULL,
    -- 1-based position of the entry in the file.
    "position"                 INTEGER       NOT NULL,
    "bank_reference"           VARCHAR(64)   NOT NULL,
    "kind"                     "statement_line_kind" NOT NULL,
    "direction"                "statement_line_direction" NOT NULL,
    "amount"                   NUMERIC(24,4) NOT NULL,
    "currency"                 CHAR(3)       NOT NULL,
    -- The payout reference for PAYOUT and PAYOUT_RETURN; the virtual account number credited for INBOUND_CREDIT.
    "reference"                VARCHAR(64)   NOT NULL,
    "booking_date"             DATE          NOT NULL,
    "value_date"               DATE          NOT NULL,
    "end_to_end_id"            VARCHAR(140),
    "debtor_name"              VARCHAR(140),
    "debtor_account_number"    VARCHAR(32),
    "creditor_name"            VARCHAR(140),
    "creditor_account_number"  VARCHAR(32),
    "remittance_information"   VARCHAR(140)  NOT NULL,
    -- Set when the file listed the same entry (same bank reference) earlier: kept, flagged, never counted.
    "duplicate_of_id"          UUID,
    CONSTRAINT "bank_statement_line_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "bank_statement_line_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "bank_statement"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "bank_statement_line_duplicate_of_id_fkey" FOREIGN KEY ("duplicate_of_id") REFERENCES "bank_statement_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "bank_statement_line_amount_positive" CHECK ("amount" > 0)
);
CREATE UNIQUE INDEX "bank_statement_line_statement_id_position_key" ON "bank_statement_line"("statement_id", "position");
-- A bank reference names one movement of the account: counted on one statement, once.
CREATE UNIQUE INDEX "bank_statement_line_bank_reference_counted_key" ON "bank_statement_line"("bank_reference") WHERE "duplicate_of_id" IS NULL;

CREATE TABLE "reconciliation_item" (
    "id"                    UUID NOT NULL DEFAULT gen_random_uuid(),
    "outcome"               "reconciliation_outcome" NOT NULL,
    "status"                "reconciliation_status"  NOT NULL,
    "kind"                  "statement_line_kind"    NOT NULL,
    "account_number"        VARCHAR(32)   NOT NULL,
    "currency"              CHAR(3)       NOT NULL,
    "amount"                NUMERIC(24,4) NOT NULL,
    -- The bank's side (MATCHED, BANK_ONLY) or nothing (LEDGER_ONLY).
    "statement_line_id"     UUID,
    -- What the line matched, or the ledger activity the bank never showed.
    "inbound_credit_id"     UUID,
    "payout_id"             UUID,
    "offline_repayment_id"  UUID,
    "rule"                  "reconciliation_rule",
    -- The return a statement line booked (a payout returned after the workflow's watch).
    "booked_transaction_id" UUID,
    "detail"                VARCHAR(500)  NOT NULL,
    "first_statement_date"  DATE          NOT NULL,
    "last_checked_date"     DATE          NOT NULL,
    "escalated_at"          TIMESTAMPTZ(6),
    "resolved_at"           TIMESTAMPTZ(6),
    "created_at"            TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at"            TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "reconciliation_item_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reconciliation_item_statement_line_id_fkey" FOREIGN KEY ("statement_line_id") REFERENCES "bank_statement_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "reconciliation_item_inbound_credit_id_fkey" FOREIGN KEY ("inbound_credit_id") REFERENCES "inbound_credit"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "reconciliation_item_payout_id_fkey" FOREIGN KEY ("payout_id") REFERENCES "payout"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "reconciliation_item_offline_repayment_id_fkey" FOREIGN KEY ("offline_repayment_id") REFERENCES "offline_repayment"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    -- A bank side exactly when the bank showed it; a ledger side exactly when the ledger has it.
    CONSTRAINT "reconciliation_item_sides" CHECK (
        ("outcome" = 'LEDGER_ONLY') = ("statement_line_id" IS NULL)
        AND ("outcome" <> 'MATCHED' OR ("inbound_credit_id" IS NOT NULL OR "payout_id" IS NOT NULL))
        AND ("outcome" <> 'LEDGER_ONLY' OR (("inbound_credit_id" IS NULL) <> ("payout_id" IS NULL)))
    ),
    CONSTRAINT "reconciliation_item_matched_resolved" CHECK ("outcome" <> 'MATCHED' OR "status" = 'RESOLVED'),
    CONSTRAINT "reconciliation_item_resolved_at" CHECK (("status" = 'RESOLVED') = ("resolved_at" IS NOT NULL)),
    CONSTRAINT "reconciliation_item_amount_positive" CHECK ("amount" > 0)
);
-- One item per counted line.
CREATE UNIQUE INDEX "reconciliation_item_statement_line_id_key" ON "reconciliation_item"("statement_line_id");
-- A credit or a payout's debit (or its return) is matched by one line at most: the guard
-- against one ledger booking explaining two bank movements.
CREATE UNIQUE INDEX "reconciliation_item_inbound_credit_matched_key" ON "reconciliation_item"("inbound_credit_id") WHERE "outcome" = 'MATCHED' AND "inbound_credit_id" IS NOT NULL;
CREATE UNIQUE INDEX "reconciliation_item_payout_matched_key" ON "reconciliation_item"("payout_id", "kind") WHERE "outcome" <> 'LEDGER_ONLY' AND "payout_id" IS NOT NULL AND "status" = 'RESOLVED';
-- One ledger-only item per piece of ledger activity.
CREATE UNIQUE INDEX "reconciliation_item_ledger_only_credit_key" ON "reconciliation_item"("inbound_credit_id") WHERE "outcome" = 'LEDGER_ONLY' AND "inbound_credit_id" IS NOT NULL;
CREATE UNIQUE INDEX "reconciliation_item_ledger_only_payout_key" ON "reconciliation_item"("payout_id", "kind") WHERE "outcome" = 'LEDGER_ONLY' AND "payout_id" IS NOT NULL;
-- The roll-forward reads the unresolved items of one account and currency.
CREATE INDEX "reconciliation_item_open_idx" ON "reconciliation_item"("account_number", "currency", "first_statement_date") WHERE "status" <> 'RESOLVED';
CREATE INDEX "reconciliation_item_status_outcome_idx" ON "reconciliation_item"("status", "outcome", "created_at");
