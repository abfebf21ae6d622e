-- An approved offline receipt is matched to the bank line that brought its money (the next
-- migration). The value is added on its own: PostgreSQL lets a new enum value be used only
-- once the transaction that added it has committed.
ALTER TYPE "offline_repayment_status" ADD VALUE 'MATCHED';
