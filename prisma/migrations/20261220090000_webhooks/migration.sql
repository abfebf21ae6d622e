-- Webhooks (docs/webhooks.md): a party's endpoints, one delivery per outbox event and endpoint,
-- and the attempts of each. A delivery row is written by a trigger on the outbox in the event's
-- own transaction, so an event that committed always has its deliveries, an event that rolled
-- back never has any, and no cursor over the outbox's ids (which commit out of order) can skip
-- one. The worker's dispatcher starts a workflow for every delivery not yet started.

CREATE TYPE "webhook_endpoint_status" AS ENUM ('PROPOSED', 'ACTIVE', 'REJECTED', 'DISABLED');
CREATE TYPE "webhook_delivery_status" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

CREATE TABLE "webhook_endpoint" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "party_id" UUID NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "event_types" VARCHAR(40)[] NOT NULL,
    "status" "webhook_endpoint_status" NOT NULL,
    "secret_ciphertext" TEXT NOT NULL,
    "previous_secret_ciphertext" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(6),
    "pending_secret_ciphertext" TEXT,
    "rotation_proposed_by_user_id" UUID,
    "created_by_user_id" UUID NOT NULL,
    "decided_by_user_id" UUID,
    "decided_at" TIMESTAMPTZ(6),
    "failing_since" TIMESTAMPTZ(6),
    "disabled_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),

    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_endpoint_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "webhook_endpoint_event_types_check" CHECK (cardinality("event_types") > 0)
);
CREATE INDEX "webhook_endpoint_party_id_idx" ON "webhook_endpoint"("party_id");

CREATE TABLE "webhook_delivery" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "endpoint_id" UUID NOT NULL,
    "event_id" BIGINT NOT NULL,
    "event_type" VARCHAR(40) NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "webhook_delivery_status" NOT NULL,
    "replays" INTEGER NOT NULL DEFAULT 0,
    "dispatched_at" TIMESTAMPTZ(6),
    "delivered_at" TIMESTAMPTZ(6),
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_delivery_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "webhook_delivery_endpoint_id_event_id_key" ON "webhook_delivery"("endpoint_id", "event_id");
CREATE INDEX "webhook_delivery_endpoint_id_created_at_idx" ON "webhook_delivery"("endpoint_id", "created_at");
-- The dispatcher's work list: deliveries whose round has no workflow yet.
CREATE INDEX "webhook_delivery_undispatched_idx" ON "webhook_delivery"("created_at") WHERE "dispatched_at" IS NULL;

CREATE TABLE "webhook_attempt" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "delivery_id" UUID NOT NULL,
    "attempted_at" TIMESTAMPTZ(6) NOT NULL,
    "status_code" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "succeeded" BOOLEAN NOT NULL,
    "error" VARCHAR(500),

    CONSTRAINT "webhook_attempt_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "webhook_attempt_delivery_id_attempted_at_idx" ON "webhook_attempt"("delivery_id", "attempted_at");

-- Each outbox row, for every active endpoint of a party it is addressed to (party_ids: the same
-- scoping as the subscriptions) that asked for its type. The payload is fixed here, with the
-- status the event's own transaction committed (its trigger keeps it in the event): ids and statuses only, nothing of another
-- party's (no amounts, names or account numbers), so a body never says more than the
-- receiving party may query.
CREATE FUNCTION "webhook_delivery_from_domain_event"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "webhook_delivery" ("endpoint_id", "event_id", "event_type", "payload", "status", "occurred_at")
    SELECT w."id", n."id", n."type",
           jsonb_build_object(
               'type', n."type",
               'eventId', n."id"::text,
               'occurredAt', to_char(n."occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'data', jsonb_strip_nulls(jsonb_build_object(
                   'subjectId', n."subject_id",
                   'financingId', n."financing_id",
                   'receivableId', n."receivable_id",
                   'accountId', n."account_id",
                   'status', n."subject_status"))),
           'PENDING', n."occurred_at"
    FROM "domain_event_new_rows" n
    JOIN "webhook_endpoint" w ON w."status" = 'ACTIVE' AND w."party_id" = ANY (n."party_ids") AND n."type" = ANY (w."event_types")
    ORDER BY n."id", w."id";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "domain_event_webhook_delivery" AFTER INSERT ON "domain_event"
REFERENCING NEW TABLE AS "domain_event_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "webhook_delivery_from_domain_event"();
