// Results about the wanted slot: the openings found, whether the wanted time is open, and how the
// booking (or the move) went. Whatever cannot be had comes back as a short list to choose from.
import { toIsoDate } from '../calendar.js';
import { closest, fitsPart, spread } from '../offered-slots.js';
import { findSlots, type Slot } from '../results.js';
import type { Step, StepContext, Task } from '../state.js';
import { ask, say, update, updateWanted } from '../step.js';
import { spokenDate, spokenList, spokenSlot, spokenTime } from '../spoken.js';
import { advance } from './advance.js';

const OTHER_DAY = 'What other day would work for you?';

export function offerOpenings(step: Step, task: Task, slots: Slot[], ctx: StepContext): Step {
  const { wanted } = task;
  const today = toIsoDate(ctx.today);
  const open = slots.filter((s) => s.date >= today && (!wanted.date || s.date === wanted.date) && fitsPart(s, wanted.partOfDay));
  if (open.length === 0) {
    const day = wanted.date ? `on ${spokenDate(wanted.date)}` : 'in the next few days';
    const part = wanted.partOfDay ? ` in the ${wanted.partOfDay}` : '';
    const sorry = say(step, `I'm sorry, we don't have any openings ${day}${part}.`);
    return ask(updateWanted(sorry, { date: undefined, time: undefined, partOfDay: undefined, anyDay: false, openings: 'unknown' }), 'date', OTHER_DAY);
  }
  const offered = spread(open);
  const listed = wanted.date
    ? `On ${spokenDate(wanted.date)} I have ${spokenList(offered.map((s) => spokenTime(s.time)))}.`
    : `The next openings are ${spokenList(offered.map(spokenSlot))}.`;
  return ask(say(update(updateWanted(step, { openings: 'offered' }), { offered }), listed), 'time', 'Which would you like?');
}

export function checkOpening(step: Step, task: Task, slots: Slot[], ctx: StepContext): Step {
  const date = task.wanted.date!;
  const time = task.wanted.time!;
  const sameDay = slots.filter((s) => s.date === date);
  if (sameDay.some((s) => s.time === time)) {
    return advance(say(updateWanted(step, { openings: 'confirmed' }), `Good news, ${spokenSlot({ date, time })} is open.`), ctx);
  }
  if (sameDay.length === 0) {
    const sorry = say(step, `I'm sorry, we don't have any openings on ${spokenDate(date)}.`);
    return ask(updateWanted(sorry, { date: undefined, time: undefined, openings: 'unknown' }), 'date', OTHER_DAY);
  }
  const offered = closest(sameDay, time);
  const times = spokenList(offered.map((s) => spokenTime(s.time)));
  const nearest = `I'm sorry, ${spokenTime(time)} isn't available on ${spokenDate(date)}. The closest times are ${times}.`;
  return ask(say(update(updateWanted(step, { time: undefined, openings: 'offered' }), { offered }), nearest), 'time', 'Would one of those work?');
}

export function booked(step: Step, task: Task, slots: Slot[]): Step {
  const { patient, wanted } = task;
  const slot = slots.find((s) => s.date === wanted.date) ?? { date: wanted.date!, time: wanted.time! };
  const done = update(step, { known: { name: patient.name, dob: patient.dob }, task: undefined, offered: [] });
  const text = task.kind === 'book'
    ? `You're all set. ${patient.name} is booked for ${spokenSlot(slot)}.`
    : `Done. Your appointment is now on ${spokenSlot(slot)}.`;
  return ask(say(done, text), 'anything_else');
}

/** A refused booking or move: why, in the caller's terms, then the alternatives the function offered, or the next step. */
export function bookingFailed(step: Step, task: Task, failure: string, result: unknown, ctx: StepContext): Step {
  const { date, time } = task.wanted;
  const why = /past/i.test(failure)
    ? 'that time has already passed'
    : /closed|outside|hours/i.test(failure)
      ? "the office isn't open then"
      : /not found|no appointment|no such/i.test(failure)
        ? "I couldn't find the appointment to change"
        : 'that time is no longer available';
  const today = toIsoDate(ctx.today);
  const alternatives = findSlots(result).filter((s) => !(s.date === date && s.time === time) && s.date >= today);
  const sorry = updateWanted(say(step, `I'm sorry, ${why}.`), { time: undefined, openings: 'unknown' });
  if (alternatives.length > 0) {
    const offered = spread(alternatives);
    return ask(say(update(sorry, { offered }), `I can offer ${spokenList(offered.map(spokenSlot))}.`), 'time', 'Would one of those work?');
  }
  return advance(/past/i.test(failure) ? updateWanted(sorry, { date: undefined }) : sorry, ctx);
}
