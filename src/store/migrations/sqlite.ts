import type { Migration } from './run.js';

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'calls',
    sql: `
      CREATE TABLE calls (
        call_sid TEXT PRIMARY KEY,
        stream_sid TEXT NOT NULL DEFAULT '',
        account_sid TEXT NOT NULL DEFAULT '',
        from_number TEXT NOT NULL DEFAULT '',
        to_number TEXT NOT NULL DEFAULT '',
        direction TEXT NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound')),
        custom_parameters TEXT NOT NULL DEFAULT '{}',
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        outcome TEXT,
        reason TEXT,
        duration_ms INTEGER,
        turns INTEGER,
        bytes_in INTEGER,
        bytes_out INTEGER,
        frames_in INTEGER,
        frames_out INTEGER,
        frames_dropped INTEGER,
        interruptions INTEGER,
        function_calls INTEGER
      );
      CREATE INDEX calls_by_start ON calls (started_at DESC, call_sid DESC);
      CREATE INDEX calls_by_from ON calls (from_number, started_at);
      CREATE INDEX calls_by_to ON calls (to_number, started_at);
      CREATE TABLE call_turns (
        call_sid TEXT NOT NULL REFERENCES calls (call_sid) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        text TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        interrupted INTEGER NOT NULL,
        heard_text TEXT,
        heard_ms REAL,
        PRIMARY KEY (call_sid, seq)
      );
      CREATE TABLE call_function_calls (
        call_sid TEXT NOT NULL REFERENCES calls (call_sid) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        call_id TEXT NOT NULL,
        name TEXT NOT NULL,
        arguments TEXT NOT NULL,
        result TEXT NOT NULL,
        ok INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        PRIMARY KEY (call_sid, seq)
      );
      CREATE TABLE call_events (
        call_sid TEXT NOT NULL REFERENCES calls (call_sid) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (call_sid, seq)
      );
      CREATE TABLE call_latencies (
        call_sid TEXT NOT NULL REFERENCES calls (call_sid) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        response_ms REAL,
        agent_total_ms REAL,
        agent_tts_ms REAL,
        agent_ttt_ms REAL,
        PRIMARY KEY (call_sid, seq)
      );`,
  },
  {
    version: 2,
    name: 'appointments',
    // call_sid has no foreign key: calls are written asynchronously, so a booking made during a call
    // usually lands before its call's row does.
    sql: `
      CREATE TABLE appointments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_name TEXT NOT NULL,
        patient_key TEXT NOT NULL,
        date_of_birth TEXT,
        date TEXT NOT NULL,
        time TEXT NOT NULL,
        reason TEXT,
        status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        call_sid TEXT
      );
      CREATE UNIQUE INDEX appointments_one_per_slot ON appointments (date, time) WHERE status = 'booked';
      CREATE INDEX appointments_by_patient ON appointments (patient_key, date);`,
  },
  {
    version: 3,
    name: 'call_status_callbacks',
    sql: `
      CREATE TABLE call_status_callbacks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_sid TEXT NOT NULL,
        status TEXT NOT NULL,
        at INTEGER NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE INDEX call_status_callbacks_by_call ON call_status_callbacks (call_sid, at);`,
  },
];
