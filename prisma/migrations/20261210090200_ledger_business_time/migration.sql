-- A posting's effective time is the time of the business event it records (the bank's
-- receipt or settlement time, the workflow's clock), not the database's clock: a day's
-- figures must not move across midnight because a worker was slow.
--
-- 1. Posting a hold takes an effective time, like every other posting (it used now()).
-- 2. How far ahead of the database's clock an effective time may be is a setting,
--    ledger.effective_at_lead_max (five minutes unless set): production keeps five minutes,
--    while a test whose workflow clock is skipped days ahead sets it on its own database.

DROP FUNCTION "ledger_post_hold"(uuid, varchar, char(64), numeric, timestamptz, varchar, jsonb, varchar);

-- Posts p_amount (NULL: the full amount) of a pending hold as a transaction keyed p_key,
-- coded p_code (NULL: the hold's own code), effective at p_effective_at (NULL: now()), and
-- releases the whole reservation.
CREATE FUNCTION "ledger_post_hold"(
    p_hold_id uuid, p_key varchar, p_hash char(64), p_amount numeric, p_now timestamptz, p_description varchar, p_metadata jsonb,
    p_code varchar DEFAULT NULL, p_effective_at timestamptz DEFAULT NULL)
RETURNS TABLE ("transaction_id" uuid, "replayed" boolean, "posted_amount" numeric)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_hold "ledger_hold";
    v_existing record;
    v_amount numeric;
    v_minor_units smallint;
    v_transaction_id uuid := gen_random_uuid();
    v_effective_at timestamptz := coalesce(p_effective_at, now());
BEGIN
    SELECT t."id", t."request_hash" INTO v_existing FROM "ledger_transaction" t WHERE t."idempotency_key" = p_key;
    IF FOUND THEN
        IF v_existing."request_hash" <> p_hash THEN
            RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = format('idempotency key %s was already used for a different transaction', p_key), DETAIL = p_key;
        END IF;
        RETURN QUERY SELECT h."resolution_transaction_id", true, h."posted_amount" FROM "ledger_hold" h WHERE h."resolution_transaction_id" = v_existing."id";
        RETURN;
    END IF;

    v_hold := "ledger_lock_hold_for_resolution"(p_hold_id, p_key, p_hash, p_now);
    IF v_hold."status" = 'POSTED' THEN
        RETURN QUERY SELECT v_hold."resolution_transaction_id", true, v_hold."posted_amount";
        RETURN;
    ELSIF v_hold."status" <> 'PENDING' THEN
        RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = format('idempotency key %s was already used to void hold %s', p_key, p_hold_id), DETAIL = p_key;
    END IF;

    v_amount := coalesce(p_amount, v_hold."amount");
    SELECT "minor_units" INTO v_minor_units FROM "ledger_currency" WHERE "code" = v_hold."currency";
    IF v_amount <= 0 OR v_amount <> trunc(v_amount, v_minor_units) THEN
        RAISE EXCEPTION USING ERRCODE = 'LG004', MESSAGE = format('amount %s is not positive, or has more decimals than %s allows', v_amount, v_hold."currency");
    END IF;
    IF v_amount > v_hold."amount" THEN
        RAISE EXCEPTION USING ERRCODE = 'LG010', MESSAGE = format('cannot post %s of hold %s, which reserves %s', v_amount, p_hold_id, v_hold."amount");
    END IF;

    -- Release first, then post: the posted amount must not count twice against a bound.
    UPDATE "ledger_hold"
    SET "status" = 'POSTED', "posted_amount" = v_amount, "resolved_at" = now(),
        "resolution_key" = p_key, "resolution_request_hash" = p_hash, "resolution_transaction_id" = v_transaction_id
    WHERE "id" = p_hold_id;
    INSERT INTO "ledger_transaction" ("id", "idempotency_key", "request_hash", "code", "description", "book", "effective_at", "metadata")
    VALUES (v_transaction_id, p_key, p_hash, coalesce(p_code, v_hold."code"), p_description,
            (SELECT a."book" FROM "ledger_account" a WHERE a."id" = v_hold."debit_account_id"),
            v_effective_at,
            v_hold."metadata" || coalesce(p_metadata, '{}'::jsonb) || jsonb_build_object('holdId', p_hold_id));
    INSERT INTO "ledger_entry" ("transaction_id", "account_id", "direction", "amount", "currency", "effective_at")
    VALUES (v_transaction_id, v_hold."debit_account_id", 'DEBIT', v_amount, v_hold."currency", v_effective_at),
           (v_transaction_id, v_hold."credit_account_id", 'CREDIT', v_amount, v_hold."currency", v_effective_at);
    RETURN QUERY SELECT v_transaction_id, false, v_amount;
END
$$;

-- How far ahead of the database's clock an effective time may be (the constraint below).
CREATE FUNCTION "ledger_effective_at_lead_max"() RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('ledger.effective_at_lead_max', true), '')::interval, interval '5 minutes')
$$;

-- The same rule as before with the setting's bound. Every row already met the five minutes,
-- so the validation cannot fail; it runs apart from the change to keep the table writable.
ALTER TABLE "ledger_transaction" DROP CONSTRAINT "ledger_transaction_not_future";
ALTER TABLE "ledger_transaction" ADD CONSTRAINT "ledger_transaction_not_future" CHECK ("effective_at" <= "created_at" + "ledger_effective_at_lead_max"()) NOT VALID;
ALTER TABLE "ledger_transaction" VALIDATE CONSTRAINT "ledger_transaction_not_future";
