-- Wake-ups survive a crash (an outbox). A booking that concerns a financing's workflow (a
-- repayment reached its collection account; its funder's account was topped up while it waits
-- for funding) records "wake financing X" in the same database transaction as the booking.
-- The worker delivers every wake-up not yet delivered as a Signal, at start-up and then on
-- every poll, and marks it delivered: at least once, whenever the process died.

CREATE TYPE "financing_wake_up_signal" AS ENUM ('REPAYMENT_RECEIVED', 'FUNDING_AVAILABLE');

CREATE TABLE "financing_wake_up" (
    "id"           BIGSERIAL      NOT NULL,
    "financing_id" UUID           NOT NULL,
    "signal"       "financing_wake_up_signal" NOT NULL,
    -- What made it, e.g. inbound:<bank reference>: the same cause never wakes the same financing twice.
    "cause"        VARCHAR(200)   NOT NULL,
    "created_at"   TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(6),
    -- False when the workflow had already ended: nobody was left to wake.
    "workflow_running" BOOLEAN,
    "attempts"     INTEGER        NOT NULL DEFAULT 0,
    "last_error"   VARCHAR(500),
    CONSTRAINT "financing_wake_up_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "financing_wake_up_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "financing_wake_up_delivered" CHECK (("delivered_at" IS NULL) = ("workflow_running" IS NULL))
);
CREATE UNIQUE INDEX "financing_wake_up_financing_id_signal_cause_key" ON "financing_wake_up"("financing_id", "signal", "cause");
-- The deliverer reads only what is still to deliver: a partial index stays as small as that.
CREATE INDEX "financing_wake_up_pending_idx" ON "financing_wake_up"("id") WHERE "delivered_at" IS NULL;
