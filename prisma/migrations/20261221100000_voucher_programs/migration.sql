-- Programs that admit voucher holders (docs/workflows/voucher-maturity.md): a holder of a part of
-- the core enterprise's voucher may finance it under the program without being enrolled; its
-- limit is a SUPPLIER limit of the program opened on first use at `voucher_holder_limit`.
-- Existing terms versions admit nobody: the default keeps every program as it was.
ALTER TABLE "program_terms"
  ADD COLUMN "admits_voucher_holders" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "voucher_holder_limit" NUMERIC(24,4) NOT NULL DEFAULT 0,
  ADD CONSTRAINT "program_terms_voucher_holder_limit" CHECK ("voucher_holder_limit" >= 0 AND (NOT "admits_voucher_holders" OR "voucher_holder_limit" > 0));
