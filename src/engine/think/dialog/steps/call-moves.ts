// Moves about the call rather than a task: answering an office question, handing the caller to
// staff, saying goodbye, and coping with words that were not understood.
import type { OfficeTopic } from '../../../../domain/clinic-functions.js';
import { retryText } from '../questions.js';
import type { Question, Step, StepContext } from '../state.js';
import { ask, call, say, update } from '../step.js';

const NAME_QUESTIONS: ReadonlySet<Question> = new Set(['name', 'last_name']);

export function officeInfo(step: Step, ctx: StepContext, topic: OfficeTopic): Step {
  if (!ctx.can('get_office_info')) return offerTransfer(say(step, "I'm sorry, I don't have the office details here."), ctx);
  return call(step, { name: 'get_office_info', args: { topic }, purpose: { for: 'office', topic } });
}

export function offerTransfer(step: Step, ctx: StepContext): Step {
  return ask(step, ctx.can('transfer_to_staff') ? 'offer_transfer' : 'anything_else');
}

export function transfer(step: Step, ctx: StepContext, reason: string): Step {
  const taskless = update(step, { task: undefined });
  if (!ctx.can('transfer_to_staff')) {
    const sorry = "I'm sorry, I can't transfer calls right now. Please call back during office hours to speak with our staff.";
    return ask(say(taskless, sorry), 'anything_else');
  }
  const holding = say(taskless, "Sure, I'll transfer you to our staff now. Please hold.");
  return call(holding, { name: 'transfer_to_staff', args: { reason }, purpose: { for: 'transfer' } });
}

export function goodbye(step: Step, ctx: StepContext): Step {
  const said = say(update(step, { task: undefined }), 'Thank you for calling. Goodbye!');
  if (!ctx.can('end_call')) return said;
  return call(said, { name: 'end_call', args: { reason: 'caller said goodbye' }, purpose: { for: 'end' } });
}

/** Asks again, with an example; after too many misunderstandings in a row, hands the caller to staff. */
export function misunderstanding(step: Step, ctx: StepContext): Step {
  const misunderstood = step.state.misunderstood + 1;
  if (misunderstood >= ctx.maxMisunderstandings && ctx.can('transfer_to_staff')) {
    const sorry = say(update(step, { misunderstood: 0 }), "I'm sorry, I'm having trouble understanding.");
    return transfer(sorry, ctx, 'the assistant could not understand the caller');
  }
  const next = say(update(step, { misunderstood }), "Sorry, I didn't catch that.");
  // Names are where recognition fails most: a name missed twice is asked for letter by letter.
  if (misunderstood >= 2 && NAME_QUESTIONS.has(next.state.question)) return ask(next, 'spell_name');
  return ask(next, next.state.question, retryText(next.state, next.state.question));
}
