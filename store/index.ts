/**
 * The canonical store — the one door to prisma/ and the database.
 *
 * A cache of canonical entities with per-row freshness, and the durable
 * cross-system id map, on embedded PGlite (default, data in `<dataDir>/pglite`)
 * or PostgreSQL (`databaseUrl`). openStore applies pending migrations from
 * prisma/migrations before returning.
 */
export { openStore } from './store';
export type {
  Store,
  CachedRow,
  Page,
  PageArgs,
  PageCursor,
  PageFilters,
  PagedEntity,
  ExternalLink,
} from './store';
export type { EntityFilter, ParentField } from './entities';
export { PARENT_FIELDS } from './entities';
export { storeConfigFromEnv, type StoreConfig } from './config';
export {
  migrate,
  loadMigrations,
  defaultMigrationsDir,
  pgSession,
  pgliteSession,
  MigrationError,
  MIGRATIONS_TABLE,
  type Migration,
  type MigrationResult,
  type MigrationSession,
  type MigrateOptions,
} from './migrate';
export { PrismaClient, Prisma } from './generated/prisma/client';
