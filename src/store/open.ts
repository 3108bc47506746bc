// DATABASE_URL picks the database: postgres:// or postgresql:// for Postgres, anything without a
// scheme is a SQLite file path (created with its folder).
import { silentLogger, type Logger } from '../observability/log.js';
import { migrate } from './migrations/run.js';
import { postgresMigrations, sqliteMigrations } from './migrations/migrations.js';
import { PostgresDriver } from './postgres-driver.js';
import { SqliteDriver } from './sqlite-driver.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import type { SqlDriver } from './sql.js';
import type { Store } from './types.js';

export const DEFAULT_DATABASE_PATH = 'data/phone-agent.db';

// Any constant works: it only has to be the same for every server migrating one database.
const POSTGRES_MIGRATION_LOCK = 'SELECT pg_advisory_xact_lock(727001)';

/** Which database DATABASE_URL names. */
export function storeDialect(databaseUrl: string | undefined): Store['dialect'] {
  return /^postgres(ql)?:\/\//i.test(databaseUrl?.trim() ?? '') ? 'postgres' : 'sqlite';
}

export interface OpenStoreOptions extends SqlStoreOptions {
  logger?: Logger;
}

export async function openStore(databaseUrl: string | undefined, options: OpenStoreOptions = {}): Promise<Store> {
  const url = databaseUrl?.trim() || DEFAULT_DATABASE_PATH;
  if (storeDialect(url) === 'postgres') {
    const driver = new PostgresDriver(url, options.logger ?? silentLogger);
    return openMigrated(driver, () => migrate(driver, postgresMigrations, POSTGRES_MIGRATION_LOCK), options);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme) throw new Error(`DATABASE_URL: unsupported scheme "${scheme[1]}://" (use postgres://... or a SQLite file path)`);
  const driver = new SqliteDriver(url);
  return openMigrated(driver, () => migrate(driver, sqliteMigrations), options);
}

async function openMigrated(driver: SqlDriver, runMigrations: () => Promise<unknown>, options: SqlStoreOptions): Promise<Store> {
  try {
    await runMigrations();
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
  return new SqlStore(driver, { reportEndedCalls: options.reportEndedCalls });
}
