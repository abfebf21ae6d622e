-- The bank simulator's own books (bank/simulator/bank-simulator.ts, docs/bank-simulator.md).
--
-- It plays the outside bank, so its state lives apart from the product's: in its own schema,
-- which the product's code never reads and schema.prisma never models (the drift test only
-- inspects "public"). A real deployment simply never writes to these tables.
--
-- What a bank guarantees, and the simulator must too, is held here rather than in code, so
-- that concurrent callers cannot break it:
--   * one payout per (account, payout reference): a UNIQUE constraint that every submission
--     goes through with INSERT ... ON CONFLICT DO NOTHING, however many arrive at once;
--   * a payout is booked (debited) once and returned (credited back) once: UNIQUE
--     (payout_id, kind) on the booking lines;
--   * a payout only moves forward, PENDING -> SETTLED | FAILED, SETTLED -> RETURNED, and only
--     its outcome columns change (a trigger);
--   * booked lines and received credits are never updated or deleted (a trigger), so a
--     statement fetched twice for a past date gives the same answer.
--
-- Amounts are NUMERIC(24,4) like the ledger's, positive, with at most two decimals (the most
-- any currency the bank books has; JPY's zero is checked by the simulator's validation).

CREATE SCHEMA "bank_simulator";

CREATE TYPE "bank_simulator"."behaviour" AS ENUM (
    'SUCCEED', 'FAIL', 'TIMEOUT_THEN_SUCCEED', 'TIMEOUT_THEN_FAIL', 'TIMEOUT_NOT_RECEIVED',
    'RETURN_AFTER', 'PENDING_THEN_SUCCEED', 'PENDING_THEN_FAIL'
);
CREATE TYPE "bank_simulator"."payout_status" AS ENUM ('PENDING', 'SETTLED', 'FAILED', 'RETURNED');
CREATE TYPE "bank_simulator"."booking_kind" AS ENUM ('PAYOUT', 'PAYOUT_RETURN', 'INBOUND_CREDIT');
CREATE TYPE "bank_simulator"."direction" AS ENUM ('DEBIT', 'CREDIT');

-- The bank's own references (流水号) for payouts, returns and generated inbound credits; one
-- sequence for all of them, so they never collide with each other.
CREATE SEQUENCE "bank_simulator"."bank_reference_seq" AS BIGINT START 1;

-- ---------------------------------------------------------------------------------------
-- The escrow account (存管户) the platform holds at the bank. Everything below belongs to one
-- account, so two simulators with different account numbers share a database without
-- seeing each other's payouts, credits or statements.

CREATE TABLE "bank_simulator"."account" (
    "account_number"     VARCHAR(32) NOT NULL,
    -- The last inbound-credit sequence given out: the cursor of listInboundCredits. Taking the
    -- next number locks this row until commit, so credits become visible in sequence order and
    -- a reader that stored cursor N can never later find a credit below N committed behind it.
    "inbound_sequence"   BIGINT      NOT NULL DEFAULT 0,
    -- How many of the next adapter calls answer "unavailable" (setUnavailable).
    "unavailable_calls"  INTEGER     NOT NULL DEFAULT 0,
    CONSTRAINT "account_pkey" PRIMARY KEY ("account_number"),
    CONSTRAINT "account_number_shape" CHECK ("account_number" ~ '^[0-9]{8,32}$'),
    CONSTRAINT "account_inbound_sequence_not_negative" CHECK ("inbound_sequence" >= 0),
    CONSTRAINT "account_unavailable_calls_not_negative" CHECK ("unavailable_calls" >= 0)
);

-- The balance carried into the simulator before its first booking, per currency (fundEscrow).
-- Statements derive every other balance from it and the booking lines, so nothing can drift.
CREATE TABLE "bank_simulator"."opening_balance" (
    "account_number" VARCHAR(32)   NOT NULL,
    "currency"       CHAR(3)       NOT NULL,
    "amount"         NUMERIC(24,4) NOT NULL,
    CONSTRAINT "opening_balance_pkey" PRIMARY KEY ("account_number", "currency"),
    CONSTRAINT "opening_balance_account_number_fkey" FOREIGN KEY ("account_number") REFERENCES "bank_simulator"."account"("account_number"),
    CONSTRAINT "opening_balance_currency_shape" CHECK ("currency" ~ '^[A-Z]{3}$'),
    CONSTRAINT "opening_balance_amount_range" CHECK ("amount" >= 0 AND "amount" = trunc("amount", 2))
);

-- ---------------------------------------------------------------------------------------
-- Scripted behaviours: what the bank will do with the next payouts. A script names a payout
-- reference, or a beneficiary account number, or neither (any payout); each is used by
-- `remaining` more payouts, oldest first.

CREATE TABLE "bank_simulator"."script" (
    "id"                          BIGINT GENERATED ALWAYS AS IDENTITY,
    "account_number"              VARCHAR(32)  NOT NULL,
    "payout_reference"            VARCHAR(64),
    "beneficiary_account_number"  VARCHAR(32),
    "behaviour"                   "bank_simulator"."behaviour" NOT NULL,
    "delay_ms"                    BIGINT,
    "reason"                      VARCHAR(200),
    "remaining"                   INTEGER      NOT NULL,
    CONSTRAINT "script_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "script_account_number_fkey" FOREIGN KEY ("account_number") REFERENCES "bank_simulator"."account"("account_number"),
    -- A script aimed at both would leave it unclear which queue it waits in.
    CONSTRAINT "script_one_target" CHECK ("payout_reference" IS NULL OR "beneficiary_account_number" IS NULL),
    CONSTRAINT "script_delay_positive" CHECK ("delay_ms" IS NULL OR "delay_ms" > 0),
    CONSTRAINT "script_remaining_not_negative" CHECK ("remaining" >= 0)
);
CREATE INDEX "script_account_number_remaining_idx" ON "bank_simulator"."script"("account_number", "id") WHERE "remaining" > 0;

-- ---------------------------------------------------------------------------------------
-- Payouts (代付). The outcome is decided when the bank takes the instruction (from the
-- script) and stored as due times; the status catches up with them when the payout is
-- queried or a statement is fetched, with the due time, not the time of asking, as the
-- settlement or return time. No behaviour depends on wall time.

CREATE TABLE "bank_simulator"."payout" (
    "id"                          BIGINT GENERATED ALWAYS AS IDENTITY,
    "account_number"              VARCHAR(32)   NOT NULL,
    "payout_reference"            VARCHAR(64)   NOT NULL,
    "bank_reference"              VARCHAR(64)   NOT NULL DEFAULT 'SIM' || lpad(nextval('"bank_simulator"."bank_reference_seq"')::text, 16, '0'),
    "amount"                      NUMERIC(24,4) NOT NULL,
    "currency"                    CHAR(3)       NOT NULL,
    "beneficiary_account_name"    VARCHAR(100)  NOT NULL,
    "beneficiary_account_number"  VARCHAR(32)   NOT NULL,
    "beneficiary_bank_name"       VARCHAR(100)  NOT NULL,
    "remittance_information"      VARCHAR(140)  NOT NULL,
    "behaviour"                   "bank_simulator"."behaviour" NOT NULL,
    "received_at"                 TIMESTAMPTZ(3) NOT NULL,
    -- Exactly one of settle/fail is planned; a return is planned only after a settlement.
    "settle_due_at"               TIMESTAMPTZ(3),
    "fail_due_at"                 TIMESTAMPTZ(3),
    "return_due_at"               TIMESTAMPTZ(3),
    -- The failure reason, or the return reason; shown only once the payout has failed or
    -- come back.
    "reason"                      VARCHAR(200),
    "status"                      "bank_simulator"."payout_status" NOT NULL DEFAULT 'PENDING',
    "settled_at"                  TIMESTAMPTZ(3),
    "failed_at"                   TIMESTAMPTZ(3),
    "returned_at"                 TIMESTAMPTZ(3),
    CONSTRAINT "payout_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "payout_account_number_fkey" FOREIGN KEY ("account_number") REFERENCES "bank_simulator"."account"("account_number"),
    CONSTRAINT "payout_reference_shape" CHECK ("payout_reference" ~ '^[A-Za-z0-9:_-]{1,64}$'),
    CONSTRAINT "payout_beneficiary_account_number_shape" CHECK ("beneficiary_account_number" ~ '^[0-9]{8,32}$'),
    CONSTRAINT "payout_currency_shape" CHECK ("currency" ~ '^[A-Z]{3}$'),
    CONSTRAINT "payout_amount_positive" CHECK ("amount" > 0 AND "amount" = trunc("amount", 2)),
    CONSTRAINT "payout_one_outcome" CHECK (("settle_due_at" IS NULL) <> ("fail_due_at" IS NULL)),
    CONSTRAINT "payout_return_after_settlement" CHECK ("return_due_at" IS NULL OR "return_due_at" >= "settle_due_at"),
    CONSTRAINT "payout_reason_when_needed" CHECK (("fail_due_at" IS NULL AND "return_due_at" IS NULL) = ("reason" IS NULL)),
    CONSTRAINT "payout_status_shape" CHECK (
        ("status" = 'PENDING'  AND "settled_at" IS NULL     AND "failed_at" IS NULL     AND "returned_at" IS NULL)
     OR ("status" = 'SETTLED'  AND "settled_at" IS NOT NULL AND "failed_at" IS NULL     AND "returned_at" IS NULL)
     OR ("status" = 'FAILED'   AND "settled_at" IS NULL     AND "failed_at" IS NOT NULL AND "returned_at" IS NULL)
     OR ("status" = 'RETURNED' AND "settled_at" IS NOT NULL AND "failed_at" IS NULL     AND "returned_at" IS NOT NULL)
    )
);
-- The bank never executes the same reference twice: the guard against paying twice.
CREATE UNIQUE INDEX "payout_account_number_payout_reference_key" ON "bank_simulator"."payout"("account_number", "payout_reference");
CREATE UNIQUE INDEX "payout_bank_reference_key" ON "bank_simulator"."payout"("bank_reference");
-- Statements catch up every payout with an outcome due; this finds them without a scan.
CREATE INDEX "payout_account_number_open_idx" ON "bank_simulator"."payout"("account_number") WHERE "status" IN ('PENDING', 'SETTLED');

-- A payout may move forward only, and only its outcome columns may change: an UPDATE that
-- rewrote the amount or brought a settled payout back to PENDING would let the simulator
-- pay twice or unpay without anyone noticing.
CREATE FUNCTION "bank_simulator"."payout_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'bank_simulator.payout rows are never deleted' USING ERRCODE = 'BS001';
    END IF;
    IF (NEW."id", NEW."account_number", NEW."payout_reference", NEW."bank_reference", NEW."amount", NEW."currency",
        NEW."beneficiary_account_name", NEW."beneficiary_account_number", NEW."beneficiary_bank_name",
        NEW."remittance_information", NEW."behaviour", NEW."received_at", NEW."settle_due_at", NEW."fail_due_at",
        NEW."return_due_at", NEW."reason")
       IS DISTINCT FROM
       (OLD."id", OLD."account_number", OLD."payout_reference", OLD."bank_reference", OLD."amount", OLD."currency",
        OLD."beneficiary_account_name", OLD."beneficiary_account_number", OLD."beneficiary_bank_name",
        OLD."remittance_information", OLD."behaviour", OLD."received_at", OLD."settle_due_at", OLD."fail_due_at",
        OLD."return_due_at", OLD."reason") THEN
        RAISE EXCEPTION 'payout % may change only its status and outcome times', OLD."payout_reference" USING ERRCODE = 'BS001';
    END IF;
    IF NEW."status" <> OLD."status" AND NOT (
        (OLD."status" = 'PENDING' AND NEW."status" IN ('SETTLED', 'FAILED'))
        OR (OLD."status" = 'SETTLED' AND NEW."status" = 'RETURNED')
    ) THEN
        RAISE EXCEPTION 'payout % cannot go from % to %', OLD."payout_reference", OLD."status", NEW."status" USING ERRCODE = 'BS001';
    END IF;
    IF NEW."status" = OLD."status" AND (NEW."settled_at", NEW."failed_at", NEW."returned_at") IS DISTINCT FROM (OLD."settled_at", OLD."failed_at", OLD."returned_at") THEN
        RAISE EXCEPTION 'payout % outcome times change only with its status', OLD."payout_reference" USING ERRCODE = 'BS001';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER "payout_guard" BEFORE UPDATE OR DELETE ON "bank_simulator"."payout"
    FOR EACH ROW EXECUTE FUNCTION "bank_simulator"."payout_guard"();

-- ---------------------------------------------------------------------------------------
-- Inbound credits (来账): money a payer sent to one of the escrow account's virtual account
-- numbers. The bank does not know which virtual accounts the platform has opened, so any
-- well-formed number is accepted; matching (or parking in suspense) is the platform's job.

CREATE TABLE "bank_simulator"."inbound_credit" (
    "id"                      BIGINT GENERATED ALWAYS AS IDENTITY,
    "account_number"          VARCHAR(32)   NOT NULL,
    "sequence"                BIGINT        NOT NULL,
    "bank_reference"          VARCHAR(64)   NOT NULL DEFAULT 'SIM' || lpad(nextval('"bank_simulator"."bank_reference_seq"')::text, 16, '0'),
    "virtual_account_number"  VARCHAR(32)   NOT NULL,
    "amount"                  NUMERIC(24,4) NOT NULL,
    "currency"                CHAR(3)       NOT NULL,
    "payer_name"              VARCHAR(100)  NOT NULL,
    "payer_account_number"    VARCHAR(32)   NOT NULL,
    "remittance_information"  VARCHAR(140)  NOT NULL,
    "received_at"             TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "inbound_credit_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "inbound_credit_account_number_fkey" FOREIGN KEY ("account_number") REFERENCES "bank_simulator"."account"("account_number"),
    CONSTRAINT "inbound_credit_sequence_positive" CHECK ("sequence" > 0),
    CONSTRAINT "inbound_credit_bank_reference_shape" CHECK ("bank_reference" ~ '^[A-Za-z0-9:_-]{1,64}$'),
    CONSTRAINT "inbound_credit_virtual_account_number_shape" CHECK ("virtual_account_number" ~ '^[0-9]{8,32}$'),
    CONSTRAINT "inbound_credit_payer_account_number_shape" CHECK ("payer_account_number" ~ '^[0-9]{8,32}$'),
    CONSTRAINT "inbound_credit_currency_shape" CHECK ("currency" ~ '^[A-Z]{3}$'),
    CONSTRAINT "inbound_credit_amount_positive" CHECK ("amount" > 0 AND "amount" = trunc("amount", 2))
);
-- The matcher's idempotency key: one credit per bank reference, bank-wide.
CREATE UNIQUE INDEX "inbound_credit_bank_reference_key" ON "bank_simulator"."inbound_credit"("bank_reference");
-- The cursor: pages read by (account, sequence).
CREATE UNIQUE INDEX "inbound_credit_account_number_sequence_key" ON "bank_simulator"."inbound_credit"("account_number", "sequence");

-- ---------------------------------------------------------------------------------------
-- Booking lines (账户流水): every movement of the escrow account's balance, the source of
-- statements. A payout is debited when it settles, credited back when it is returned; an
-- inbound credit is credited when it arrives. Pending and failed payouts move no money.

CREATE TABLE "bank_simulator"."booking_line" (
    -- Ties in booked_at are ordered by id, the order of booking.
    "id"                 BIGINT GENERATED ALWAYS AS IDENTITY,
    "account_number"     VARCHAR(32)   NOT NULL,
    "bank_reference"     VARCHAR(64)   NOT NULL DEFAULT 'SIM' || lpad(nextval('"bank_simulator"."bank_reference_seq"')::text, 16, '0'),
    "kind"               "bank_simulator"."booking_kind" NOT NULL,
    "direction"          "bank_simulator"."direction"    NOT NULL,
    "amount"             NUMERIC(24,4) NOT NULL,
    "currency"           CHAR(3)       NOT NULL,
    -- The payout reference for PAYOUT and PAYOUT_RETURN, the virtual account number for credits.
    "reference"          VARCHAR(64)   NOT NULL,
    "booked_at"          TIMESTAMPTZ(3) NOT NULL,
    "payout_id"          BIGINT,
    "inbound_credit_id"  BIGINT,
    CONSTRAINT "booking_line_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "booking_line_account_number_fkey" FOREIGN KEY ("account_number") REFERENCES "bank_simulator"."account"("account_number"),
    CONSTRAINT "booking_line_payout_id_fkey" FOREIGN KEY ("payout_id") REFERENCES "bank_simulator"."payout"("id"),
    CONSTRAINT "booking_line_inbound_credit_id_fkey" FOREIGN KEY ("inbound_credit_id") REFERENCES "bank_simulator"."inbound_credit"("id"),
    CONSTRAINT "booking_line_currency_shape" CHECK ("currency" ~ '^[A-Z]{3}$'),
    CONSTRAINT "booking_line_amount_positive" CHECK ("amount" > 0 AND "amount" = trunc("amount", 2)),
    CONSTRAINT "booking_line_kind_shape" CHECK (
        ("kind" = 'PAYOUT'         AND "direction" = 'DEBIT'  AND "payout_id" IS NOT NULL AND "inbound_credit_id" IS NULL)
     OR ("kind" = 'PAYOUT_RETURN'  AND "direction" = 'CREDIT' AND "payout_id" IS NOT NULL AND "inbound_credit_id" IS NULL)
     OR ("kind" = 'INBOUND_CREDIT' AND "direction" = 'CREDIT' AND "payout_id" IS NULL     AND "inbound_credit_id" IS NOT NULL)
    )
);
CREATE UNIQUE INDEX "booking_line_bank_reference_key" ON "bank_simulator"."booking_line"("bank_reference");
-- Two callers catching up the same payout at once cannot debit it twice or return it twice.
CREATE UNIQUE INDEX "booking_line_payout_id_kind_key" ON "bank_simulator"."booking_line"("payout_id", "kind") WHERE "payout_id" IS NOT NULL;
CREATE UNIQUE INDEX "booking_line_inbound_credit_id_key" ON "bank_simulator"."booking_line"("inbound_credit_id") WHERE "inbound_credit_id" IS NOT NULL;
CREATE INDEX "booking_line_statement_idx" ON "bank_simulator"."booking_line"("account_number", "currency", "booked_at", "id");

-- A bank's books are append-only: a statement already handed out must not change.
CREATE FUNCTION "bank_simulator"."append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never updated or deleted', TG_TABLE_NAME USING ERRCODE = 'BS001';
END $$;
CREATE TRIGGER "booking_line_append_only" BEFORE UPDATE OR DELETE ON "bank_simulator"."booking_line"
    FOR EACH ROW EXECUTE FUNCTION "bank_simulator"."append_only"();
CREATE TRIGGER "inbound_credit_append_only" BEFORE UPDATE OR DELETE ON "bank_simulator"."inbound_credit"
    FOR EACH ROW EXECUTE FUNCTION "bank_simulator"."append_only"();
