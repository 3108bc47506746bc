// How long a store write holds the event loop, with SQLite checkpointing inside COMMITs (its default,
// and the server's until the checkpoints moved to a thread) and with the server's SqliteDriver, whose
// own thread checkpoints. Each transaction is a batch like the recorder's (25 events of ~300 bytes),
// one every 5 ms for --seconds; a checkpoint syncs the disk, so its cost depends on the disk's load.
//   node dist/bench/store-stall.js [--seconds S] [--rounds N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteDriver } from '../src/store/sqlite-driver.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, rounds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const BATCH = 25;
const BODY = 'y'.repeat(300);
const CREATE = 'CREATE TABLE events (id INTEGER PRIMARY KEY, call_sid TEXT NOT NULL, body TEXT NOT NULL)';
const INSERT = 'INSERT INTO events (call_sid, body) VALUES (?, ?)';

interface Writer {
  batch(): Promise<void>;
  close(): Promise<void>;
}

/** SQLite's defaults under the driver's pragmas: the COMMIT that crosses 1,000 log pages checkpoints. */
function inCommit(path: string): Writer {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(CREATE);
  const insert = db.prepare(INSERT);
  return {
    batch: async () => {
      db.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < BATCH; i++) insert.run(`CA${i}`, BODY);
      db.exec('COMMIT');
    },
    close: async () => void db.close(),
  };
}

async function onThread(path: string): Promise<Writer> {
  const driver = new SqliteDriver(path);
  await driver.exec(CREATE);
  return {
    batch: () =>
      driver.transaction(async (tx) => {
        for (let i = 0; i < BATCH; i++) await tx.run(INSERT, [`CA${i}`, BODY]);
      }),
    close: () => driver.close(),
  };
}

async function measure(open: (path: string) => Writer | Promise<Writer>): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'store-stall-'));
  const writer = await open(join(dir, 'calls.db'));
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const started = performance.now();
    await writer.batch();
    times.push(performance.now() - started);
    await sleep(5);
  }
  await writer.close();
  rmSync(dir, { recursive: true, force: true });
  return times;
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.floor(q * (sorted.length - 1))]! * 100) / 100;
  const max = Math.round(sorted.at(-1)! * 10) / 10;
  return { batches: sorted.length, p50_ms: at(0.5), p99_ms: at(0.99), p999_ms: at(0.999), max_ms: max, over_5ms: sorted.filter((t) => t > 5).length };
}

type Summary = ReturnType<typeof summary>;
const runs: Array<{ round: number; checkpoints_in_commit: Summary; checkpoints_on_thread: Summary }> = [];
for (let round = 1; round <= rounds; round++) {
  // Alternating, so that the disk's load from other work falls on both alike.
  const inCommitTimes = summary(await measure(inCommit));
  const onThreadTimes = summary(await measure(onThread));
  runs.push({ round, checkpoints_in_commit: inCommitTimes, checkpoints_on_thread: onThreadTimes });
  log(`round ${round}: in COMMIT ${JSON.stringify(inCommitTimes)}; on a thread ${JSON.stringify(onThreadTimes)}`);
}
log(`wrote ${writeResults('store-stall', `node dist/bench/store-stall.js --seconds ${seconds} --rounds ${rounds}`, { batch_events: BATCH, runs })}`);
