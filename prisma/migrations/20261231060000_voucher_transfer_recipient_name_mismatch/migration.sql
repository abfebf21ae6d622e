-- An offer to a company not yet registered ends at once when the company registers under
-- another name than the one its transferor gave (docs/workflows/voucher-acceptance.md): the code
-- and the name disagree about which company was meant. A value of its own, in a migration of its
-- own: PostgreSQL does not let a transaction use an enum value it added.
ALTER TYPE "voucher_transfer_status" ADD VALUE 'RECIPIENT_NAME_MISMATCH';
