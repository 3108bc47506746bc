// What staff hear before they are joined with a caller (a warm transfer): who is calling, why they
// asked for a person, and what the agent already did for them, read from the call's successful
// appointment functions. Plain sentences, short enough to say in a few seconds.
import type { FunctionCallRecord } from './call.js';

export interface HandoffFacts {
  /** The caller's number. */
  from: string;
  /** Why the caller is being handed over, as the agent or the keypad put it. */
  reason: string;
  functionCalls: readonly FunctionCallRecord[];
}

const DONE: Record<string, string> = {
  book_appointment: 'booked',
  reschedule_appointment: 'rescheduled',
  cancel_appointment: 'cancelled',
};

export function handoffSummary({ from, reason, functionCalls }: HandoffFacts): string {
  const caller = from ? `a caller from ${spokenNumber(from)}` : 'a caller whose number is withheld';
  const done = functionCalls.flatMap((call) => (call.ok ? describe(call) : []));
  const what = done.length > 0 ? ` The agent ${done.join(', then ')}.` : ' No appointment was changed.';
  return `Transferring ${caller}. Reason: ${reason}.${what} Connecting you now.`;
}

function describe(call: FunctionCallRecord): string[] {
  const verb = DONE[call.name];
  if (!verb) return [];
  const appointment = appointmentOf(call.result, verb);
  if (!appointment) return [`${verb} an appointment`];
  const who = appointment.patient_name ? ` for ${appointment.patient_name}` : '';
  const when = [appointment.weekday, appointment.date].filter(Boolean).join(' ');
  return [`${verb} an appointment${who}${when ? ` on ${when}` : ''}${appointment.time ? ` at ${appointment.time}` : ''}`];
}

interface AppointmentFacts {
  patient_name?: string;
  date?: string;
  time?: string;
  weekday?: string;
}

/** The appointment in a function's result ({ booked: {...} }, { rescheduled: {...} }, { cancelled: {...} }). */
function appointmentOf(result: string, verb: string): AppointmentFacts | undefined {
  try {
    const parsed = JSON.parse(result) as Record<string, unknown>;
    const appointment = parsed[verb];
    return appointment && typeof appointment === 'object' ? (appointment as AppointmentFacts) : undefined;
  } catch {
    return undefined;
  }
}

/** Digits read one by one ("+1 5 5 5 ..."), so a speech synthesizer does not say millions. */
function spokenNumber(number: string): string {
  return number.replace(/\d/g, '$& ').trim();
}
