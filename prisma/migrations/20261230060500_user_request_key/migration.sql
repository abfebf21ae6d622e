-- A proposed user remembers the request that proposed it (use-cases/request-key.ts), so that
-- copies of one createUser request delivered at once propose one user and every copy is answered
-- with it rather than EMAIL_TAKEN.
ALTER TABLE "app_user" ADD COLUMN "request_key" VARCHAR(200);
CREATE UNIQUE INDEX "app_user_request_key_key" ON "app_user"("request_key");
