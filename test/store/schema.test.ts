// Both databases, once migrated, have the tables and columns declared in migrations.ts, read back from
// the databases themselves: the same names in the same order, the same nullability and defaults.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/observability/log.js';
import { TABLES } from '../../src/store/migrations/migrations.js';
import { openStore } from '../../src/store/open.js';
import { PostgresDriver } from '../../src/store/postgres-driver.js';
import type { SqlDriver } from '../../src/store/sql.js';
import { SqliteDriver } from '../../src/store/sqlite-driver.js';
import { dialects, type TestDatabase } from './databases.js';

/** One line per column, e.g. `calls.direction required default 'inbound'`; tables by name, each one's columns in order. */
type Columns = string[];

function describeColumn(table: string, column: string, required: boolean, defaultValue: string | null): string {
  return `${table}.${column} ${required ? 'required' : 'nullable'}${defaultValue === null ? '' : ` default ${defaultValue}`}`;
}

// Not the database's collation, which may ignore the underscores in table names.
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function declaredColumns(): Columns {
  return [...TABLES]
    .sort((a, b) => byCodeUnits(a.name, b.name))
    .flatMap((table) =>
      Object.entries(table.columns).map(([name, c]) => {
        const required = !c.nullable || c.primaryKey === true || c.type === 'id';
        return describeColumn(table.name, name, required, c.default === undefined ? null : `'${c.default}'`);
      }),
    );
}

interface ColumnRow extends Record<string, unknown> {
  table_name: string;
  column_name: string;
  required: number | boolean;
  default_value: string | null;
}

const MIGRATIONS_TABLES = "('schema_migrations', 'sqlite_sequence')";

async function migratedColumns(driver: SqlDriver): Promise<Columns> {
  // A key column counts as required: Postgres says so, SQLite's pragma does not (its NOT NULL is implied).
  const rows =
    driver.dialect === 'sqlite'
      ? await driver.all<ColumnRow>(
          `SELECT m.name AS table_name, p.name AS column_name, (p."notnull" OR p.pk > 0) AS required, p.dflt_value AS default_value
           FROM sqlite_master m JOIN pragma_table_info(m.name) p
           WHERE m.type = 'table' AND m.name NOT IN ${MIGRATIONS_TABLES} ORDER BY m.name, p.cid`,
        )
      : await driver.all<ColumnRow>(
          `SELECT table_name, column_name, is_nullable = 'NO' AS required, regexp_replace(column_default, '::text$', '') AS default_value
           FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name NOT IN ${MIGRATIONS_TABLES} ORDER BY table_name, ordinal_position`,
        );
  return rows
    .sort((a, b) => byCodeUnits(a.table_name, b.table_name))
    .map((r) => describeColumn(r.table_name, r.column_name, Boolean(r.required), r.default_value));
}

describe('the schema both databases get', () => {
  const migrated = new Map<string, Columns>();
  const databases: TestDatabase[] = [];

  before(async () => {
    for (const dialect of dialects.filter((d) => !d.skip)) {
      const db = await dialect.create();
      databases.push(db);
      await (await openStore(db.url)).close();
      const driver = dialect.name === 'sqlite' ? new SqliteDriver(db.url) : new PostgresDriver(db.url, silentLogger);
      try {
        migrated.set(dialect.name, await migratedColumns(driver));
      } finally {
        await driver.close();
      }
    }
  });
  after(async () => {
    for (const db of databases) await db.drop();
  });

  for (const dialect of dialects) {
    it(`${dialect.name} has exactly the declared tables and columns`, { skip: dialect.skip }, () => {
      assert.deepEqual(migrated.get(dialect.name), declaredColumns());
    });
  }

  it('sqlite and postgres have the same columns in every table', { skip: dialects.find((d) => d.skip)?.skip ?? false }, () => {
    assert.deepEqual(migrated.get('sqlite'), migrated.get('postgres'));
  });
});
