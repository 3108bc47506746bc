// What the store keeps and how it is asked for it. Times are epoch milliseconds; appointment days and
// times are the clinic's local calendar strings (YYYY-MM-DD, HH:MM), exactly as the functions speak them.
import type { StatusCallback } from '../domain/dialer.js';
import type {
  CallDirection,
  CallEventKind,
  CallEvent,
  CallInfo,
  CallOutcome,
  CallSummary,
  FunctionCallRecord,
  StaffMessage,
  TranscriptTurn,
  TurnLatency,
} from '../domain/call.js';

export type CallCounters = Omit<CallSummary, 'outcome' | 'reason'>;

export interface CallRecord extends CallInfo {
  agent: string;
  endedAt: number | null;
  outcome: CallOutcome | null;
  reason: string | null;
  /** Null until the call has ended. */
  summary: CallCounters | null;
}


export interface CallEventRecord {
  kind: CallEventKind;
  detail: string;
  at: number;
}

export interface CallDetail extends CallRecord {
  transcript: TranscriptTurn[];
  functionCalls: FunctionCallRecord[];
  events: CallEventRecord[];
  latencies: TurnLatency[];
  statusCallbacks: StatusCallback[];
  /** What the caller asked to pass on to staff (after an unanswered transfer). */
  messages: StaffMessageRecord[];
}

export interface StaffMessageRecord extends StaffMessage {
  id: number;
}

export interface CallQuery {
  agent?: string;
  from?: string;
  to?: string;
  outcome?: CallOutcome;
  direction?: CallDirection;
  carrier?: string;
  /** started_at >= since */
  since?: number;
  /** started_at < until */
  until?: number;
  /** Default 50, at most MAX_PAGE_SIZE. */
  limit?: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

export interface CallPage {
  calls: CallRecord[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export interface CallStore {
  /** Writes a batch atomically: all of it or nothing, so a failed batch can be retried as a whole. */
  recordEvents(events: readonly CallEvent[]): Promise<void>;
  recordStatusCallback(callback: StatusCallback): Promise<void>;
  /** Newest first. */
  listCalls(query?: CallQuery): Promise<CallPage>;
  getCall(callSid: string): Promise<CallDetail | undefined>;
  /** Messages for staff, newest first (default 50, at most MAX_PAGE_SIZE). */
  listStaffMessages(query?: { limit?: number }): Promise<StaffMessageRecord[]>;
}

export type AppointmentStatus = 'booked' | 'cancelled';

export interface Appointment {
  id: number;
  patientName: string;
  dateOfBirth: string | null;
  date: string;
  time: string;
  reason: string | null;
  status: AppointmentStatus;
  createdAt: number;
  updatedAt: number;
  callSid: string | null;
  /** The agent whose calendar holds it. */
  agent: string;
}

export interface NewAppointment {
  patientName: string;
  dateOfBirth?: string;
  date: string;
  time: string;
  reason?: string;
  callSid?: string;
  /** Default DEFAULT_AGENT. */
  agent?: string;
}

export interface Slot {
  date: string;
  time: string;
}

export interface PatientQuery {
  /** Matched ignoring case and repeated spaces. */
  patientName: string;
  dateOfBirth?: string;
  date?: string;
  /** Default: booked only. */
  status?: AppointmentStatus;
  /** Only this agent's calendar; every agent's when unset. */
  agent?: string;
}

export interface AppointmentQuery {
  agent?: string;
  status?: AppointmentStatus;
  date?: string;
  /** Inclusive day range. */
  fromDate?: string;
  toDate?: string;
  patientName?: string;
  callSid?: string;
  /** Default 100, at most MAX_PAGE_SIZE. */
  limit?: number;
  offset?: number;
}

export interface AppointmentStore {
  /** Throws SlotTakenError when the slot holds a booked appointment, InvalidAppointmentError on malformed input. */
  createAppointment(input: NewAppointment): Promise<Appointment>;
  /** Throws AppointmentNotFoundError unless `id` is booked, SlotTakenError when the new slot is taken. */
  rescheduleAppointment(id: number, slot: Slot): Promise<Appointment>;
  /** Throws AppointmentNotFoundError unless `id` is booked. */
  cancelAppointment(id: number): Promise<Appointment>;
  findAppointments(query: PatientQuery): Promise<Appointment[]>;
  /** The booked appointments of one day, by time: what the open-slot search subtracts (of one agent's calendar, when given). */
  appointmentsOn(date: string, agent?: string): Promise<Appointment[]>;
  /** By date and time. */
  listAppointments(query?: AppointmentQuery): Promise<Appointment[]>;
}

export type WebhookStatus = 'pending' | 'delivered' | 'failed';

/** One post-call report in the outbox. */
export interface WebhookDelivery {
  id: number;
  /** The same for every attempt at one report: receivers drop what they have already seen. */
  idempotencyKey: string;
  callSid: string;
  event: string;
  status: WebhookStatus;
  attempts: number;
  /** When the next attempt is due (pending), or until when the current one holds it. */
  nextAttemptAt: number;
  /** The JSON body, fixed by the first attempt; null until then. */
  payload: string | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface WebhookOutcome {
  /** Epoch ms of the attempt's end. */
  at: number;
  /** Undefined when delivered. */
  error?: string;
  /** For a failed attempt: when to try again, or undefined to give up (status failed). */
  retryAt?: number;
}

export interface WebhookStore {
  /** Pending deliveries due at `now`, oldest first. */
  dueWebhooks(now: number, limit: number): Promise<WebhookDelivery[]>;
  /** Takes a due delivery for one attempt until `leaseUntil`; false when another worker took it first. */
  claimWebhook(delivery: Pick<WebhookDelivery, 'id' | 'nextAttemptAt'>, leaseUntil: number): Promise<boolean>;
  /** Fixes the body every attempt sends (only the first one sets it). */
  setWebhookPayload(id: number, payload: string): Promise<string>;
  finishWebhookAttempt(id: number, outcome: WebhookOutcome): Promise<void>;
  /** Newest first. */
  listWebhooks(query?: { status?: WebhookStatus; limit?: number }): Promise<WebhookDelivery[]>;
  /** How many reports wait (pending) and how many were given up on (failed). */
  webhookBacklog(): Promise<{ pending: number; failed: number }>;
  /** A failed delivery back to pending, due now; false unless it had failed. */
  retryWebhook(id: number, now: number): Promise<boolean>;
}

export interface Store extends CallStore, AppointmentStore, WebhookStore {
  readonly dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export class SlotTakenError extends Error {
  override readonly name = 'SlotTakenError';
  constructor(readonly slot: Slot) {
    super(`the slot ${slot.date} ${slot.time} is already booked`);
  }
}

export class AppointmentNotFoundError extends Error {
  override readonly name = 'AppointmentNotFoundError';
  constructor(readonly id: number) {
    super(`no booked appointment with id ${id}`);
  }
}

export class InvalidAppointmentError extends Error {
  override readonly name = 'InvalidAppointmentError';
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
