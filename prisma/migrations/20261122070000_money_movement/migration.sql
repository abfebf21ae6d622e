-- Money movement: disbursement through the bank, repayment through the waterfall, penalty
-- interest and recourse. The financing row keeps what is owed per bucket and what was repaid,
-- updated in the same transaction as the ledger postings that move the money; payouts, inbound
-- credits and allocations are their own append-mostly tables, so every yuan can be traced to
-- a bank reference and a ledger transaction.

-- New values are only added here, never used in this migration (PostgreSQL requires that).
ALTER TYPE "financing_status" ADD VALUE 'FUNDING_PENDING';
ALTER TYPE "financing_status" ADD VALUE 'DISBURSING';
ALTER TYPE "financing_status" ADD VALUE 'PAYOUT_FAILED';
ALTER TYPE "financing_status" ADD VALUE 'DISBURSED';
ALTER TYPE "financing_status" ADD VALUE 'OVERDUE';
ALTER TYPE "financing_status" ADD VALUE 'SETTLED';

ALTER TABLE "financing"
    ADD COLUMN "funding_deadline"             TIMESTAMPTZ(6),
    ADD COLUMN "funding_hold_id"              UUID,
    ADD COLUMN "disbursed_at"                 TIMESTAMPTZ(6),
    ADD COLUMN "disbursement_transaction_id"  UUID,
    -- What is still owed, per waterfall bucket (set at disbursement).
    ADD COLUMN "principal_outstanding"        NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "interest_outstanding"         NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "fees_outstanding"             NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "penalty_outstanding"          NUMERIC(24,4) NOT NULL DEFAULT 0,
    -- Penalty interest charged so far, and the last business date it was charged for.
    ADD COLUMN "penalty_accrued"              NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "penalty_accrued_through"      DATE,
    -- What was repaid, per bucket, and what went back to the supplier.
    ADD COLUMN "repaid_principal"             NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "repaid_interest"              NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "repaid_fees"                  NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "repaid_penalty"               NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "surplus_returned"             NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "recourse_claimed"             NUMERIC(24,4) NOT NULL DEFAULT 0,
    ADD COLUMN "overdue_since"                DATE,
    ADD COLUMN "settled_at"                   TIMESTAMPTZ(6),
    ADD COLUMN "penalty_account_id"           UUID,
    ADD CONSTRAINT "financing_penalty_account_id_fkey" FOREIGN KEY ("penalty_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    ADD CONSTRAINT "financing_buckets_not_negative" CHECK (
        "principal_outstanding" >= 0 AND "interest_outstanding" >= 0 AND "fees_outstanding" >= 0 AND "penalty_outstanding" >= 0
        AND "penalty_accrued" >= 0 AND "repaid_principal" >= 0 AND "repaid_interest" >= 0 AND "repaid_fees" >= 0
        AND "repaid_penalty" >= 0 AND "surplus_returned" >= 0 AND "recourse_claimed" >= 0
    ),
    -- Never more principal repaid than financed.
    ADD CONSTRAINT "financing_principal_bounded" CHECK ("repaid_principal" + "principal_outstanding" <= "principal");
CREATE UNIQUE INDEX "financing_penalty_account_id_key" ON "financing"("penalty_account_id");
CREATE INDEX "financing_due_date_idx" ON "financing"("due_date");

-- Ledger transactions of one financing (metadata.financingId), for its statement.
CREATE INDEX "ledger_transaction_financing_idx" ON "ledger_transaction" (("metadata"->>'financingId')) WHERE "metadata" ? 'financingId';

-- Where a party's payouts go: one active account per party; a change retires the old one.
CREATE TABLE "party_bank_account" (
    "id"                 UUID           NOT NULL DEFAULT gen_random_uuid(),
    "party_id"           UUID           NOT NULL,
    "account_name"       VARCHAR(200)   NOT NULL,
    "account_number"     VARCHAR(32)    NOT NULL,
    "bank_name"          VARCHAR(200)   NOT NULL,
    "created_by_user_id" UUID           NOT NULL,
    "created_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at"         TIMESTAMPTZ(6),
    CONSTRAINT "party_bank_account_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "party_bank_account_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "party_bank_account_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "party_bank_account_number_shape" CHECK ("account_number" ~ '^[0-9]{8,32}$')
);
CREATE UNIQUE INDEX "party_bank_account_one_active" ON "party_bank_account"("party_id") WHERE "retired_at" IS NULL;
CREATE INDEX "party_bank_account_party_id_idx" ON "party_bank_account"("party_id");

CREATE TYPE "payout_status" AS ENUM ('SUBMITTED', 'PENDING', 'UNKNOWN', 'SETTLED', 'FAILED', 'RETURNED');

-- One attempt to pay a financing's proceeds to the supplier's bank. The reference is sent to
-- the bank and reused verbatim on every retry of the same attempt; a new attempt (after a
-- definitive failure or a return, decided by a person) gets a new reference.
CREATE TABLE "payout" (
    "id"                         UUID           NOT NULL DEFAULT gen_random_uuid(),
    "financing_id"               UUID           NOT NULL,
    "attempt"                    INTEGER        NOT NULL,
    "payout_reference"           VARCHAR(64)    NOT NULL,
    "amount"                     NUMERIC(24,4)  NOT NULL,
    "currency"                   CHAR(3)        NOT NULL,
    "beneficiary_name"           VARCHAR(200)   NOT NULL,
    "beneficiary_account_number" VARCHAR(32)    NOT NULL,
    "beneficiary_bank"           VARCHAR(200)   NOT NULL,
    "status"                     "payout_status" NOT NULL,
    "bank_reference"             VARCHAR(64),
    "failure_reason"             VARCHAR(500),
    "in_transit_transaction_id"  UUID           NOT NULL,
    "settled_transaction_id"     UUID,
    "reversal_transaction_id"    UUID,
    "requested_by_user_id"       UUID,
    -- The person's retry that opened this attempt: a retried request finds its attempt.
    "request_key"                VARCHAR(200),
    "created_at"                 TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at"                 TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settled_at"                 TIMESTAMPTZ(6),
    "failed_at"                  TIMESTAMPTZ(6),
    "returned_at"                TIMESTAMPTZ(6),
    CONSTRAINT "payout_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "payout_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "payout_requested_by_user_id_fkey" FOREIGN KEY ("requested_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "payout_amount_positive" CHECK ("amount" > 0)
);
CREATE UNIQUE INDEX "payout_payout_reference_key" ON "payout"("payout_reference");
CREATE UNIQUE INDEX "payout_financing_id_attempt_key" ON "payout"("financing_id", "attempt");
CREATE UNIQUE INDEX "payout_request_key_key" ON "payout"("request_key");
-- At most one attempt of a financing is live (not failed or returned) at a time: no two payouts in flight.
CREATE UNIQUE INDEX "payout_one_live_per_financing" ON "payout"("financing_id") WHERE "status" IN ('SUBMITTED', 'PENDING', 'UNKNOWN', 'SETTLED');

CREATE TYPE "inbound_outcome" AS ENUM ('MATCHED', 'SUSPENSE');

-- Money the bank reports received at the escrow account, matched by virtual account number.
CREATE TABLE "inbound_credit" (
    "id"                     UUID           NOT NULL DEFAULT gen_random_uuid(),
    "bank_reference"         VARCHAR(64)    NOT NULL,
    "virtual_account_number" VARCHAR(32)    NOT NULL,
    "amount"                 NUMERIC(24,4)  NOT NULL,
    "currency"               CHAR(3)        NOT NULL,
    "payer_name"             VARCHAR(200)   NOT NULL,
    "payer_account_number"   VARCHAR(32)    NOT NULL,
    "remittance_information" VARCHAR(200)   NOT NULL,
    "received_at"            TIMESTAMPTZ(6) NOT NULL,
    "outcome"                "inbound_outcome" NOT NULL,
    "account_id"             UUID           NOT NULL,
    "financing_id"           UUID,
    "transaction_id"         UUID           NOT NULL,
    "recorded_by_user_id"    UUID,
    "approved_by_user_id"    UUID,
    "created_at"             TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "inbound_credit_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "inbound_credit_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_credit_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_credit_recorded_by_user_id_fkey" FOREIGN KEY ("recorded_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_credit_approved_by_user_id_fkey" FOREIGN KEY ("approved_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_credit_amount_positive" CHECK ("amount" > 0),
    CONSTRAINT "inbound_credit_four_eyes" CHECK ("approved_by_user_id" IS NULL OR "approved_by_user_id" <> "recorded_by_user_id")
);
CREATE UNIQUE INDEX "inbound_credit_bank_reference_key" ON "inbound_credit"("bank_reference");
CREATE INDEX "inbound_credit_financing_id_idx" ON "inbound_credit"("financing_id");

-- Where the inbound poller has read the bank up to.
CREATE TABLE "bank_cursor" (
    "name"       VARCHAR(64)    NOT NULL,
    "cursor"     VARCHAR(200),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "bank_cursor_pkey" PRIMARY KEY ("name")
);

CREATE TYPE "allocation_source" AS ENUM ('REPAYMENT', 'RECOURSE');

-- One run of the waterfall over what a financing's collection account held: how much went to
-- each bucket, what was left owing, and what went back to the supplier.
CREATE TABLE "repayment_allocation" (
    "id"                    UUID           NOT NULL DEFAULT gen_random_uuid(),
    "financing_id"          UUID           NOT NULL,
    "idempotency_key"       VARCHAR(200)   NOT NULL,
    "source"                "allocation_source" NOT NULL,
    "collected"             NUMERIC(24,4)  NOT NULL,
    "penalty"               NUMERIC(24,4)  NOT NULL,
    "fees"                  NUMERIC(24,4)  NOT NULL,
    "interest"              NUMERIC(24,4)  NOT NULL,
    "principal"             NUMERIC(24,4)  NOT NULL,
    "surplus"               NUMERIC(24,4)  NOT NULL,
    "outstanding_after"     NUMERIC(24,4)  NOT NULL,
    "transaction_id"        UUID           NOT NULL,
    "allocated_at"          TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "repayment_allocation_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "repayment_allocation_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "repayment_allocation_adds_up" CHECK ("collected" = "penalty" + "fees" + "interest" + "principal" + "surplus" AND "collected" > 0)
);
CREATE UNIQUE INDEX "repayment_allocation_idempotency_key_key" ON "repayment_allocation"("idempotency_key");
CREATE INDEX "repayment_allocation_financing_id_idx" ON "repayment_allocation"("financing_id");

-- An operator's record of money received outside the bank feed (maker), posted only once
-- another operator approves it (checker).
CREATE TYPE "offline_repayment_status" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');
CREATE TABLE "offline_repayment" (
    "id"               UUID           NOT NULL DEFAULT gen_random_uuid(),
    "financing_id"     UUID           NOT NULL,
    "amount"           NUMERIC(24,4)  NOT NULL,
    "currency"         CHAR(3)        NOT NULL,
    "bank_reference"   VARCHAR(64)    NOT NULL,
    "note"             VARCHAR(500)   NOT NULL,
    "status"           "offline_repayment_status" NOT NULL DEFAULT 'PENDING',
    "maker_user_id"    UUID           NOT NULL,
    "checker_user_id"  UUID,
    "created_at"       TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at"       TIMESTAMPTZ(6),
    CONSTRAINT "offline_repayment_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "offline_repayment_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "offline_repayment_maker_user_id_fkey" FOREIGN KEY ("maker_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "offline_repayment_checker_user_id_fkey" FOREIGN KEY ("checker_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "offline_repayment_amount_positive" CHECK ("amount" > 0),
    CONSTRAINT "offline_repayment_four_eyes" CHECK ("checker_user_id" IS NULL OR "checker_user_id" <> "maker_user_id")
);
CREATE UNIQUE INDEX "offline_repayment_bank_reference_key" ON "offline_repayment"("bank_reference");
CREATE INDEX "offline_repayment_financing_id_idx" ON "offline_repayment"("financing_id");
