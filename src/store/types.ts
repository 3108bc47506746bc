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
  TranscriptTurn,
  TurnLatency,
} from '../domain/call.js';

export type CallCounters = Omit<CallSummary, 'outcome' | 'reason'>;

export interface CallRecord extends CallInfo {
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
}

export interface CallQuery {
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
}

export interface NewAppointment {
  patientName: string;
  dateOfBirth?: string;
  date: string;
  time: string;
  reason?: string;
  callSid?: string;
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
}

export interface AppointmentQuery {
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
  /** The booked appointments of one day, by time: what the open-slot search subtracts. */
  appointmentsOn(date: string): Promise<Appointment[]>;
  /** By date and time. */
  listAppointments(query?: AppointmentQuery): Promise<Appointment[]>;
}

export interface Store extends CallStore, AppointmentStore {
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
