// The clinic dialog's state: what the caller wants done, what is known so far, and what was just
// asked. Step functions (steps/*) take a state and what happened (the caller's words, a function's
// result) and return the next state, what to say and at most one function to call.
import type { ClinicFunctionArgs, ClinicFunctionName, OfficeTopic } from '../../../domain/clinic-functions.js';
import type { CivilDate } from './calendar.js';
import type { TaskKind } from './intents.js';
import type { Slot } from './results.js';
import type { PartOfDay } from './times.js';

export type Question =
  | 'task' | 'name' | 'last_name' | 'spell_name' | 'dob' | 'dob_year' | 'date' | 'time' | 'confirm' | 'change_what'
  | 'which_appointment' | 'anything_else' | 'offer_booking' | 'offer_transfer';

/** The patient, as far as the caller has said. */
export interface Patient {
  name?: string;
  /** YYYY-MM-DD */
  dob?: string;
  /** A birth date said without its year, waiting for it. */
  dobWithoutYear?: CivilDate;
}

/**
 * What the dialog knows of the openings for the wanted slot. A new day or part of day makes them
 * unknown again; a new time leaves a search standing but needs checking.
 */
export type Openings =
  /** Nothing fetched for the wanted day yet. */
  | 'unknown'
  /** The openings of the wanted day (or of the next days) were fetched and offered. */
  | 'offered'
  /** The wanted day and time are open, or cannot be checked (the booking itself will tell). */
  | 'confirmed';

/** The day and time wanted: the booking's, or the new slot when rescheduling. */
export interface WantedSlot {
  /** YYYY-MM-DD */
  date?: string;
  /** HH:MM */
  time?: string;
  partOfDay?: PartOfDay;
  /** The caller takes the first opening, whatever the day. */
  anyDay: boolean;
  openings: Openings;
}

/** The appointment a reschedule or cancellation is about. */
export type ExistingAppointment =
  /** Not looked up, and no day named yet. */
  | { status: 'unknown' }
  /** Looked up and several found: the caller says which. */
  | { status: 'listed'; appointments: Slot[] }
  /** The one to change; `lookedUp` when it came from the patient's appointments rather than the caller's word. */
  | { status: 'chosen'; date: string; time?: string; lookedUp: boolean };

// A caller's words can carry a day or time in any task, so every task keeps a wanted slot; only
// the ones that change an existing appointment keep which one.
export type Task =
  | { kind: 'book' | 'lookup'; patient: Patient; wanted: WantedSlot }
  | { kind: 'reschedule' | 'cancel'; patient: Patient; wanted: WantedSlot; existing: ExistingAppointment };

/** The appointment a change is about; asked for only once one was chosen. */
export function chosen(existing: ExistingAppointment): Extract<ExistingAppointment, { status: 'chosen' }> {
  if (existing.status !== 'chosen') throw new Error(`no appointment chosen yet (${existing.status})`);
  return existing;
}

export type ChangeTask = Extract<Task, { kind: 'reschedule' | 'cancel' }>;

export function changesAppointment(task: Task): task is ChangeTask {
  return task.kind === 'reschedule' || task.kind === 'cancel';
}

export interface DialogState {
  task?: Task;
  /** Who the caller is, once a booking went through: later tasks in the same call do not ask again. */
  known: { name?: string; dob?: string };
  /** The question the caller's next words answer. */
  question: Question;
  /** Slots just offered, which the caller may pick by position or time; only while asking for a time. */
  offered: readonly Slot[];
  /** Misunderstood turns in a row. */
  misunderstood: number;
  /** For "could you repeat that". */
  lastReply: string;
}

export const initialState: DialogState = { known: {}, question: 'task', offered: [], misunderstood: 0, lastReply: '' };

export function newTask(kind: TaskKind, patient: Patient): Task {
  const wanted: WantedSlot = { anyDay: false, openings: 'unknown' };
  if (kind === 'reschedule' || kind === 'cancel') return { kind, patient, wanted, existing: { status: 'unknown' } };
  return { kind, patient, wanted };
}

/** What a function's result will be read as. */
export type Purpose =
  | { for: 'office'; topic: OfficeTopic }
  | { for: 'search' | 'check' | 'lookup' | 'book' | 'reschedule' | 'cancel' | 'transfer' | 'end' };

export type FunctionCall = { [N in ClinicFunctionName]: { name: N; args: ClinicFunctionArgs<N> } }[ClinicFunctionName];

export type PlannedCall = FunctionCall & { purpose: Purpose };

/** One step of the dialog: the state after it, what to say, and the function call to make, if any. */
export interface Step {
  state: DialogState;
  say: readonly string[];
  call?: PlannedCall;
}

/** What a step may consult besides the state. */
export interface StepContext {
  /** Whether the agent declares the function: only those are ever called. */
  can(name: ClinicFunctionName): boolean;
  /** The clinic's today. */
  today: CivilDate;
  /** Misunderstood turns in a row before the caller is handed to staff. */
  maxMisunderstandings: number;
}
