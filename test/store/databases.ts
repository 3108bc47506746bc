// The databases the store's tests run against: a temporary SQLite file, and a uniquely named
// Postgres database created for the run and dropped afterwards. Postgres being unreachable fails the
// tests; SKIP_POSTGRES_TESTS=1 skips them on purpose.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** A DATABASE_URL for openStore. */
  url: string;
  drop(): Promise<void>;
}

export interface Dialect {
  name: 'sqlite' | 'postgres';
  /** Why the dialect's tests are skipped, or false. */
  skip: string | false;
  create(): Promise<TestDatabase>;
}

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const dialects: Dialect[] = [
  { name: 'sqlite', skip: false, create: createSqlite },
  { name: 'postgres', skip: process.env.SKIP_POSTGRES_TESTS === '1' ? 'SKIP_POSTGRES_TESTS=1' : false, create: createPostgres },
];

async function createSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'phone-agent-store-'));
  return { url: join(dir, 'nested', 'calls.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function createPostgres(): Promise<TestDatabase> {
  const name = `phone_agent_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${ADMIN_URL} is unreachable (set TEST_DATABASE_URL, or SKIP_POSTGRES_TESTS=1 to skip): ${String(err)}`, {
      cause: err,
    });
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
