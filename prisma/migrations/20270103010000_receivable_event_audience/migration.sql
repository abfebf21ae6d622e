-- Who is told of a receivable's change of state (docs/security.md, "Another funder's
-- financing"). A supplier declined by one funder may apply to another with the same receivable;
-- neither funder may learn of the other's financing. The RECEIVABLE_UPDATED event was addressed
-- to every funder ever asked to finance the receivable, with the financing that caused it in its
-- body, so a funder that had declined was sent the next funder's application, disbursement and
-- settlement, and that financing's id. Now each event is addressed exactly to the parties that
-- see its row of the receivable's history (transitionsAsSeenWhere, prisma/stores/silent-assignment.ts):
--   * a row a financing caused (its application, its end, its disbursement, its settlement):
--     whoever sees that financing, that is its supplier and its funder, and its obligor under
--     open assignment (visibleFinancingsWhere; a silent financing never reaches its obligor,
--     as before);
--   * a row of the receivable's own lifecycle (registration, confirmation, rejection, expiry,
--     cancellation; no financing): whoever sees the receivable (visibleReceivablesWhere), that
--     is its supplier, every funder asked to finance it, and its obligor, except for a
--     receivable made for a voucher part, which its issuer sees only once an open financing
--     told it of the application.
-- The webhook deliveries follow the addressing (webhook_delivery_from_domain_event), so their
-- bodies carry a financing's id only to the parties that may see the financing.

CREATE OR REPLACE FUNCTION "domain_event_receivable_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "subject_status")
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
           true, n."to_status"::text
    FROM "domain_event_new_rows" n
    JOIN "receivable" r ON r."id" = n."receivable_id"
    LEFT JOIN "financing" f ON f."id" = n."financing_id"
    LEFT JOIN "program_terms" t ON t."id" = f."program_terms_id"
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

-- The events already written by the old rule, published or waiting for the relay: a subscriber
-- resuming from an earlier event id is sent only what the new rule addresses to it. Parties are
-- only ever taken out of an event, never added. (Webhook deliveries already written stay as
-- they are: they record what was sent.)
UPDATE "domain_event" e
   SET "party_ids" = ARRAY(
           SELECT p FROM unnest(e."party_ids") AS p
            WHERE p = f."supplier_party_id" OR p = f."funder_party_id"
               OR (p = f."obligor_party_id" AND t."assignment_mode" = 'OPEN'))
  FROM "financing" f
  JOIN "program_terms" t ON t."id" = f."program_terms_id"
 WHERE e."type" = 'RECEIVABLE_UPDATED'
   AND f."id" = e."financing_id"
   AND EXISTS (SELECT 1 FROM unnest(e."party_ids") AS p
                WHERE p <> f."supplier_party_id" AND p <> f."funder_party_id"
                  AND (p <> f."obligor_party_id" OR t."assignment_mode" <> 'OPEN'));

UPDATE "domain_event_outbox" e
   SET "party_ids" = ARRAY(
           SELECT p FROM unnest(e."party_ids") AS p
            WHERE p = f."supplier_party_id" OR p = f."funder_party_id"
               OR (p = f."obligor_party_id" AND t."assignment_mode" = 'OPEN'))
  FROM "financing" f
  JOIN "program_terms" t ON t."id" = f."program_terms_id"
 WHERE e."type" = 'RECEIVABLE_UPDATED'
   AND f."id" = e."financing_id"
   AND EXISTS (SELECT 1 FROM unnest(e."party_ids") AS p
                WHERE p <> f."supplier_party_id" AND p <> f."funder_party_id"
                  AND (p <> f."obligor_party_id" OR t."assignment_mode" <> 'OPEN'));
