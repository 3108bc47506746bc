// The next step of the current task, from what is known: a question, a function call, the read-back,
// or, once the caller said yes to it, the function that carries the task out.
import type { ClinicFunctionArgs } from '../../../../domain/clinic-functions.js';
import { changesAppointment, chosen, type Step, type StepContext, type Task } from '../state.js';
import { ask, call } from '../step.js';

export function advance(step: Step, ctx: StepContext): Step {
  const task = step.state.task!;
  const { patient, wanted } = task;
  const askDob = (): Step => ask(step, patient.dobWithoutYear ? 'dob_year' : 'dob');
  // Changing or finding appointments starts from who the patient is; a booking asks last.
  if (task.kind !== 'book') {
    if (!patient.name) return ask(step, 'name');
    if (!patient.dob) return askDob();
  }
  if (task.kind === 'lookup') return ctx.can('lookup_appointments') ? lookUp(step, task) : step;
  if (changesAppointment(task)) {
    if (task.existing.status === 'unknown' && ctx.can('lookup_appointments')) return lookUp(step, task);
    if (task.existing.status !== 'chosen') return ask(step, 'which_appointment');
    if (task.kind === 'cancel') return ask(step, 'confirm');
  }
  const canSearch = ctx.can('find_open_slots');
  if (!wanted.date) return wanted.anyDay && wanted.openings === 'unknown' && canSearch ? search(step, task) : ask(step, 'date');
  if (!wanted.time) return wanted.openings === 'unknown' && canSearch ? search(step, task) : ask(step, 'time');
  if (wanted.openings !== 'confirmed' && canSearch) return call(step, { name: 'find_open_slots', args: { date: wanted.date }, purpose: { for: 'check' } });
  if (!patient.name) return ask(step, 'name');
  if (!patient.dob) return askDob();
  return ask(step, 'confirm');
}

function lookUp(step: Step, task: Task): Step {
  const args = { patient_name: task.patient.name!, date_of_birth: task.patient.dob! };
  return call(step, { name: 'lookup_appointments', args, purpose: { for: 'lookup' } });
}

function search(step: Step, task: Task): Step {
  const args: ClinicFunctionArgs<'find_open_slots'> = {};
  if (task.wanted.date) args.date = task.wanted.date;
  if (task.wanted.partOfDay) args.part_of_day = task.wanted.partOfDay;
  return call(step, { name: 'find_open_slots', args, purpose: { for: 'search' } });
}

/** Carries out the task the caller confirmed. */
export function execute(step: Step): Step {
  const task = step.state.task!;
  const { patient, wanted } = task;
  const who = { patient_name: patient.name!, date_of_birth: patient.dob! };
  switch (task.kind) {
    case 'book':
      return call(step, { name: 'book_appointment', args: { ...who, date: wanted.date!, time: wanted.time! }, purpose: { for: 'book' } });
    case 'reschedule': {
      const args = { ...who, current_date: chosen(task.existing).date, new_date: wanted.date!, new_time: wanted.time! };
      return call(step, { name: 'reschedule_appointment', args, purpose: { for: 'reschedule' } });
    }
    case 'cancel':
      return call(step, { name: 'cancel_appointment', args: { ...who, date: chosen(task.existing).date }, purpose: { for: 'cancel' } });
    case 'lookup':
      return step;
  }
}
