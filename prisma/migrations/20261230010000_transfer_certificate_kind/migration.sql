-- The voucher transfer certificate (转让凭证) is a stored document like the financings' ones.
-- A value added to an enum cannot be used in the transaction that adds it: this migration adds
-- it alone, and the next one gives documents their voucher transfer.
ALTER TYPE "document_kind" ADD VALUE 'TRANSFER_CERTIFICATE';
