// The store's schema, version by version, for both databases. A released version never changes (a
// database records which versions it has applied, not what they said): a new column or table is a new
// version, never an edit to a table below.
import type { Migration } from './run.js';
import { addColumnStatement, createTableStatements, type Column, type Dialect, type Table } from './schema.js';

const BELONGS_TO_CALL: Column = { type: 'text', references: { table: 'calls', column: 'call_sid' } };

const calls: Table = {
  name: 'calls',
  columns: {
    call_sid: { type: 'text', primaryKey: true },
    stream_sid: { type: 'text', default: '' },
    account_sid: { type: 'text', default: '' },
    from_number: { type: 'text', default: '' },
    to_number: { type: 'text', default: '' },
    direction: { type: 'text', default: 'inbound', oneOf: ['inbound', 'outbound'] },
    custom_parameters: { type: 'text', default: '{}' },
    started_at: { type: 'bigint' },
    ended_at: { type: 'bigint', nullable: true },
    outcome: { type: 'text', nullable: true },
    reason: { type: 'text', nullable: true },
    duration_ms: { type: 'bigint', nullable: true },
    turns: { type: 'int', nullable: true },
    bytes_in: { type: 'bigint', nullable: true },
    bytes_out: { type: 'bigint', nullable: true },
    frames_in: { type: 'bigint', nullable: true },
    frames_out: { type: 'bigint', nullable: true },
    frames_dropped: { type: 'bigint', nullable: true },
    interruptions: { type: 'int', nullable: true },
    function_calls: { type: 'int', nullable: true },
  },
  indexes: [
    'CREATE INDEX calls_by_start ON calls (started_at DESC, call_sid DESC);',
    'CREATE INDEX calls_by_from ON calls (from_number, started_at);',
    'CREATE INDEX calls_by_to ON calls (to_number, started_at);',
  ],
};

const callTurns: Table = {
  name: 'call_turns',
  columns: {
    call_sid: BELONGS_TO_CALL,
    seq: { type: 'int' },
    role: { type: 'text', oneOf: ['user', 'assistant'] },
    text: { type: 'text' },
    started_at: { type: 'bigint' },
    ended_at: { type: 'bigint' },
    interrupted: { type: 'boolean' },
    heard_text: { type: 'text', nullable: true },
    heard_ms: { type: 'real', nullable: true },
  },
  primaryKey: ['call_sid', 'seq'],
};

const callFunctionCalls: Table = {
  name: 'call_function_calls',
  columns: {
    call_sid: BELONGS_TO_CALL,
    seq: { type: 'int' },
    call_id: { type: 'text' },
    name: { type: 'text' },
    arguments: { type: 'text' },
    result: { type: 'text' },
    ok: { type: 'boolean' },
    started_at: { type: 'bigint' },
    duration_ms: { type: 'real' },
  },
  primaryKey: ['call_sid', 'seq'],
};

const callEvents: Table = {
  name: 'call_events',
  columns: {
    call_sid: BELONGS_TO_CALL,
    seq: { type: 'int' },
    kind: { type: 'text' },
    detail: { type: 'text' },
    at: { type: 'bigint' },
  },
  primaryKey: ['call_sid', 'seq'],
};

const callLatencies: Table = {
  name: 'call_latencies',
  columns: {
    call_sid: BELONGS_TO_CALL,
    seq: { type: 'int' },
    at: { type: 'bigint' },
    response_ms: { type: 'real', nullable: true },
    agent_total_ms: { type: 'real', nullable: true },
    agent_tts_ms: { type: 'real', nullable: true },
    agent_ttt_ms: { type: 'real', nullable: true },
  },
  primaryKey: ['call_sid', 'seq'],
};

const appointments: Table = {
  name: 'appointments',
  columns: {
    id: { type: 'id' },
    patient_name: { type: 'text' },
    patient_key: { type: 'text' },
    date_of_birth: { type: 'text', nullable: true },
    date: { type: 'text' },
    time: { type: 'text' },
    reason: { type: 'text', nullable: true },
    status: { type: 'text', default: 'booked', oneOf: ['booked', 'cancelled'] },
    created_at: { type: 'bigint' },
    updated_at: { type: 'bigint' },
    // No reference to calls: calls are written asynchronously, so a booking made during a call
    // usually lands before its call's row does.
    call_sid: { type: 'text', nullable: true },
  },
  indexes: [
    "CREATE UNIQUE INDEX appointments_one_per_slot ON appointments (date, time) WHERE status = 'booked';",
    'CREATE INDEX appointments_by_patient ON appointments (patient_key, date);',
  ],
};

const callStatusCallbacks: Table = {
  name: 'call_status_callbacks',
  columns: {
    id: { type: 'id' },
    call_sid: { type: 'text' },
    status: { type: 'text' },
    at: { type: 'bigint' },
    payload: { type: 'text' },
  },
  indexes: ['CREATE INDEX call_status_callbacks_by_call ON call_status_callbacks (call_sid, at);'],
};

// The outbox of post-call reports: a row is written in the same transaction as the call's end, so a report
// exists for every ended call the store knows of, and is deleted by nothing.
const webhookDeliveries: Table = {
  name: 'webhook_deliveries',
  columns: {
    id: { type: 'id' },
    idempotency_key: { type: 'text' },
    call_sid: { type: 'text' },
    event: { type: 'text' },
    status: { type: 'text', default: 'pending', oneOf: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'int' },
    next_attempt_at: { type: 'bigint' },
    // The report as first sent: every retry sends the same body.
    payload: { type: 'text', nullable: true },
    last_error: { type: 'text', nullable: true },
    created_at: { type: 'bigint' },
    delivered_at: { type: 'bigint', nullable: true },
  },
  indexes: [
    'CREATE UNIQUE INDEX webhook_deliveries_by_key ON webhook_deliveries (idempotency_key);',
    'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);',
  ],
};

// What callers asked to pass on when a transfer went unanswered: the front desk's inbox (GET /api/messages).
// No reference to calls: like appointments, a message can land before its call's row.
const staffMessages: Table = {
  name: 'staff_messages',
  columns: {
    id: { type: 'id' },
    call_sid: { type: 'text' },
    from_number: { type: 'text', default: '' },
    agent: { type: 'text', default: 'default' },
    text: { type: 'text' },
    created_at: { type: 'bigint' },
  },
  indexes: [
    'CREATE INDEX staff_messages_by_time ON staff_messages (created_at DESC, id DESC);',
    'CREATE INDEX staff_messages_by_call ON staff_messages (call_sid);',
  ],
};

/** A column a later version adds to a table an earlier one created. */
interface AddedColumn {
  table: Table;
  name: string;
  column: Column;
}

interface Version {
  version: number;
  name: string;
  tables: readonly Table[];
  addColumns?: readonly AddedColumn[];
  /** Statements after the rest, the same in both databases (index changes). */
  statements?: readonly string[];
}

// Calls and appointments belong to the agent that answered: each agent (AGENTS_DIR) books its own
// clinic's calendar, so a slot is taken per agent, not across every clinic.
const AGENT: Column = { type: 'text', default: 'default' };

const VERSIONS: readonly Version[] = [
  { version: 1, name: 'calls', tables: [calls, callTurns, callFunctionCalls, callEvents, callLatencies] },
  { version: 2, name: 'appointments', tables: [appointments] },
  { version: 3, name: 'call_status_callbacks', tables: [callStatusCallbacks] },
  { version: 4, name: 'webhook_deliveries', tables: [webhookDeliveries] },
  {
    version: 5,
    name: 'agents',
    tables: [],
    addColumns: [
      { table: calls, name: 'agent', column: AGENT },
      { table: appointments, name: 'agent', column: AGENT },
    ],
    statements: [
      'DROP INDEX appointments_one_per_slot;',
      "CREATE UNIQUE INDEX appointments_one_per_slot ON appointments (agent, date, time) WHERE status = 'booked';",
      'CREATE INDEX calls_by_agent ON calls (agent, started_at);',
    ],
  },
  // Calls came only from Twilio until the other carriers were added.
  { version: 6, name: 'calls_carrier', tables: [], addColumns: [{ table: calls, name: 'carrier', column: { type: 'text', default: 'twilio' } }] },
  { version: 7, name: 'staff_messages', tables: [staffMessages] },
];

/** Every table the migrations create, with the columns later versions added. */
export const TABLES: readonly Table[] = VERSIONS.flatMap((v) => v.tables).map((table) => {
  const added = VERSIONS.flatMap((v) => v.addColumns ?? []).filter((a) => a.table === table);
  return added.length === 0 ? table : { ...table, columns: { ...table.columns, ...Object.fromEntries(added.map((a) => [a.name, a.column])) } };
});

function migrationsFor(dialect: Dialect): readonly Migration[] {
  return VERSIONS.map(({ version, name, tables, addColumns = [], statements: extra = [] }) => {
    const statements = [
      ...tables.flatMap((table) => createTableStatements(table, dialect)),
      ...addColumns.map((a) => addColumnStatement(a.table, a.name, a.column, dialect)),
      ...extra,
    ];
    // Laid out as the first releases wrote them by hand, which SQLite keeps verbatim in sqlite_schema.
    const sql = statements.map((statement) => `\n${statement.replaceAll(/^/gm, '      ')}`).join('');
    return { version, name, sql };
  });
}

export const sqliteMigrations = migrationsFor('sqlite');
export const postgresMigrations = migrationsFor('postgres');
