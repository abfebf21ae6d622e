-- A voucher's maturity payments and their distribution (docs/workflows/voucher-maturity.md). Each
-- inbound credit booked into a voucher's collection account is distributed once: its plan (every
-- part's share, where the money goes, which claim it settles) is written once, under the voucher's
-- row lock, and then posted in batches under idempotency keys derived from it, so that a crash
-- midway resumes the same plan and pays nobody twice.
CREATE TABLE "voucher_distribution" (
    "id"                 UUID           NOT NULL DEFAULT gen_random_uuid(),
    "voucher_id"         UUID           NOT NULL,
    "number"             INTEGER        NOT NULL,
    "inbound_credit_id"  UUID           NOT NULL,
    "currency"           CHAR(3)        NOT NULL,
    "paid"               NUMERIC(24,4)  NOT NULL,
    "excess"             NUMERIC(24,4)  NOT NULL DEFAULT 0,
    "kind"               VARCHAR(8)     NOT NULL,
    "shares"             JSONB          NOT NULL,
    "status"             VARCHAR(16)    NOT NULL DEFAULT 'PLANNED',
    "created_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "posted_at"          TIMESTAMPTZ(6),
    CONSTRAINT "voucher_distribution_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "voucher_distribution_voucher_id_fkey" FOREIGN KEY ("voucher_id") REFERENCES "voucher"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_distribution_inbound_credit_id_fkey" FOREIGN KEY ("inbound_credit_id") REFERENCES "inbound_credit"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_distribution_amounts" CHECK ("paid" > 0 AND "excess" >= 0 AND "excess" <= "paid" AND "number" >= 1),
    CONSTRAINT "voucher_distribution_kind" CHECK ("kind" IN ('FULL', 'SHORT', 'OVER')),
    CONSTRAINT "voucher_distribution_status" CHECK ("status" IN ('PLANNED', 'POSTED') AND (("status" = 'POSTED') = ("posted_at" IS NOT NULL)))
);
CREATE UNIQUE INDEX "voucher_distribution_voucher_id_number_key" ON "voucher_distribution"("voucher_id", "number");
CREATE UNIQUE INDEX "voucher_distribution_inbound_credit_id_key" ON "voucher_distribution"("inbound_credit_id");
