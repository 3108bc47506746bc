// The Store over either database. The statements are portable SQL (ON CONFLICT, RETURNING and partial
// indexes exist in both SQLite 3.35+ and Postgres); only the drivers and the migrations differ.
import type { CallEvent, CallInfo, FunctionCallRecord, TranscriptTurn, TurnLatency } from '../domain/call.js';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './sql.js';
import {
  AppointmentNotFoundError,
  DEFAULT_PAGE_SIZE,
  InvalidAppointmentError,
  InvalidCursorError,
  MAX_PAGE_SIZE,
  SlotTakenError,
  type Appointment,
  type AppointmentQuery,
  type AppointmentStatus,
  type CallDetail,
  type CallEventRecord,
  type CallPage,
  type CallQuery,
  type CallRecord,
  type NewAppointment,
  type PatientQuery,
  type Slot,
  type StaffMessageRecord,
  type Store,
  type WebhookDelivery,
  type WebhookOutcome,
  type WebhookStatus,
} from './types.js';
import type { StatusCallback } from '../domain/dialer.js';
import { DEFAULT_AGENT, type CallEventKind } from '../domain/call.js';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DEFAULT_APPOINTMENT_LIMIT = 100;

/** The next seq of a child table for one call; the recorder writes one batch at a time, so no two writers race. */
const nextSeq = (table: string) => `(SELECT COALESCE(MAX(seq), -1) + 1 FROM ${table} WHERE call_sid = ?)`;

/** The post-call report's event name, and its idempotency key for a call. */
export const CALL_ENDED_EVENT = 'call.ended';
const callEndedKey = (callSid: string) => `${CALL_ENDED_EVENT}:${callSid}`;

export interface SqlStoreOptions {
  /** Every call_ended written also enqueues a post-call report in the outbox, in the same transaction. */
  reportEndedCalls?: boolean;
}

export class SqlStore implements Store {
  readonly dialect: Store['dialect'];
  readonly #reportEndedCalls: boolean;

  constructor(
    private readonly db: SqlDriver,
    options: SqlStoreOptions = {},
  ) {
    this.dialect = db.dialect;
    this.#reportEndedCalls = options.reportEndedCalls ?? false;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---- calls ----

  recordEvents(events: readonly CallEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.db.transaction(async (tx) => {
      const known = new Set<string>();
      for (const event of events) {
        if (event.type === 'call_started') {
          await upsertCall(tx, event.call);
          known.add(event.call.callSid);
          continue;
        }
        if (!known.has(event.callSid)) {
          // The call's start may have been recorded by an earlier batch, or lost: a placeholder row keeps
          // the rest of the call instead of failing the batch on the foreign key.
          await tx.run('INSERT INTO calls (call_sid, started_at) VALUES (?, ?) ON CONFLICT (call_sid) DO NOTHING', [event.callSid, ms(eventTime(event))]);
          known.add(event.callSid);
        }
        await recordChild(tx, event);
        if (event.type === 'call_ended' && this.#reportEndedCalls) await enqueueReport(tx, event.callSid, event.endedAt);
      }
    });
  }

  async recordStatusCallback(callback: StatusCallback): Promise<void> {
    await this.db.run('INSERT INTO call_status_callbacks (call_sid, status, at, payload) VALUES (?, ?, ?, ?)', [
      callback.callSid,
      callback.status,
      ms(callback.at),
      JSON.stringify(callback.payload),
    ]);
  }

  async listCalls(query: CallQuery = {}): Promise<CallPage> {
    const limit = pageSize(query.limit, DEFAULT_PAGE_SIZE);
    const where = new Conditions();
    where.add('agent = ?', query.agent);
    where.add('from_number = ?', query.from);
    where.add('to_number = ?', query.to);
    where.add('outcome = ?', query.outcome);
    where.add('direction = ?', query.direction);
    where.add('carrier = ?', query.carrier);
    where.add('started_at >= ?', query.since);
    where.add('started_at < ?', query.until);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      where.add('(started_at < ? OR (started_at = ? AND call_sid < ?))', after.startedAt, after.startedAt, after.callSid);
    }
    const rows = await this.db.all(`SELECT * FROM calls ${where.sql()} ORDER BY started_at DESC, call_sid DESC LIMIT ?`, [...where.params, limit + 1]);
    const calls = rows.slice(0, limit).map(toCallRecord);
    const last = calls.at(-1);
    return { calls, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async getCall(callSid: string): Promise<CallDetail | undefined> {
    const [row] = await this.db.all('SELECT * FROM calls WHERE call_sid = ?', [callSid]);
    if (!row) return undefined;
    const children = (table: string) => this.db.all(`SELECT * FROM ${table} WHERE call_sid = ? ORDER BY seq`, [callSid]);
    const [turns, functionCalls, events, latencies, callbacks, messages] = await Promise.all([
      children('call_turns'),
      children('call_function_calls'),
      children('call_events'),
      children('call_latencies'),
      this.db.all('SELECT * FROM call_status_callbacks WHERE call_sid = ? ORDER BY at, id', [callSid]),
      this.db.all('SELECT * FROM staff_messages WHERE call_sid = ? ORDER BY created_at, id', [callSid]),
    ]);
    return {
      ...toCallRecord(row),
      transcript: turns.map(toTurn),
      functionCalls: functionCalls.map(toFunctionCall),
      events: events.map(toEvent),
      latencies: latencies.map(toLatency),
      statusCallbacks: callbacks.map(toStatusCallback),
      messages: messages.map(toStaffMessage),
    };
  }

  async listStaffMessages(query: { limit?: number } = {}): Promise<StaffMessageRecord[]> {
    const rows = await this.db.all('SELECT * FROM staff_messages ORDER BY created_at DESC, id DESC LIMIT ?', [pageSize(query.limit, DEFAULT_PAGE_SIZE)]);
    return rows.map(toStaffMessage);
  }

  // ---- the post-call report outbox ----

  async dueWebhooks(now: number, limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.db.all(`SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, [
      ms(now),
      limit,
    ]);
    return rows.map(toWebhookDelivery);
  }

  async claimWebhook(delivery: Pick<WebhookDelivery, 'id' | 'nextAttemptAt'>, leaseUntil: number): Promise<boolean> {
    // Whoever moves next_attempt_at first holds the delivery; a worker that dies mid-attempt lets the lease lapse.
    const { changes } = await this.db.run(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at = ?`, [
      ms(leaseUntil),
      delivery.id,
      ms(delivery.nextAttemptAt),
    ]);
    return changes === 1;
  }

  async setWebhookPayload(id: number, payload: string): Promise<string> {
    await this.db.run('UPDATE webhook_deliveries SET payload = ? WHERE id = ? AND payload IS NULL', [payload, id]);
    const [row] = await this.db.all('SELECT payload FROM webhook_deliveries WHERE id = ?', [id]);
    return str(row?.payload);
  }

  async finishWebhookAttempt(id: number, outcome: WebhookOutcome): Promise<void> {
    if (outcome.error === undefined) {
      await this.db.run(`UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?`, [
        ms(outcome.at),
        id,
      ]);
      return;
    }
    const status: WebhookStatus = outcome.retryAt === undefined ? 'failed' : 'pending';
    await this.db.run('UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?', [
      status,
      ms(outcome.retryAt ?? outcome.at),
      outcome.error,
      id,
    ]);
  }

  async listWebhooks(query: { status?: WebhookStatus; limit?: number } = {}): Promise<WebhookDelivery[]> {
    const where = new Conditions();
    where.add('status = ?', query.status);
    const rows = await this.db.all(`SELECT * FROM webhook_deliveries ${where.sql()} ORDER BY created_at DESC, id DESC LIMIT ?`, [
      ...where.params,
      pageSize(query.limit, DEFAULT_PAGE_SIZE),
    ]);
    return rows.map(toWebhookDelivery);
  }

  async webhookBacklog(): Promise<{ pending: number; failed: number }> {
    const rows = await this.db.all(`SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE status <> 'delivered' GROUP BY status`);
    const count = (status: WebhookStatus) => num(rows.find((r) => r.status === status)?.n ?? 0);
    return { pending: count('pending'), failed: count('failed') };
  }

  async retryWebhook(id: number, now: number): Promise<boolean> {
    const { changes } = await this.db.run(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'failed'`, [
      ms(now),
      id,
    ]);
    return changes === 1;
  }

  // ---- appointments ----

  async createAppointment(input: NewAppointment): Promise<Appointment> {
    const slot = checkSlot(input);
    const patientName = checkName(input.patientName);
    const dateOfBirth = checkOptionalDate(input.dateOfBirth, 'date of birth');
    const now = Date.now();
    const rows = await this.#slotWrite(slot, () =>
      this.db.all(
        `INSERT INTO appointments (patient_name, patient_key, date_of_birth, date, time, reason, status, created_at, updated_at, call_sid, agent)
         VALUES (?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?) RETURNING *`,
        [
          patientName,
          patientKey(patientName),
          dateOfBirth,
          slot.date,
          slot.time,
          input.reason?.trim() || null,
          now,
          now,
          input.callSid ?? null,
          input.agent ?? DEFAULT_AGENT,
        ],
      ),
    );
    return toAppointment(rows[0]!);
  }

  async rescheduleAppointment(id: number, slot: Slot): Promise<Appointment> {
    const target = checkSlot(slot);
    const rows = await this.#slotWrite(target, () =>
      this.db.all(`UPDATE appointments SET date = ?, time = ?, updated_at = ? WHERE id = ? AND status = 'booked' RETURNING *`, [
        target.date,
        target.time,
        Date.now(),
        id,
      ]),
    );
    if (!rows[0]) throw new AppointmentNotFoundError(id);
    return toAppointment(rows[0]);
  }

  async cancelAppointment(id: number): Promise<Appointment> {
    const rows = await this.db.all(`UPDATE appointments SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'booked' RETURNING *`, [
      Date.now(),
      id,
    ]);
    if (!rows[0]) throw new AppointmentNotFoundError(id);
    return toAppointment(rows[0]);
  }

  findAppointments(query: PatientQuery): Promise<Appointment[]> {
    return this.#selectAppointments({
      patientName: query.patientName,
      dateOfBirth: query.dateOfBirth,
      date: query.date,
      status: query.status ?? 'booked',
      agent: query.agent,
      limit: MAX_PAGE_SIZE,
    });
  }

  appointmentsOn(date: string, agent?: string): Promise<Appointment[]> {
    return this.#selectAppointments({ date, agent, status: 'booked', limit: MAX_PAGE_SIZE });
  }

  listAppointments(query: AppointmentQuery = {}): Promise<Appointment[]> {
    return this.#selectAppointments({ ...query, limit: pageSize(query.limit, DEFAULT_APPOINTMENT_LIMIT) });
  }

  async #selectAppointments(query: AppointmentQuery & { dateOfBirth?: string | undefined; limit: number }): Promise<Appointment[]> {
    const where = new Conditions();
    where.add('agent = ?', query.agent);
    where.add('status = ?', query.status);
    where.add('date = ?', query.date);
    where.add('date >= ?', query.fromDate);
    where.add('date <= ?', query.toDate);
    where.add('patient_key = ?', query.patientName === undefined ? undefined : patientKey(query.patientName));
    where.add('date_of_birth = ?', query.dateOfBirth);
    where.add('call_sid = ?', query.callSid);
    const rows = await this.db.all(`SELECT * FROM appointments ${where.sql()} ORDER BY date, time, id LIMIT ? OFFSET ?`, [
      ...where.params,
      query.limit,
      Math.max(0, Math.trunc(query.offset ?? 0)),
    ]);
    return rows.map(toAppointment);
  }

  /** The partial unique index is the arbiter of double booking; its violation becomes a typed error. */
  async #slotWrite(slot: Slot, write: () => Promise<Row[]>): Promise<Row[]> {
    try {
      return await write();
    } catch (err) {
      if (this.db.isUniqueViolation(err)) throw new SlotTakenError(slot);
      throw err;
    }
  }
}

class Conditions {
  readonly #clauses: string[] = [];
  readonly params: SqlValue[] = [];

  /** Adds the clause unless its first value is undefined (the filter was not asked for). */
  add(clause: string, ...values: (string | number | undefined)[]): void {
    if (values[0] === undefined) return;
    this.#clauses.push(clause);
    this.params.push(...values.map((v) => v ?? null));
  }

  sql(): string {
    return this.#clauses.length ? `WHERE ${this.#clauses.join(' AND ')}` : '';
  }
}

async function upsertCall(tx: SqlExecutor, call: CallInfo): Promise<void> {
  await tx.run(
    `INSERT INTO calls (call_sid, carrier, stream_sid, account_sid, from_number, to_number, direction, custom_parameters, started_at, agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (call_sid) DO UPDATE SET carrier = excluded.carrier, stream_sid = excluded.stream_sid, account_sid = excluded.account_sid,
       from_number = excluded.from_number, to_number = excluded.to_number, direction = excluded.direction,
       custom_parameters = excluded.custom_parameters, started_at = excluded.started_at, agent = excluded.agent`,
    [
      call.callSid,
      call.carrier,
      call.streamSid,
      call.accountSid,
      call.from,
      call.to,
      call.direction,
      JSON.stringify(call.customParameters),
      ms(call.startedAt),
      call.agent ?? DEFAULT_AGENT,
    ],
  );
}

async function recordChild(tx: SqlExecutor, event: Exclude<CallEvent, { type: 'call_started' }>): Promise<void> {
  const sid = event.callSid;
  switch (event.type) {
    case 'turn': {
      const t = event.turn;
      await tx.run(
        `INSERT INTO call_turns (call_sid, seq, role, text, started_at, ended_at, interrupted, heard_text, heard_ms)
         VALUES (?, ${nextSeq('call_turns')}, ?, ?, ?, ?, ?, ?, ?)`,
        [sid, sid, t.role, t.text, ms(t.startedAt), ms(t.endedAt), bit(t.interrupted), t.heardText ?? null, t.heardMs ?? null],
      );
      return;
    }
    case 'function_call': {
      const c = event.call;
      await tx.run(
        `INSERT INTO call_function_calls (call_sid, seq, call_id, name, arguments, result, ok, started_at, duration_ms)
         VALUES (?, ${nextSeq('call_function_calls')}, ?, ?, ?, ?, ?, ?, ?)`,
        [sid, sid, c.id, c.name, c.arguments, c.result, bit(c.ok), ms(c.startedAt), c.durationMs],
      );
      return;
    }
    case 'latency': {
      const l = event.latency;
      await tx.run(
        `INSERT INTO call_latencies (call_sid, seq, at, response_ms, agent_total_ms, agent_tts_ms, agent_ttt_ms)
         VALUES (?, ${nextSeq('call_latencies')}, ?, ?, ?, ?, ?)`,
        [sid, sid, ms(l.at), l.responseMs ?? null, l.agentTotalMs ?? null, l.agentTtsMs ?? null, l.agentTttMs ?? null],
      );
      return;
    }
    case 'event':
      await tx.run(`INSERT INTO call_events (call_sid, seq, kind, detail, at) VALUES (?, ${nextSeq('call_events')}, ?, ?, ?)`, [
        sid,
        sid,
        event.kind,
        event.detail,
        ms(event.at),
      ]);
      return;
    case 'staff_message': {
      const m = event.message;
      await tx.run('INSERT INTO staff_messages (call_sid, from_number, agent, text, created_at) VALUES (?, ?, ?, ?, ?)', [
        sid,
        m.from,
        m.agent,
        m.text,
        ms(m.createdAt),
      ]);
      return;
    }
    case 'call_ended': {
      const s = event.summary;
      await tx.run(
        `UPDATE calls SET ended_at = ?, outcome = ?, reason = ?, duration_ms = ?, turns = ?, bytes_in = ?, bytes_out = ?,
           frames_in = ?, frames_out = ?, frames_dropped = ?, interruptions = ?, function_calls = ?
         WHERE call_sid = ?`,
        [
          ms(event.endedAt),
          s.outcome,
          s.reason ?? null,
          ms(s.durationMs),
          s.turns,
          s.bytesIn,
          s.bytesOut,
          s.framesIn,
          s.framesOut,
          s.framesDropped,
          s.interruptions,
          s.functionCalls,
          sid,
        ],
      );
      return;
    }
  }
}

async function enqueueReport(tx: SqlExecutor, callSid: string, endedAt: number): Promise<void> {
  await tx.run(
    `INSERT INTO webhook_deliveries (idempotency_key, call_sid, event, status, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
    [callEndedKey(callSid), callSid, CALL_ENDED_EVENT, ms(endedAt), ms(endedAt)],
  );
}

function eventTime(event: Exclude<CallEvent, { type: 'call_started' }>): number {
  switch (event.type) {
    case 'turn':
      return event.turn.startedAt;
    case 'function_call':
      return event.call.startedAt;
    case 'latency':
      return event.latency.at;
    case 'event':
      return event.at;
    case 'staff_message':
      return event.message.createdAt;
    case 'call_ended':
      return event.endedAt - event.summary.durationMs;
  }
}

// ---- rows to objects ----

const num = (v: unknown): number => Number(v);
const optNum = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const str = (v: unknown): string => String(v ?? '');
const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toCallRecord(r: Row): CallRecord {
  const ended = r.ended_at !== null && r.ended_at !== undefined;
  return {
    callSid: str(r.call_sid),
    carrier: str(r.carrier),
    streamSid: str(r.stream_sid),
    accountSid: str(r.account_sid),
    from: str(r.from_number),
    to: str(r.to_number),
    direction: r.direction === 'outbound' ? 'outbound' : 'inbound',
    startedAt: num(r.started_at),
    customParameters: JSON.parse(str(r.custom_parameters) || '{}') as Record<string, string>,
    agent: str(r.agent) || DEFAULT_AGENT,
    endedAt: ended ? num(r.ended_at) : null,
    outcome: (optStr(r.outcome) as CallRecord['outcome']) ?? null,
    reason: optStr(r.reason),
    summary: ended
      ? {
          durationMs: num(r.duration_ms),
          turns: num(r.turns),
          bytesIn: num(r.bytes_in),
          bytesOut: num(r.bytes_out),
          framesIn: num(r.frames_in),
          framesOut: num(r.frames_out),
          framesDropped: num(r.frames_dropped),
          interruptions: num(r.interruptions),
          functionCalls: num(r.function_calls),
        }
      : null,
  };
}

function toTurn(r: Row): TranscriptTurn {
  const turn: TranscriptTurn = {
    role: r.role === 'assistant' ? 'assistant' : 'user',
    text: str(r.text),
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    interrupted: Boolean(r.interrupted),
  };
  if (r.heard_text !== null && r.heard_text !== undefined) turn.heardText = str(r.heard_text);
  const heardMs = optNum(r.heard_ms);
  if (heardMs !== undefined) turn.heardMs = heardMs;
  return turn;
}

function toFunctionCall(r: Row): FunctionCallRecord {
  return {
    id: str(r.call_id),
    name: str(r.name),
    arguments: str(r.arguments),
    result: str(r.result),
    ok: Boolean(r.ok),
    startedAt: num(r.started_at),
    durationMs: num(r.duration_ms),
  };
}

function toEvent(r: Row): CallEventRecord {
  return { kind: str(r.kind) as CallEventKind, detail: str(r.detail), at: num(r.at) };
}

function toStaffMessage(r: Row): StaffMessageRecord {
  return { id: num(r.id), callSid: str(r.call_sid), from: str(r.from_number), agent: str(r.agent), text: str(r.text), createdAt: num(r.created_at) };
}

function toLatency(r: Row): TurnLatency {
  const latency: TurnLatency = { at: num(r.at) };
  const fields = { responseMs: r.response_ms, agentTotalMs: r.agent_total_ms, agentTtsMs: r.agent_tts_ms, agentTttMs: r.agent_ttt_ms };
  for (const [key, value] of Object.entries(fields)) {
    const n = optNum(value);
    if (n !== undefined) latency[key as keyof typeof fields] = n;
  }
  return latency;
}

function toStatusCallback(r: Row): StatusCallback {
  return { callSid: str(r.call_sid), status: str(r.status), at: num(r.at), payload: JSON.parse(str(r.payload)) as Record<string, string> };
}

function toWebhookDelivery(r: Row): WebhookDelivery {
  return {
    id: num(r.id),
    idempotencyKey: str(r.idempotency_key),
    callSid: str(r.call_sid),
    event: str(r.event),
    status: str(r.status) as WebhookStatus,
    attempts: num(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    payload: optStr(r.payload),
    lastError: optStr(r.last_error),
    createdAt: num(r.created_at),
    deliveredAt: r.delivered_at === null || r.delivered_at === undefined ? null : num(r.delivered_at),
  };
}

function toAppointment(r: Row): Appointment {
  return {
    id: num(r.id),
    patientName: str(r.patient_name),
    dateOfBirth: optStr(r.date_of_birth),
    date: str(r.date),
    time: str(r.time),
    reason: optStr(r.reason),
    status: str(r.status) as AppointmentStatus,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    callSid: optStr(r.call_sid),
    agent: str(r.agent) || DEFAULT_AGENT,
  };
}

// ---- values in ----

const ms = (t: number): number => Math.round(t);
const bit = (b: boolean): number => (b ? 1 : 0);

function pageSize(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(limit)));
}

/** The same patient however the caller's name was transcribed: case and spacing do not matter. */
function patientKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

function checkName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (!trimmed) throw new InvalidAppointmentError('the patient name is empty');
  return trimmed;
}

function checkSlot(slot: Slot): Slot {
  // One spelling per slot, or "9:00" and "09:00" would slip past the unique index as two slots.
  if (!DATE.test(slot.date)) throw new InvalidAppointmentError(`date must be YYYY-MM-DD, got ${JSON.stringify(slot.date)}`);
  if (!TIME.test(slot.time)) throw new InvalidAppointmentError(`time must be 24-hour HH:MM, got ${JSON.stringify(slot.time)}`);
  return { date: slot.date, time: slot.time };
}

function checkOptionalDate(value: string | undefined, what: string): string | null {
  if (value === undefined || value === '') return null;
  if (!DATE.test(value)) throw new InvalidAppointmentError(`${what} must be YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

// ---- paging ----

interface CallCursor {
  startedAt: number;
  callSid: string;
}

function encodeCursor(call: CallRecord): string {
  return Buffer.from(JSON.stringify([call.startedAt, call.callSid])).toString('base64url');
}

function decodeCursor(cursor: string): CallCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { startedAt: value[0] as number, callSid: value[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError('cursor is not one this server returned');
}
