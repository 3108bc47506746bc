// Booking, moving, cancelling and looking up appointments. Every refusal is a ToolError the agent can
// say out loud; a slot that cannot be had comes with the nearest open ones, so the agent can offer
// them in the same breath. The store's unique index, not a read-then-write, decides double bookings.
import { SlotTakenError, type Appointment, type AppointmentStore, type Slot } from '../../store/types.js';
import { ToolError, type ToolDefinition } from '../registry.js';
import { weekdayOf } from './calendar.js';
import type { ClinicSchedule } from './schedule.js';
import { clinicTool } from './clinic-tool.js';

export type ClinicStore = Pick<AppointmentStore, 'createAppointment' | 'rescheduleAppointment' | 'cancelAppointment' | 'findAppointments' | 'appointmentsOn'>;

export function appointmentTools(schedule: ClinicSchedule, store: ClinicStore): ToolDefinition[] {
  /** Refuses a slot that is past, closed, off the grid or taken, offering the nearest open slots. */
  async function refuse(problem: string, slot: Slot): Promise<never> {
    throw new ToolError(problem, { nearest_open_slots: await schedule.nearestOpenSlots(slot) });
  }

  async function bookable(slot: Slot): Promise<void> {
    const problem = schedule.problemWith(slot);
    if (problem) await refuse(problem, slot);
  }

  async function takenAsError<T>(slot: Slot, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof SlotTakenError) return refuse(`${slot.date} at ${slot.time} is already taken`, slot);
      throw err;
    }
  }

  /** The one upcoming appointment the caller means; several without a day to tell them apart is a question back. */
  async function appointmentToChange(who: { patient_name: string; date_of_birth: string }, date: string | undefined, verb: string): Promise<Appointment> {
    const found = await upcomingAppointments(who, date);
    const on = date ? ` on ${date}` : '';
    if (found.length === 0) throw new ToolError(`no upcoming appointment found for ${who.patient_name} born ${who.date_of_birth}${on}`);
    if (found.length > 1) {
      throw new ToolError(`${who.patient_name} has ${found.length} upcoming appointments${on}: ask which one to ${verb}`, {
        appointments: found.map(summary),
      });
    }
    return found[0]!;
  }

  async function upcomingAppointments(who: { patient_name: string; date_of_birth: string }, date?: string): Promise<Appointment[]> {
    const now = schedule.today();
    const found = await store.findAppointments({ patientName: who.patient_name, dateOfBirth: who.date_of_birth, date });
    return found.filter((a) => `${a.date} ${a.time}` > `${now.date} ${now.time}`);
  }

  const book = clinicTool('book_appointment', async (a, ctx) => {
    const slot = { date: a.date, time: a.time };
    await bookable(slot);
    const booked = await takenAsError(slot, () =>
      store.createAppointment({ patientName: a.patient_name, dateOfBirth: a.date_of_birth, ...slot, reason: a.reason, callSid: ctx.callSid }),
    );
    return { booked: summary(booked) };
  });

  const reschedule = clinicTool('reschedule_appointment', async (a) => {
    const current = await appointmentToChange(a, a.current_date, 'move');
    const slot = { date: a.new_date, time: a.new_time };
    await bookable(slot);
    const moved = await takenAsError(slot, () => store.rescheduleAppointment(current.id, slot));
    return { rescheduled: summary(moved) };
  });

  const cancel = clinicTool('cancel_appointment', async (a) => {
    const current = await appointmentToChange(a, a.date, 'cancel');
    return { cancelled: summary(await store.cancelAppointment(current.id)) };
  });

  const lookup = clinicTool('lookup_appointments', async (a) => {
    // An empty list is an answer, not a failure: the agent says there is nothing booked.
    const found = await upcomingAppointments(a);
    return { patient_name: a.patient_name, date_of_birth: a.date_of_birth, appointments: found.map(summary) };
  });

  return [book, reschedule, cancel, lookup];
}

function summary(a: Appointment): Record<string, unknown> {
  return { id: a.id, patient_name: a.patientName, date: a.date, time: a.time, weekday: weekdayOf(a.date), ...(a.reason ? { reason: a.reason } : {}) };
}
