// Prisma CLI configuration (Prisma 7). The CLI is used only for `prisma generate`
// (scripts/prisma-generate.js, run on install); the database is migrated by
// store/migrate.ts from prisma/migrations, so the URL is optional here and only
// matters to ad-hoc CLI use such as `prisma studio` or `prisma db pull`.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL },
});
