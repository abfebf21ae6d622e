-- A voucher's default on its due date (docs/workflows/voucher.md, "Default on the due date").
-- The day it defaulted is kept apart from the status: a late payment in full makes the voucher
-- PAID and its holders still see that the issuer defaulted, and on which day. That day is the
-- due date whichever process noticed it and when, which the CHECK holds.
ALTER TABLE "voucher" ADD COLUMN "defaulted_on" DATE;
ALTER TABLE "voucher" ADD CONSTRAINT "voucher_defaulted_on_is_due_date" CHECK ("defaulted_on" IS NULL OR "defaulted_on" = "due_date");
