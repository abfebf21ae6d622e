-- An event's occurredAt is the business time of what it tells (docs/webhooks.md): a status change
-- at its transition's time, a repayment at its allocation's, a notice at its creation; not the
-- moment its transaction happened to run (a servicing step retried after midnight). And a
-- repayment's event carries the financing's status as its transaction commits it: the allocation
-- that pays a financing off is written before the same transaction settles it, so the event is
-- written when that transaction commits (a deferred constraint trigger, one row per allocation),
-- and says SETTLED, like the FINANCING_UPDATED beside it.

CREATE OR REPLACE FUNCTION "domain_event_financing_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "subject_status", "occurred_at")
    SELECT 'FINANCING_UPDATED', f."id", f."id", f."receivable_id",
           array_remove(ARRAY[f."supplier_party_id", f."funder_party_id", CASE WHEN t."assignment_mode" = 'OPEN' THEN f."obligor_party_id" END], NULL),
           true, n."to_status"::text, n."occurred_at"
    FROM "domain_event_new_rows" n
    JOIN "financing" f ON f."id" = n."financing_id"
    JOIN "program_terms" t ON t."id" = f."program_terms_id"
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

-- The audience of 20270103010000_receivable_event_audience, unchanged.
CREATE OR REPLACE FUNCTION "domain_event_receivable_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "subject_status", "occurred_at")
    SELECT 'RECEIVABLE_UPDATED', r."id", n."financing_id", r."id",
           CASE WHEN f."id" IS NOT NULL THEN
               array_remove(ARRAY[f."supplier_party_id", f."funder_party_id", CASE WHEN t."assignment_mode" = 'OPEN' THEN f."obligor_party_id" END], NULL)
           ELSE
               array_remove(
                   ARRAY[r."supplier_party_id",
                         CASE WHEN r."voucher_part_id" IS NULL OR EXISTS (
                             SELECT 1 FROM "financing" g JOIN "program_terms" u ON u."id" = g."program_terms_id"
                             WHERE g."receivable_id" = r."id" AND u."assignment_mode" = 'OPEN'
                         ) THEN r."obligor_party_id" END]
                   || ARRAY(SELECT DISTINCT g."funder_party_id" FROM "financing" g WHERE g."receivable_id" = r."id"),
                   NULL)
           END,
           true, n."to_status"::text, n."occurred_at"
    FROM "domain_event_new_rows" n
    JOIN "receivable" r ON r."id" = n."receivable_id"
    LEFT JOIN "financing" f ON f."id" = n."financing_id"
    LEFT JOIN "program_terms" t ON t."id" = f."program_terms_id"
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

DROP TRIGGER "repayment_allocation_domain_event" ON "repayment_allocation";
DROP FUNCTION "domain_event_repayment_allocation"();

CREATE FUNCTION "domain_event_repayment_allocation"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "subject_status", "occurred_at")
    SELECT 'REPAYMENT_RECEIVED', NEW."id", f."id", f."receivable_id",
           array_remove(ARRAY[f."supplier_party_id", f."funder_party_id", CASE WHEN t."assignment_mode" = 'OPEN' THEN f."obligor_party_id" END], NULL),
           true, f."status"::text, NEW."allocated_at"
    FROM "financing" f
    JOIN "program_terms" t ON t."id" = f."program_terms_id"
    WHERE f."id" = NEW."financing_id";
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER "repayment_allocation_domain_event" AFTER INSERT ON "repayment_allocation"
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION "domain_event_repayment_allocation"();

CREATE OR REPLACE FUNCTION "domain_event_notification"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "occurred_at")
    SELECT 'NOTIFICATION_ADDED', n."id", n."financing_id", n."receivable_id", ARRAY[n."party_id"], false, n."created_at"
    FROM "domain_event_new_rows" n
    ORDER BY n."created_at", n."id";
    RETURN NULL;
END;
$$;
