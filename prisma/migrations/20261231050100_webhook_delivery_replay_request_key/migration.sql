-- A delivery remembers the request that last asked to replay it (use-cases/request-key.ts), so
-- that copies of one replayWebhookDelivery request delivered at once replay it once and every
-- copy is answered with the delivery rather than WRONG_STATE (PENDING).
ALTER TABLE "webhook_delivery" ADD COLUMN "replay_request_key" VARCHAR(200);
