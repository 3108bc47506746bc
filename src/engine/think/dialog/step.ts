// Building a step: each helper returns a new step, so a step function reads as the sequence of
// things the dialog does (say this, ask that, call this function) without changing the state it got.
import { questionText } from './questions.js';
import type { DialogState, PlannedCall, Question, Step, WantedSlot } from './state.js';

export function begin(state: DialogState): Step {
  return { state, say: [] };
}

export function say(step: Step, text: string): Step {
  return { ...step, say: [...step.say, text] };
}

export function update(step: Step, changes: Partial<DialogState>): Step {
  return { ...step, state: { ...step.state, ...changes } };
}

/** Changes the wanted slot of the current task. */
export function updateWanted(step: Step, changes: Partial<WantedSlot>): Step {
  const task = step.state.task!;
  return update(step, { task: { ...task, wanted: { ...task.wanted, ...changes } } });
}

/** Asks `question`; the slots offered are only kept while the question is which time. */
export function ask(step: Step, question: Question, text = questionText(step.state, question)): Step {
  return say(update(step, { question, offered: question === 'time' ? step.state.offered : [] }), text);
}

export function call(step: Step, planned: PlannedCall): Step {
  return { ...step, call: planned };
}

/** Keeps what the step says, for a caller who asks to hear it again. */
export function remembered(step: Step): Step {
  return step.say.length > 0 ? update(step, { lastReply: step.say.join(' ') }) : step;
}
