-- A bank line the matcher could not book where it was addressed is an exception: the money is
-- parked in suspense (长款挂账) with the bank line kept beside it, the poller moves on to the
-- next credit, and an operator sees it and decides. One row per bank line, whether the ledger
-- could hold the money or not. An operator (the maker) proposes to apply the money to a named
-- virtual account; another operator (the checker) approves, which posts it there, or rejects.

CREATE TYPE "inbound_exception_reason" AS ENUM (
    -- No virtual account has the number.
    'UNKNOWN_ACCOUNT',
    -- A virtual account has the number, in another currency.
    'CURRENCY_MISMATCH',
    -- The platform had no accounts in the currency: they were opened, and the money parked in their suspense.
    'NO_ACCOUNTS_IN_CURRENCY',
    -- The ledger cannot hold the currency, or the amount as the bank wrote it: nothing is booked.
    'NOT_BOOKABLE',
    -- The account the number belongs to is closed.
    'ACCOUNT_CLOSED',
    -- The collection account of a financing that ended without disbursement: for a refund to the payer.
    'FINANCING_ENDED',
    -- The collection account of a settled financing: unapplied cash, to refund or apply.
    'FINANCING_SETTLED',
    -- The ledger refused the booking for another reason (the detail says which).
    'LEDGER_REFUSED'
);

-- OPEN → PROPOSED (a maker named where the money goes) → RESOLVED (a checker approved and it
-- was posted); a rejected proposal goes back to OPEN.
CREATE TYPE "inbound_exception_status" AS ENUM ('OPEN', 'PROPOSED', 'RESOLVED');

CREATE TABLE "inbound_exception" (
    "id"                     UUID           NOT NULL DEFAULT gen_random_uuid(),
    "bank_reference"         VARCHAR(64)    NOT NULL,
    "reason"                 "inbound_exception_reason" NOT NULL,
    "detail"                 VARCHAR(500)   NOT NULL,
    -- The bank line as the bank reported it: the amount and currency as it wrote them, since
    -- a line the ledger cannot hold may not be a valid amount in a currency the ledger knows.
    "virtual_account_number" VARCHAR(64)    NOT NULL,
    "amount"                 VARCHAR(64)    NOT NULL,
    "currency"               VARCHAR(8)     NOT NULL,
    "payer_name"             VARCHAR(200)   NOT NULL,
    "payer_account_number"   VARCHAR(32)    NOT NULL,
    "remittance_information" VARCHAR(200)   NOT NULL,
    "received_at"            TIMESTAMPTZ(6) NOT NULL,
    -- The booking into suspense; null only when the ledger could not hold the money (NOT_BOOKABLE).
    "inbound_credit_id"      UUID,
    -- The financing whose collection account the number belongs to, if any.
    "financing_id"           UUID,
    "status"                 "inbound_exception_status" NOT NULL DEFAULT 'OPEN',
    "created_at"             TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- The proposal: the account the money is to go to, by whom, why.
    "apply_to_account_id"    UUID,
    "proposal_note"          VARCHAR(500),
    "maker_user_id"          UUID,
    "proposed_at"            TIMESTAMPTZ(6),
    -- The decision on it, and the posting out of suspense once approved.
    "checker_user_id"        UUID,
    "resolution_transaction_id" UUID,
    "resolved_at"            TIMESTAMPTZ(6),
    CONSTRAINT "inbound_exception_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "inbound_exception_inbound_credit_id_fkey" FOREIGN KEY ("inbound_credit_id") REFERENCES "inbound_credit"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_exception_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_exception_apply_to_account_id_fkey" FOREIGN KEY ("apply_to_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_exception_maker_user_id_fkey" FOREIGN KEY ("maker_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "inbound_exception_checker_user_id_fkey" FOREIGN KEY ("checker_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    -- Money the ledger can hold is in suspense; only a line it cannot hold has no booking.
    CONSTRAINT "inbound_exception_booked" CHECK (("inbound_credit_id" IS NULL) = ("reason" = 'NOT_BOOKABLE')),
    -- A proposal names an account, a maker and a time; only a booked line can have one.
    CONSTRAINT "inbound_exception_proposal_whole" CHECK (
        ("status" = 'OPEN') = ("apply_to_account_id" IS NULL)
        AND ("apply_to_account_id" IS NULL) = ("maker_user_id" IS NULL)
        AND ("apply_to_account_id" IS NULL) = ("proposed_at" IS NULL)
        AND ("apply_to_account_id" IS NULL OR "inbound_credit_id" IS NOT NULL)),
    -- Resolved means checked by a second person and posted.
    CONSTRAINT "inbound_exception_resolved" CHECK (
        ("status" = 'RESOLVED') = ("resolved_at" IS NOT NULL)
        AND ("status" = 'RESOLVED') = ("checker_user_id" IS NOT NULL)
        AND ("status" = 'RESOLVED') = ("resolution_transaction_id" IS NOT NULL)),
    CONSTRAINT "inbound_exception_four_eyes" CHECK ("checker_user_id" IS NULL OR "checker_user_id" <> "maker_user_id")
);
CREATE UNIQUE INDEX "inbound_exception_bank_reference_key" ON "inbound_exception"("bank_reference");
CREATE UNIQUE INDEX "inbound_exception_inbound_credit_id_key" ON "inbound_exception"("inbound_credit_id");
CREATE INDEX "inbound_exception_status_created_at_idx" ON "inbound_exception"("status", "created_at");
