// Versioned migrations: each runs once, in order, inside its own transaction together with the row
// that records it, so a failed migration leaves nothing half-applied and startup can simply re-run.
import type { SqlDriver } from '../sql.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function migrate(driver: SqlDriver, migrations: readonly Migration[], lockSql?: string): Promise<number[]> {
  assertOrdered(migrations);
  // Under the lock too: two sessions creating the table at once collide in PostgreSQL's catalog (pg_type)
  // even with IF NOT EXISTS, and the server that loses fails to start.
  await driver.transaction(async (tx) => {
    if (lockSql) await tx.exec(lockSql);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await driver.transaction(async (tx) => {
      // Several servers starting at once: the lock makes the others wait, then see the version as applied.
      if (lockSql) await tx.exec(lockSql);
      const done = await tx.all('SELECT 1 FROM schema_migrations WHERE version = ?', [migration.version]);
      if (done.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, Date.now()]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}
