-- Parties, their users and API credentials.

CREATE TYPE "party_role" AS ENUM ('SUPPLIER', 'CORE_ENTERPRISE', 'FUNDER', 'PLATFORM');
CREATE TYPE "user_role" AS ENUM ('MAKER', 'CHECKER', 'VIEWER', 'ADMIN');

CREATE TABLE "party" (
    "id"          UUID         NOT NULL DEFAULT gen_random_uuid(),
    "legal_name"  VARCHAR(200) NOT NULL,
    "credit_code" CHAR(18)     NOT NULL,
    "roles"       "party_role"[] NOT NULL,
    "created_at"  TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "party_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "party_legal_name_not_blank" CHECK (length(btrim("legal_name")) > 0),
    -- The checksum is verified in code; the database keeps the shape honest.
    CONSTRAINT "party_credit_code_shape" CHECK ("credit_code" ~ '^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$'),
    CONSTRAINT "party_has_role" CHECK (cardinality("roles") > 0)
);
CREATE UNIQUE INDEX "party_credit_code_key" ON "party"("credit_code");

CREATE TABLE "app_user" (
    "id"           UUID         NOT NULL DEFAULT gen_random_uuid(),
    "party_id"     UUID         NOT NULL,
    "email"        VARCHAR(254) NOT NULL,
    "display_name" VARCHAR(100) NOT NULL,
    "roles"        "user_role"[] NOT NULL,
    "created_at"   TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "app_user_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "app_user_email_lowercase" CHECK ("email" = lower("email")),
    CONSTRAINT "app_user_has_role" CHECK (cardinality("roles") > 0)
);
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"("email");
CREATE INDEX "app_user_party_id_idx" ON "app_user"("party_id");

CREATE TABLE "api_key" (
    "id"          UUID         NOT NULL DEFAULT gen_random_uuid(),
    "user_id"     UUID         NOT NULL,
    "key_id"      VARCHAR(16)  NOT NULL,
    "secret_hash" CHAR(64)     NOT NULL,
    "label"       VARCHAR(100) NOT NULL,
    "created_at"  TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at"  TIMESTAMPTZ(6),
    "revoked_at"  TIMESTAMPTZ(6),
    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_key_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "api_key_key_id_key" ON "api_key"("key_id");
CREATE INDEX "api_key_user_id_idx" ON "api_key"("user_id");
