-- The event outbox (docs/integrations.md): every committed state change that clients can
-- subscribe to leaves one row here, written by a trigger on the row that records the change, so
-- the event exists exactly when the change committed and no code path that records the change
-- can forget it. Each row says who may receive it (the parties, and whether operators do), by
-- the same rules as the queries' where-clauses; the API checks again with the query's own
-- scoped lookup before it delivers. A trigger on the outbox sends each row with NOTIFY, which
-- PostgreSQL delivers at commit, in commit order, to every API process that listens.

CREATE TABLE "domain_event" (
    "id" BIGSERIAL NOT NULL,
    "type" VARCHAR(40) NOT NULL,
    "subject_id" UUID NOT NULL,
    "financing_id" UUID,
    "receivable_id" UUID,
    "account_id" UUID,
    "party_ids" UUID[] NOT NULL,
    "operators" BOOLEAN NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),

    CONSTRAINT "domain_event_pkey" PRIMARY KEY ("id")
);

-- A financing's status change: its supplier and funder, its obligor only under open assignment
-- (financing-store.ts, visibleFinancingsWhere), and operators.
CREATE FUNCTION "domain_event_financing_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators")
    SELECT 'FINANCING_UPDATED', f."id", f."id", f."receivable_id",
           array_remove(ARRAY[f."supplier_party_id", f."funder_party_id", CASE WHEN t."assignment_mode" = 'OPEN' THEN f."obligor_party_id" END], NULL),
           true
    FROM "domain_event_new_rows" n
    JOIN "financing" f ON f."id" = n."financing_id"
    JOIN "program_terms" t ON t."id" = f."program_terms_id"
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "financing_transition_domain_event" AFTER INSERT ON "financing_transition"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_financing_transition"();

-- A receivable's status change: its supplier, the funders asked to finance it
-- (receivable-store.ts, visibleReceivablesWhere), operators, and its obligor unless the change
-- came from a silent financing the obligor is not otherwise party to (silent-assignment.ts): to
-- that obligor the receivable never changed, so nothing happened.
CREATE FUNCTION "domain_event_receivable_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators")
    SELECT 'RECEIVABLE_UPDATED', r."id", n."financing_id", r."id",
           array_remove(
               ARRAY[r."supplier_party_id",
                     CASE WHEN EXISTS (
                         SELECT 1 FROM "financing" f JOIN "program_terms" t ON t."id" = f."program_terms_id"
                         WHERE f."id" = n."financing_id" AND t."assignment_mode" = 'SILENT'
                           AND f."supplier_party_id" <> r."obligor_party_id" AND f."funder_party_id" <> r."obligor_party_id"
                     ) THEN NULL ELSE r."obligor_party_id" END]
               || ARRAY(SELECT DISTINCT f."funder_party_id" FROM "financing" f WHERE f."receivable_id" = r."id"),
               NULL),
           true
    FROM "domain_event_new_rows" n
    JOIN "receivable" r ON r."id" = n."receivable_id"
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "receivable_transition_domain_event" AFTER INSERT ON "receivable_transition"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_receivable_transition"();

-- A repayment allocated to a financing: whoever sees the financing.
CREATE FUNCTION "domain_event_repayment_allocation"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators")
    SELECT 'REPAYMENT_RECEIVED', n."id", f."id", f."receivable_id",
           array_remove(ARRAY[f."supplier_party_id", f."funder_party_id", CASE WHEN t."assignment_mode" = 'OPEN' THEN f."obligor_party_id" END], NULL),
           true
    FROM "domain_event_new_rows" n
    JOIN "financing" f ON f."id" = n."financing_id"
    JOIN "program_terms" t ON t."id" = f."program_terms_id"
    ORDER BY n."allocated_at", n."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "repayment_allocation_domain_event" AFTER INSERT ON "repayment_allocation"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_repayment_allocation"();

-- A posting touching an account: one event per transaction and account, for the account's
-- owner (visibility.ts, visibleAccountsWhere) and operators.
CREATE FUNCTION "domain_event_ledger_entry"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event" ("type", "subject_id", "account_id", "party_ids", "operators")
    SELECT 'ACCOUNT_ACTIVITY', e."transaction_id", e."account_id", array_remove(ARRAY[a."owner_party_id"], NULL), true
    FROM (
        SELECT n."transaction_id", n."account_id", min(n."id") AS "first_id"
        FROM "domain_event_new_rows" n
        GROUP BY n."transaction_id", n."account_id"
    ) e
    JOIN "ledger_account" a ON a."id" = e."account_id"
    ORDER BY e."first_id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "ledger_entry_domain_event" AFTER INSERT ON "ledger_entry"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_ledger_entry"();

-- A notification is its party's own, operators' included (visibleNotificationsWhere).
CREATE FUNCTION "domain_event_notification"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators")
    SELECT 'NOTIFICATION_ADDED', n."id", n."financing_id", n."receivable_id", ARRAY[n."party_id"], false
    FROM "domain_event_new_rows" n
    ORDER BY n."created_at", n."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "notification_domain_event" AFTER INSERT ON "notification"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_notification"();

-- Exceptions are for operators only: an inbound credit parked in suspense, and a difference the
-- reconciliation against the bank's statement found.
CREATE FUNCTION "domain_event_inbound_exception"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event" ("type", "subject_id", "financing_id", "party_ids", "operators")
    SELECT 'INBOUND_EXCEPTION_RAISED', n."id", n."financing_id", '{}', true
    FROM "domain_event_new_rows" n
    ORDER BY n."created_at", n."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "inbound_exception_domain_event" AFTER INSERT ON "inbound_exception"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_inbound_exception"();

CREATE FUNCTION "domain_event_reconciliation_item"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event" ("type", "subject_id", "party_ids", "operators")
    SELECT 'RECONCILIATION_ITEM_RAISED', n."id", '{}', true
    FROM "domain_event_new_rows" n
    WHERE n."outcome" <> 'MATCHED'
    ORDER BY n."created_at", n."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "reconciliation_item_domain_event" AFTER INSERT ON "reconciliation_item"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_reconciliation_item"();

-- Delivery: each row as a NOTIFY on the channel the API processes listen on. The payload is the
-- row without its time (well under NOTIFY's 8,000 bytes); a listener that missed one reads the
-- outbox by id.
CREATE FUNCTION "domain_event_notify"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('domain_event', json_build_object(
        'id', n."id"::text, 'type', n."type", 'subjectId', n."subject_id", 'financingId', n."financing_id",
        'receivableId', n."receivable_id", 'accountId', n."account_id", 'partyIds', n."party_ids", 'operators', n."operators")::text)
    FROM "domain_event_new_rows" n
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "domain_event_notify" AFTER INSERT ON "domain_event"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "domain_event_notify"();
