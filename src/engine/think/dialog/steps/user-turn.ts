// The caller's turn. Safety comes first (an emergency, a request for a person), then the call's own
// moves (goodbye, repeat, start over, office questions), then the task: a clear new request starts
// one, anything else is read as details for the task under way.
import type { ClinicFunctionName } from '../../../../domain/clinic-functions.js';
import { parseDtmf } from '../../dtmf.js';
import {
  asksMedicalAdvice, isEmergency, officeTopic, saysGoodbye, saysNothingMore, taskIntent, wantsPerson, wantsRepeat, wantsStartOver, yesOrNo,
  type TaskKind,
} from '../intents.js';
import { newTask, type DialogState, type Step, type StepContext } from '../state.js';
import { ask, begin, remembered, say, update } from '../step.js';
import { hasAnyPhrase, tokenize } from '../words.js';
import { advance, execute } from './advance.js';
import { goodbye, misunderstanding, officeInfo, offerTransfer, transfer } from './call-moves.js';
import { readDetails, type Reading } from './details.js';

const TASK_FUNCTION: Record<TaskKind, ClinicFunctionName> = {
  book: 'book_appointment',
  reschedule: 'reschedule_appointment',
  cancel: 'cancel_appointment',
  lookup: 'lookup_appointments',
};
const TASK_WORDS: Record<TaskKind, string> = {
  book: 'book appointments',
  reschedule: 'reschedule appointments',
  cancel: 'cancel appointments',
  lookup: 'look up appointments',
};
const GREETINGS = ['hi', 'hello', 'hey', 'good morning', 'good afternoon'];

export function userTurn(state: DialogState, text: string, ctx: StepContext): Step {
  return remembered(reply(begin(state), text, ctx));
}

function reply(step: Step, text: string, ctx: StepContext): Step {
  const { question, task, lastReply } = step.state;
  const digits = parseDtmf(text);
  if (digits !== undefined) return digits.startsWith('0') ? transfer(step, ctx, 'caller pressed 0') : ask(step, question);
  const tokens = tokenize(text);
  if (isEmergency(tokens)) return say(step, 'If this is a medical emergency, please hang up and call nine one one right now.');
  if (wantsPerson(tokens)) return transfer(step, ctx, 'caller asked for a person');
  if (saysGoodbye(tokens)) return goodbye(step, ctx);
  if (question === 'anything_else' && saysNothingMore(tokens) && !taskIntent(tokens) && !officeTopic(tokens)) return goodbye(step, ctx);
  if (wantsRepeat(tokens) && lastReply) return say(step, lastReply);
  if (wantsStartOver(tokens)) return ask(say(update(step, { task: undefined }), 'No problem.'), 'task', 'What can I help you with?');
  if (asksMedicalAdvice(tokens)) {
    return ask(say(step, "I'm sorry, I can't give medical advice, but I can book you an appointment with the doctor."), 'offer_booking');
  }
  const topic = officeTopic(tokens);
  if (topic) return officeInfo(step, ctx, topic);

  const wanted = taskIntent(tokens);
  // Words like "appointment" come up inside every task, so only a clear new request switches tasks.
  if (wanted && (!task || (wanted !== task.kind && wanted !== 'book'))) return startTask(update(step, { misunderstood: 0 }), wanted, tokens, ctx);
  if (task) {
    const reading = readDetails(step.state, task, tokens, ctx);
    if (!reading.understood) return misunderstanding(step, ctx);
    return answered(update(step, { task: reading.task, misunderstood: 0 }), reading.answer, ctx);
  }
  const answer = yesOrNo(tokens);
  if (question === 'offer_booking' && answer === 'yes') return startTask(step, 'book', tokens, ctx);
  if (question === 'offer_transfer' && answer === 'yes') return transfer(step, ctx, 'caller accepted a transfer');
  if ((question === 'offer_transfer' || question === 'offer_booking') && answer === 'no') return ask(say(step, 'Okay.'), 'anything_else');
  if (question === 'anything_else' && answer === 'yes') return ask(step, 'task', 'Sure, what can I help you with?');
  if (tokens.length > 0 && tokens.length <= 3 && hasAnyPhrase(tokens, GREETINGS)) return ask(step, 'task', 'Hi! How can I help you today?');
  return misunderstanding(step, ctx);
}

/** A new task keeps who the patient is, and takes in whatever else the request said. */
export function startTask(step: Step, kind: TaskKind, tokens: readonly string[], ctx: StepContext): Step {
  if (!ctx.can(TASK_FUNCTION[kind])) {
    return offerTransfer(say(update(step, { task: undefined }), `I'm sorry, I can't ${TASK_WORDS[kind]} on this line.`), ctx);
  }
  const { task: previous, known } = step.state;
  const task = newTask(kind, { name: previous?.patient.name ?? known.name, dob: previous?.patient.dob ?? known.dob });
  const asked = update(step, { task, question: 'task' });
  return advance(update(asked, { task: readDetails(asked.state, task, tokens, ctx).task }), ctx);
}

/** After details were understood: the read-back's answer, or the task's next step. */
function answered(step: Step, answer: Reading['answer'], ctx: StepContext): Step {
  if (answer === 'confirmed') return execute(step);
  if (answer !== 'change') return advance(step, ctx);
  if (step.state.task?.kind !== 'cancel') return ask(step, 'change_what');
  return ask(say(update(step, { task: undefined }), "Okay, I'll leave that appointment as it is."), 'anything_else');
}
