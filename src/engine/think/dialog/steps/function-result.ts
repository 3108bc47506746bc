// A function's result, read by what the call was for. A failure is said plainly and the caller is
// offered the next best thing: another time, another day, or a person.
import { toIsoDate } from '../calendar.js';
import { failureOf, findSlots, officeInfoText, type Slot } from '../results.js';
import { changesAppointment, chosen, type DialogState, type Purpose, type Step, type StepContext, type Task } from '../state.js';
import { ask, begin, remembered, say, update, updateWanted } from '../step.js';
import { spokenList, spokenSlot } from '../spoken.js';
import { advance } from './advance.js';
import { offerTransfer } from './call-moves.js';
import { booked, bookingFailed, checkOpening, offerOpenings } from './slot-results.js';

export function functionResult(state: DialogState, purpose: Purpose, result: unknown, ctx: StepContext): Step {
  return remembered(reply(begin(state), purpose, result, ctx));
}

function reply(step: Step, purpose: Purpose, result: unknown, ctx: StepContext): Step {
  const failure = failureOf(result);
  const task = step.state.task;
  switch (purpose.for) {
    case 'office': {
      const text = failure ? "I'm sorry, I couldn't get that information just now." : officeInfoText(result, purpose.topic);
      const said = say(step, text ?? "I'm sorry, I don't have that information.");
      return task ? ask(said, said.state.question) : ask(said, 'anything_else');
    }
    case 'search':
    case 'check':
      if (!task) return step;
      // The booking itself will say whether the time is free.
      if (failure) return advance(updateWanted(step, { openings: 'confirmed' }), ctx);
      return purpose.for === 'search' ? offerOpenings(step, task, findSlots(result), ctx) : checkOpening(step, task, findSlots(result), ctx);
    case 'lookup':
      if (!task) return step;
      if (failure) return offerTransfer(say(update(step, { task: undefined }), "I'm sorry, I couldn't look up appointments just now."), ctx);
      return lookedUp(step, task, findSlots(result).filter((s) => s.date >= toIsoDate(ctx.today)), ctx);
    case 'book':
    case 'reschedule':
      if (!task) return step;
      return failure ? bookingFailed(step, task, failure, result, ctx) : booked(step, task, findSlots(result));
    case 'cancel': {
      if (!task || !changesAppointment(task)) return step;
      const taskless = update(step, { task: undefined });
      if (failure) return offerTransfer(say(taskless, "I'm sorry, I couldn't cancel that appointment."), ctx);
      return ask(say(taskless, `All right, the appointment on ${spokenSlot(chosen(task.existing))} is cancelled.`), 'anything_else');
    }
    case 'transfer':
      return failure ? ask(say(step, "I'm sorry, I couldn't reach the front desk right now."), 'anything_else') : step;
    case 'end':
      return step;
  }
}

/** A lookup is read out; a reschedule or cancellation goes on with the one appointment found, or asks which. */
function lookedUp(step: Step, task: Task, appointments: Slot[], ctx: StepContext): Step {
  const name = task.patient.name!;
  if (!changesAppointment(task)) {
    const text =
      appointments.length === 0
        ? `I don't see any upcoming appointments for ${name}.`
        : appointments.length === 1
          ? `${name} has an appointment on ${spokenSlot(appointments[0]!)}.`
          : `${name} has ${appointments.length} upcoming appointments: ${spokenList(appointments.map(spokenSlot), 'and')}.`;
    return ask(say(update(step, { task: undefined }), text), 'anything_else');
  }
  if (appointments.length === 0) {
    const sorry = `I couldn't find an upcoming appointment for ${name} with that date of birth.`;
    return offerTransfer(say(update(step, { task: undefined }), sorry), ctx);
  }
  const only = appointments.length === 1 ? appointments[0]! : undefined;
  if (!only) return ask(update(step, { task: { ...task, existing: { status: 'listed', appointments } } }), 'which_appointment');
  const found = update(step, { task: { ...task, existing: { status: 'chosen', date: only.date, time: only.time, lookedUp: true } } });
  return advance(task.kind === 'reschedule' ? say(found, `I see your appointment on ${spokenSlot(only)}.`) : found, ctx);
}
