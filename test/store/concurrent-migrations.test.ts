// Several instances starting at once against one fresh PostgreSQL database all migrated it together:
// two sessions creating schema_migrations at the same moment collided on PostgreSQL's catalog
// (duplicate key value violates unique constraint "pg_type_typname_nsp_index") and one server failed
// to start. Migrations now run under one advisory lock; here eight migrators start at the same time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import { postgresMigrations } from '../../src/store/migrations/migrations.js';
import { dialects, type TestDatabase } from './databases.js';

const postgres = dialects.find((d) => d.name === 'postgres')!;
const MIGRATORS = 8;

let db: TestDatabase | undefined;
before(async () => {
  if (!postgres.skip) db = await postgres.create();
});
after(async () => db?.drop());

test(`${MIGRATORS} servers opening one fresh PostgreSQL database at once all start, and each migration runs once`, { skip: postgres.skip }, async () => {
  const results = await Promise.allSettled(Array.from({ length: MIGRATORS }, () => openStore(db!.url)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  for (const r of results) if (r.status === 'fulfilled') await r.value.close();
  assert.deepEqual(failures, []);

  const client = new pg.Client({ connectionString: db!.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      rows.map((r) => r.version),
      postgresMigrations.map((m) => m.version),
    );
  } finally {
    await client.end();
  }
});
