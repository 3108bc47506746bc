// The connection on the event loop never checkpoints (a checkpoint syncs the disk, which stalled every
// call's audio under a busy disk); a thread of its own copies the log into the database file instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SqliteDriver } from '../../src/store/sqlite-driver.js';

test("a file database's log reaches the database file through the checkpoint thread, never through a commit", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
  const path = join(dir, 'calls.db');
  const driver = new SqliteDriver(path);
  try {
    assert.deepEqual(await driver.all('PRAGMA wal_autocheckpoint'), [{ wal_autocheckpoint: 0 }], 'commits here never checkpoint');
    await driver.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const before = statSync(path).size;
    // Far more than SQLite's automatic limit (1,000 pages) would have let a commit carry.
    for (let batch = 0; batch < 20; batch++) {
      await driver.transaction(async (tx) => {
        for (let i = 0; i < 200; i++) await tx.run('INSERT INTO notes (body) VALUES (?)', ['x'.repeat(1000)]);
      });
    }
    // The thread checkpoints once a second: wait for the database file to hold the rows (bounded).
    for (let waited = 0; statSync(path).size < before + 4_000_000 && waited < 10_000; waited += 100) await sleep(100);
    assert.ok(statSync(path).size >= before + 4_000_000, `database file ${statSync(path).size} bytes: the log was not checkpointed`);
  } finally {
    await driver.close();
  }
  // Closed cleanly: everything is in the file and readable without the log.
  const reader = new Database(path, { readonly: true });
  assert.deepEqual(reader.prepare('SELECT count(*) AS n FROM notes').get(), { n: 4000 });
  reader.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an in-memory database has no log to checkpoint and works as before', async () => {
  const driver = new SqliteDriver(':memory:');
  await driver.exec('CREATE TABLE t (x INTEGER)');
  await driver.run('INSERT INTO t VALUES (1)');
  assert.deepEqual(await driver.all('SELECT x FROM t'), [{ x: 1 }]);
  await driver.close();
});
