import { defineConfig } from 'prisma/config';

// The CLI needs a URL only for commands that talk to a database; `prisma generate` does not.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/scf' },
});
