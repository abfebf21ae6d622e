-- The accounting day and its cut-off (日切); docs/ledger.md, "Accounting days and cut-off".
--
-- Accounting day D holds the postings effective in [opens_at, cut_off_at): the previous day's
-- cut-off (none for the first day ever closed: everything before) up to its own, exclusive, so a
-- posting exactly at a cut-off instant is the next day's. Closing a day stores, in the same
-- database transaction, every account's day-end balances and the day's trial balance per
-- currency and book; from then on no posting may be effective in it (LG015 below), so the
-- stored figures stay true without being recomputed. A closed day is corrected by reversing
-- entries dated in an open day (红字冲正).
--
-- Posting and closing meet on one advisory lock (ledger_cut_off_lock_key()): every posting
-- takes it shared (the trigger below) and holds it to its commit; the cut-off takes it
-- exclusively before it reads anything. So the cut-off waits for the postings already made to
-- commit and sees them all, and a posting that comes after waits for the cut-off and then sees
-- the day closed. (Both read at READ COMMITTED, where each statement sees what committed
-- before it began; the store's transactions run at that level.)

CREATE TYPE "accounting_day_status" AS ENUM ('OPEN', 'CLOSED');

CREATE TABLE "accounting_day" (
    "business_date" DATE NOT NULL,
    "status" "accounting_day_status" NOT NULL DEFAULT 'OPEN',
    -- The previous day's cut-off; NULL for the first day the ledger closed (it holds everything before).
    "opens_at" TIMESTAMPTZ(6),
    "cut_off_at" TIMESTAMPTZ(6) NOT NULL,
    -- The zone and wall-clock time the cut-off was computed with, as configured then.
    "cut_off_zone" VARCHAR(64) NOT NULL,
    "cut_off_time" CHAR(5) NOT NULL,
    "closed_at" TIMESTAMPTZ(6),
    -- The cut-off workflow that closed it.
    "closed_by" VARCHAR(200),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "accounting_day_pkey" PRIMARY KEY ("business_date"),
    CONSTRAINT "accounting_day_interval" CHECK ("opens_at" IS NULL OR "opens_at" < "cut_off_at"),
    CONSTRAINT "accounting_day_closed_whole" CHECK (("status" = 'CLOSED') = ("closed_at" IS NOT NULL))
);
CREATE UNIQUE INDEX "accounting_day_cut_off_at_key" ON "accounting_day"("cut_off_at");
-- The bound every posting reads: the latest closed day's cut-off.
CREATE INDEX "accounting_day_closed_cut_off_at_idx" ON "accounting_day"("cut_off_at") WHERE "status" = 'CLOSED';

-- Every account's balances at the day's cut-off (entries effective before it; holds reserved
-- before it and not resolved by then, by the database's clock, which is what holds carry).
CREATE TABLE "accounting_day_balance" (
    "business_date" DATE NOT NULL,
    "account_id" UUID NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "debits_posted" DECIMAL(24,4) NOT NULL,
    "credits_posted" DECIMAL(24,4) NOT NULL,
    "debits_pending" DECIMAL(24,4) NOT NULL,
    "credits_pending" DECIMAL(24,4) NOT NULL,
    -- On the account's normal side, as LedgerBalance reads them.
    "posted" DECIMAL(24,4) NOT NULL,
    "available" DECIMAL(24,4) NOT NULL,
    CONSTRAINT "accounting_day_balance_pkey" PRIMARY KEY ("business_date", "account_id"),
    CONSTRAINT "accounting_day_balance_business_date_fkey" FOREIGN KEY ("business_date") REFERENCES "accounting_day"("business_date") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "accounting_day_balance_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE RESTRICT
);
CREATE INDEX "accounting_day_balance_account_id_business_date_idx" ON "accounting_day_balance"("account_id", "business_date");

-- The day's trial balance per currency and book: every account's day-end posted balance in the
-- debit or credit column, and the day's own movements. Both must balance.
CREATE TABLE "accounting_day_trial_balance" (
    "business_date" DATE NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "book" "ledger_book" NOT NULL,
    "total_debit" DECIMAL(24,4) NOT NULL,
    "total_credit" DECIMAL(24,4) NOT NULL,
    "day_debits" DECIMAL(24,4) NOT NULL,
    "day_credits" DECIMAL(24,4) NOT NULL,
    "transaction_count" INTEGER NOT NULL,
    "account_count" INTEGER NOT NULL,
    CONSTRAINT "accounting_day_trial_balance_pkey" PRIMARY KEY ("business_date", "currency", "book"),
    CONSTRAINT "accounting_day_trial_balance_business_date_fkey" FOREIGN KEY ("business_date") REFERENCES "accounting_day"("business_date") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "accounting_day_trial_balance_balanced" CHECK ("total_debit" = "total_credit" AND "day_debits" = "day_credits")
);

-- A closed day and its figures are history: never changed, never deleted. The open day (the
-- one after the latest closed, written when that one closed) may be closed, or have its cut-off
-- moved when the configured cut-off changed, but not deleted.
CREATE FUNCTION "accounting_day_guard"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD."status" = 'OPEN' AND NEW."business_date" = OLD."business_date" THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'LG011', MESSAGE = format('accounting day %s: a closed day and its figures cannot be changed, and no day can be deleted', OLD."business_date");
END
$$;
CREATE TRIGGER "accounting_day_immutable" BEFORE UPDATE OR DELETE ON "accounting_day" FOR EACH ROW EXECUTE FUNCTION "accounting_day_guard"();
CREATE TRIGGER "accounting_day_no_truncate" BEFORE TRUNCATE ON "accounting_day" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "accounting_day_balance_immutable" BEFORE UPDATE OR DELETE ON "accounting_day_balance" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "accounting_day_balance_no_truncate" BEFORE TRUNCATE ON "accounting_day_balance" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "accounting_day_trial_balance_immutable" BEFORE UPDATE OR DELETE ON "accounting_day_trial_balance" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "accounting_day_trial_balance_no_truncate" BEFORE TRUNCATE ON "accounting_day_trial_balance" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();

-- The advisory lock postings share and the cut-off takes alone.
CREATE FUNCTION "ledger_cut_off_lock_key"() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 7253017340123456789::bigint $$;

-- The first instant no closed day holds (the latest closed day's cut-off; -infinity when none
-- is closed), with the latest closed day. Takes the shared lock: what it answers stays true
-- until the caller's transaction ends.
CREATE FUNCTION "ledger_closed_through"(OUT "closed_through" timestamptz, OUT "business_date" date)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared("ledger_cut_off_lock_key"());
    SELECT d."cut_off_at", d."business_date" INTO "closed_through", "business_date"
    FROM "accounting_day" d WHERE d."status" = 'CLOSED' ORDER BY d."cut_off_at" DESC LIMIT 1;
    "closed_through" := coalesce("closed_through", '-infinity'::timestamptz);
END
$$;

-- The effective time a posting that must be booked is given: its own, or the first open
-- instant when a closed day holds it (a credit the bank reports late, after its day closed).
CREATE FUNCTION "ledger_open_effective_at"(p_at timestamptz) RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$
    SELECT greatest(p_at, c."closed_through") FROM "ledger_closed_through"() c
$$;

-- No posting is effective in a closed day, whatever wrote it.
CREATE FUNCTION "ledger_refuse_closed_day"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_closed record;
    v_day date;
BEGIN
    SELECT * INTO v_closed FROM "ledger_closed_through"();
    IF NEW."effective_at" < v_closed."closed_through" THEN
        SELECT d."business_date" INTO v_day FROM "accounting_day" d
        WHERE d."status" = 'CLOSED' AND NEW."effective_at" < d."cut_off_at" AND (d."opens_at" IS NULL OR NEW."effective_at" >= d."opens_at")
        ORDER BY d."cut_off_at" LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LG015',
            MESSAGE = format('accounting day %s is closed: a posting effective at %s cannot be booked into it; correct it with entries dated in an open day (from %s)',
                             coalesce(v_day, v_closed."business_date"), NEW."effective_at", v_closed."closed_through"),
            DETAIL = coalesce(v_day, v_closed."business_date")::text;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER "ledger_transaction_open_day" BEFORE INSERT ON "ledger_transaction" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_closed_day"();
