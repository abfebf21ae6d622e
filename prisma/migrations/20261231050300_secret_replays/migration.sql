-- The answers carrying a secret shown once (registerWebhookEndpoint, rotateWebhookEndpointSecret,
-- issueApiKey, approveUser), kept per request (use-cases/request-key.ts) so that a copy of the
-- request is answered alike (prisma/stores/secret-replay-store.ts). The secret is sealed
-- (AES-256-GCM under WEBHOOK_SECRET_KEY), never opened once expires_at has passed and erased
-- then by the next request that keeps or reads such an answer; the row stays
-- without it, so that a late copy is told the secret was shown once.
CREATE TABLE "secret_replay" (
    "request_key" VARCHAR(200) NOT NULL,
    "subject_id" UUID,
    "secret_ciphertext" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "secret_replay_pkey" PRIMARY KEY ("request_key")
);

-- The seals to erase are found by age.
CREATE INDEX "secret_replay_expires_at_idx" ON "secret_replay"("expires_at");
