import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Histogram } from 'prom-client';
import { CallEventBus } from '../../src/domain/call.js';
import { Metrics } from '../../src/observability/metrics.js';
import { migrate, type Migration } from '../../src/store/migrations/run.js';
import { postgresMigrations, sqliteMigrations } from '../../src/store/migrations/migrations.js';
import { openStore } from '../../src/store/open.js';
import { PostgresDriver } from '../../src/store/postgres-driver.js';
import { CallRecorder } from '../../src/store/recorder.js';
import { SqliteDriver } from '../../src/store/sqlite-driver.js';
import type { SqlDriver } from '../../src/store/sql.js';
import {
  AppointmentNotFoundError,
  InvalidAppointmentError,
  InvalidCursorError,
  SlotTakenError,
  type Store,
} from '../../src/store/types.js';
import { silentLogger } from '../../src/observability/log.js';
import { dialects, type Dialect, type TestDatabase } from './databases.js';
import { sampleCall } from './sample-call.js';

function driverFor(dialect: Dialect, url: string): SqlDriver {
  return dialect.name === 'sqlite' ? new SqliteDriver(url) : new PostgresDriver(url, silentLogger);
}

for (const dialect of dialects) {
  describe(`store on ${dialect.name}`, { skip: dialect.skip }, () => {
    let db: TestDatabase;
    let store: Store;

    before(async () => {
      db = await dialect.create();
      store = await openStore(db.url);
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('opens the dialect the URL names', () => {
      assert.equal(store.dialect, dialect.name);
    });

    it('applies each migration once, and a failing one not at all', async () => {
      const migrations = dialect.name === 'sqlite' ? sqliteMigrations : postgresMigrations;
      const driver = driverFor(dialect, db.url);
      try {
        assert.deepEqual(await migrate(driver, migrations), [], 'openStore already applied them');
        const broken: Migration[] = [
          ...migrations,
          { version: migrations.length + 1, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;' },
        ];
        await assert.rejects(migrate(driver, broken));
        const versions = await driver.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(versions.map((r) => Number(r.version)), migrations.map((m) => m.version));
        await assert.rejects(driver.all('SELECT * FROM half_done'), 'the failed migration was rolled back whole');
      } finally {
        await driver.close();
      }
    });

    it('records a whole call through the recorder and reads it back after a restart', async () => {
      const bus = new CallEventBus();
      const metrics = new Metrics({ defaultMetrics: false });
      const recorder = new CallRecorder(store, bus, { batchSize: 4, metrics });
      const events = sampleCall({ callSid: 'CA-restart', startedAt: 1_700_000_000_000 });
      for (const event of events) bus.emit(event);
      await recorder.close();
      metrics.close();
      const writes = (await (metrics.registry.getSingleMetric('phone_agent_store_write_seconds') as Histogram).get()).values;
      assert.equal(writes.find((v) => v.metricName?.endsWith('_count'))?.value, 3, '9 events in batches of 4');

      await store.close();
      store = await openStore(db.url);
      const call = await store.getCall('CA-restart');
      assert.ok(call);
      const started = events[0]!.type === 'call_started' ? events[0]!.call : assert.fail('first event starts the call');
      assert.deepEqual(call, {
        ...started,
        endedAt: started.startedAt + 9000,
        outcome: 'completed',
        reason: 'caller hung up',
        summary: {
          durationMs: 9000,
          turns: 3,
          bytesIn: 72_000,
          bytesOut: 40_000,
          framesIn: 450,
          framesOut: 250,
          framesDropped: 3,
          interruptions: 1,
          functionCalls: 1,
        },
        transcript: events.flatMap((e) => (e.type === 'turn' ? [e.turn] : [])),
        functionCalls: events.flatMap((e) => (e.type === 'function_call' ? [e.call] : [])),
        events: [{ kind: 'barge_in', detail: 'caller spoke over the agent', at: started.startedAt + 5000 }],
        latencies: events.flatMap((e) => (e.type === 'latency' ? [e.latency] : [])),
        statusCallbacks: [],
        messages: [],
      });
    });

    it('keeps the events of a call whose start it never saw', async () => {
      await store.recordEvents([{ type: 'event', callSid: 'CA-orphan', at: 5000, kind: 'warning', detail: 'late' }]);
      const call = await store.getCall('CA-orphan');
      assert.equal(call?.startedAt, 5000);
      assert.deepEqual(call?.events, [{ kind: 'warning', detail: 'late', at: 5000 }]);
      await store.recordEvents(sampleCall({ callSid: 'CA-orphan', startedAt: 4000 }).slice(0, 1));
      assert.equal((await store.getCall('CA-orphan'))?.from, '+15550001111', 'the real start fills the placeholder');
    });

    it('returns undefined for an unknown call', async () => {
      assert.equal(await store.getCall('CA-nope'), undefined);
    });

    it('records status callbacks with their call', async () => {
      await store.recordStatusCallback({ callSid: 'CA-restart', status: 'completed', at: 1_700_000_010_000, payload: { CallStatus: 'completed' } });
      const call = await store.getCall('CA-restart');
      assert.deepEqual(call?.statusCallbacks, [{ callSid: 'CA-restart', status: 'completed', at: 1_700_000_010_000, payload: { CallStatus: 'completed' } }]);
    });

    it('keeps messages for staff with their call, and lists them newest first', async () => {
      const message = (text: string, createdAt: number) => ({ callSid: 'CA-message', from: '+15550001111', agent: 'default', text, createdAt });
      await store.recordEvents([
        { type: 'staff_message', callSid: 'CA-message', message: message('please call me back', 1_700_000_001_000) },
        { type: 'staff_message', callSid: 'CA-message', message: message('about the bill', 1_700_000_002_000) },
      ]);
      const listed = await store.listStaffMessages({ limit: 10 });
      assert.deepEqual(
        listed.filter((m) => m.callSid === 'CA-message').map(({ id: _id, ...m }) => m),
        [message('about the bill', 1_700_000_002_000), message('please call me back', 1_700_000_001_000)],
      );
      assert.deepEqual((await store.getCall('CA-message'))?.messages.map((m) => m.text), ['please call me back', 'about the bill']);
    });

    describe('listing calls', () => {
      const base = 1_800_000_000_000;
      before(async () => {
        const calls = [
          sampleCall({ callSid: 'CA-l1', startedAt: base + 1000, from: '+1111' }),
          sampleCall({ callSid: 'CA-l2', startedAt: base + 2000, from: '+2222', outcome: 'agent_hangup' }),
          sampleCall({ callSid: 'CA-l3', startedAt: base + 3000, from: '+1111', direction: 'outbound' }),
          sampleCall({ callSid: 'CA-l4', startedAt: base + 3000, from: '+1111' }),
          sampleCall({ callSid: 'CA-l5', startedAt: base + 5000, from: '+3333', to: '+4444', carrier: 'telnyx' }),
        ];
        await store.recordEvents(calls.flat());
      });

      it('filters by number, outcome, direction, carrier and time', async () => {
        const sids = async (q: Parameters<Store['listCalls']>[0]) => (await store.listCalls({ since: base, ...q })).calls.map((c) => c.callSid);
        assert.deepEqual(await sids({}), ['CA-l5', 'CA-l4', 'CA-l3', 'CA-l2', 'CA-l1']);
        assert.deepEqual(await sids({ from: '+1111' }), ['CA-l4', 'CA-l3', 'CA-l1']);
        assert.deepEqual(await sids({ to: '+4444' }), ['CA-l5']);
        assert.deepEqual(await sids({ outcome: 'agent_hangup' }), ['CA-l2']);
        assert.deepEqual(await sids({ direction: 'outbound' }), ['CA-l3']);
        assert.deepEqual(await sids({ carrier: 'telnyx' }), ['CA-l5']);
        assert.equal((await store.getCall('CA-l5'))?.carrier, 'telnyx', 'the record names its carrier');
        assert.deepEqual(await sids({ since: base + 2000, until: base + 5000 }), ['CA-l4', 'CA-l3', 'CA-l2']);
      });

      it('pages with a cursor, ties on the start time included', async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listCalls({ since: base, limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...page.calls.map((c) => c.callSid));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        assert.deepEqual(seen, ['CA-l5', 'CA-l4', 'CA-l3', 'CA-l2', 'CA-l1']);
        assert.equal(pages, 3);
      });

      it('rejects a cursor it did not make', async () => {
        await assert.rejects(store.listCalls({ cursor: 'bogus' }), InvalidCursorError);
      });
    });

    describe('appointments', () => {
      it('books, and refuses a second booking of the same slot', async () => {
        const booked = await store.createAppointment({
          patientName: ' Ada  Lovelace ',
          dateOfBirth: '1815-12-10',
          date: '2030-01-07',
          time: '09:00',
          reason: 'checkup',
          callSid: 'CA-1',
        });
        assert.equal(booked.patientName, 'Ada Lovelace');
        assert.equal(booked.status, 'booked');
        assert.equal(booked.callSid, 'CA-1');
        const error = await store.createAppointment({ patientName: 'Alan Turing', date: '2030-01-07', time: '09:00' }).catch((e: unknown) => e);
        assert.ok(error instanceof SlotTakenError);
        assert.deepEqual(error.slot, { date: '2030-01-07', time: '09:00' });
      });

      it('lets exactly one of two simultaneous bookings of a slot win', async () => {
        const results = await Promise.allSettled([
          store.createAppointment({ patientName: 'One', date: '2030-01-08', time: '10:00' }),
          store.createAppointment({ patientName: 'Two', date: '2030-01-08', time: '10:00' }),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const rejected = results.find((r) => r.status === 'rejected');
        assert.ok(rejected?.status === 'rejected' && rejected.reason instanceof SlotTakenError);
      });

      it('frees the slot when cancelled', async () => {
        const a = await store.createAppointment({ patientName: 'Grace Hopper', date: '2030-01-09', time: '11:30' });
        const cancelled = await store.cancelAppointment(a.id);
        assert.equal(cancelled.status, 'cancelled');
        await assert.rejects(store.cancelAppointment(a.id), AppointmentNotFoundError);
        const again = await store.createAppointment({ patientName: 'Someone Else', date: '2030-01-09', time: '11:30' });
        assert.equal(again.status, 'booked');
      });

      it('reschedules into a free slot only', async () => {
        const a = await store.createAppointment({ patientName: 'Katherine Johnson', date: '2030-01-10', time: '08:00' });
        await store.createAppointment({ patientName: 'Blocker', date: '2030-01-10', time: '08:30' });
        await assert.rejects(store.rescheduleAppointment(a.id, { date: '2030-01-10', time: '08:30' }), SlotTakenError);
        const moved = await store.rescheduleAppointment(a.id, { date: '2030-01-11', time: '14:00' });
        assert.deepEqual([moved.date, moved.time, moved.id], ['2030-01-11', '14:00', a.id]);
        assert.deepEqual((await store.appointmentsOn('2030-01-10')).map((x) => x.patientName), ['Blocker'], 'the old slot is free');
        await assert.rejects(store.rescheduleAppointment(999_999, { date: '2030-01-12', time: '09:00' }), AppointmentNotFoundError);
      });

      it('finds a patient by name regardless of case and spacing, narrowed by birth date and day', async () => {
        await store.createAppointment({ patientName: 'Mary Jackson', dateOfBirth: '1921-04-09', date: '2030-02-01', time: '09:00' });
        await store.createAppointment({ patientName: 'Mary Jackson', dateOfBirth: '1990-01-01', date: '2030-02-02', time: '09:00' });
        const byName = await store.findAppointments({ patientName: 'mary   JACKSON' });
        assert.deepEqual(byName.map((a) => a.date), ['2030-02-01', '2030-02-02']);
        const byBirth = await store.findAppointments({ patientName: 'Mary Jackson', dateOfBirth: '1921-04-09' });
        assert.deepEqual(byBirth.map((a) => a.date), ['2030-02-01']);
        const byDay = await store.findAppointments({ patientName: 'Mary Jackson', date: '2030-02-02' });
        assert.deepEqual(byDay.map((a) => a.dateOfBirth), ['1990-01-01']);
      });

      it('lists a day by time, and all appointments by filters', async () => {
        await store.createAppointment({ patientName: 'Late', date: '2030-03-01', time: '16:00' });
        await store.createAppointment({ patientName: 'Early', date: '2030-03-01', time: '08:00' });
        const gone = await store.createAppointment({ patientName: 'Gone', date: '2030-03-01', time: '12:00' });
        await store.cancelAppointment(gone.id);
        assert.deepEqual((await store.appointmentsOn('2030-03-01')).map((a) => a.time), ['08:00', '16:00']);
        const all = await store.listAppointments({ date: '2030-03-01' });
        assert.deepEqual(all.map((a) => a.patientName), ['Early', 'Gone', 'Late']);
        assert.deepEqual((await store.listAppointments({ date: '2030-03-01', status: 'cancelled' })).map((a) => a.patientName), ['Gone']);
        const range = await store.listAppointments({ fromDate: '2030-02-01', toDate: '2030-02-28' });
        assert.deepEqual(range.map((a) => a.date), ['2030-02-01', '2030-02-02']);
        assert.deepEqual((await store.listAppointments({ callSid: 'CA-1' })).map((a) => a.patientName), ['Ada Lovelace']);
        const paged = await store.listAppointments({ date: '2030-03-01', limit: 1, offset: 1 });
        assert.deepEqual(paged.map((a) => a.patientName), ['Gone']);
      });

      it('rejects malformed days and times instead of storing a second spelling of a slot', async () => {
        await assert.rejects(store.createAppointment({ patientName: 'X', date: '2030-01-07', time: '9:00' }), InvalidAppointmentError);
        await assert.rejects(store.createAppointment({ patientName: 'X', date: '07/01/2030', time: '09:00' }), InvalidAppointmentError);
        await assert.rejects(store.createAppointment({ patientName: '  ', date: '2030-01-07', time: '09:15' }), InvalidAppointmentError);
      });
    });
  });
}

describe('openStore', () => {
  it('creates the SQLite file and its folder, in WAL mode', async () => {
    const db = await dialects[0]!.create();
    try {
      const store = await openStore(db.url);
      await store.close();
      const raw = new Database(db.url, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        raw.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('refuses a URL scheme it does not speak', async () => {
    await assert.rejects(openStore('mysql://localhost/db'), /unsupported scheme "mysql:\/\/"/);
  });
});
