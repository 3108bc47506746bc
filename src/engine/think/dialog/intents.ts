// What the caller wants, from keywords. Recognition errors drop and swap words, so each intent
// listens for several short cues rather than one exact sentence, and the safety-relevant ones
// (emergency, asking for a person) are checked before anything else.
import type { OfficeTopic } from '../../../domain/clinic-functions.js';
import { hasAnyPhrase, hasPhrase } from './words.js';

export type TaskKind = 'book' | 'reschedule' | 'cancel' | 'lookup';

const EMERGENCY = [
  'chest pain', 'chest pains', 'chest hurts', 'chest is hurting', 'pain in my chest', 'chest pressure', 'heart attack',
  'can not breathe', 'not breathing', 'stopped breathing', 'trouble breathing', 'difficulty breathing',
  'hard to breathe', 'short of breath', 'shortness of breath', 'struggling to breathe', 'choking',
  'bleeding', 'blood everywhere', 'stroke', 'face drooping', 'slurred speech', 'suicide', 'suicidal', 'kill myself',
  'killing myself', 'end my life', 'want to die', 'hurt myself', 'harm myself', 'self harm', 'overdose', 'overdosed',
  'took too many pills', 'unconscious', 'passed out', 'not responding', 'unresponsive', 'will not wake up', 'seizure',
  'having a seizure', 'anaphylaxis', 'anaphylactic', 'throat is closing', 'throat closing', 'emergency', "i'm dying", 'i am dying',
];

export function isEmergency(tokens: readonly string[]): boolean {
  return hasAnyPhrase(tokens, EMERGENCY);
}

const PERSON_WORDS = [
  'person', 'human', 'receptionist', 'staff', 'operator', 'representative', 'someone', 'somebody',
  'front desk', 'nurse', 'real person', 'live person', 'agent',
];
const PERSON_VERBS = ['speak', 'talk', 'transfer', 'connect', 'put me through', 'get me', 'want', 'need', 'real', 'live', 'human'];

export function wantsPerson(tokens: readonly string[]): boolean {
  if (!hasAnyPhrase(tokens, PERSON_WORDS)) return false;
  // "someone" alone is too common ("someone told me..."); a short request or a verb of asking makes it a request.
  return tokens.length <= 4 || hasAnyPhrase(tokens, PERSON_VERBS);
}

const GOODBYE = [
  'bye', 'goodbye', 'good bye', 'bye bye', "that's all", 'that is all', 'nothing else',
  'have a good day', 'have a nice day', 'hang up', "i'm done", 'all done',
];

export function saysGoodbye(tokens: readonly string[]): boolean {
  return hasAnyPhrase(tokens, GOODBYE);
}

/** "No thanks", "I'm good", "thank you": the end of the call, but only as the answer to "anything else?". */
const NOTHING_MORE = [
  'no', 'nope', 'nah', 'thank you', 'thanks', "i'm good", 'all set', "i'm fine",
  "that's it", 'that is it', "that's everything", 'not today',
];

export function saysNothingMore(tokens: readonly string[]): boolean {
  return hasAnyPhrase(tokens, NOTHING_MORE);
}

const RESCHEDULE_CUES = [
  'reschedule', 'rescheduled', 'move my appointment', 'change my appointment', 'move it', 'push it',
  'different time', 'different day', 'another time', 'another day', 'change the time', 'change the day', 'change the date',
];
const CANCEL_CUES = [
  'cancel', 'canceled', 'cancelled', 'cancellation', 'call off',
  'not make it', 'can not make it', 'can not come', 'not be able to make', 'not coming',
];
const LOOKUP_CUES = [
  'when is my', 'what time is my', 'do i have an appointment', 'do i have any', 'check my appointment',
  'confirm my appointment', 'look up', 'lookup', 'my appointments', 'my next appointment', 'my upcoming',
  'already have an appointment', 'have i got',
];
const BOOK_CUES = [
  'book', 'booking', 'schedule', 'appointment', 'see the doctor', 'see a doctor', 'see doctor', 'come in', 'get in',
  'openings', 'opening', 'availability', 'available', 'open slot', 'open slots', 'checkup', 'check up', 'physical', 'visit',
];

export function taskIntent(tokens: readonly string[]): TaskKind | undefined {
  if (hasAnyPhrase(tokens, RESCHEDULE_CUES)) return 'reschedule';
  if (hasAnyPhrase(tokens, CANCEL_CUES)) return 'cancel';
  if (hasAnyPhrase(tokens, LOOKUP_CUES)) return 'lookup';
  if (hasAnyPhrase(tokens, BOOK_CUES)) return 'book';
  return undefined;
}

const SLOT_WORDS = ['slot', 'slots', 'appointment', 'appointments', 'openings', 'times available'];
const HOURS_CUES = [
  'hours', 'what time do you', 'when do you open', 'when do you close', 'are you open', 'you open',
  'closing time', 'opening time', 'open on', 'closed on', 'open today', 'open tomorrow',
];
const ADDRESS_CUES = [
  'address', 'where are you', 'where is the office', 'where is your', 'located', 'location', 'directions',
  'how do i get there', 'how to get there', 'parking', 'what street',
];
const INSURANCE_CUES = [
  'insurance', 'insurances', 'medicare', 'medicaid', 'aetna', 'cigna', 'blue cross', 'blue shield',
  'united healthcare', 'humana', 'kaiser', 'in network', 'coverage', 'accept my', 'take my',
];

export function officeTopic(tokens: readonly string[]): OfficeTopic | undefined {
  const topics: OfficeTopic[] = [];
  const aboutSlots = hasAnyPhrase(tokens, SLOT_WORDS);
  if (hasAnyPhrase(tokens, HOURS_CUES) && !aboutSlots) topics.push('hours');
  if (hasAnyPhrase(tokens, ADDRESS_CUES)) topics.push('address');
  if (hasAnyPhrase(tokens, INSURANCE_CUES)) topics.push('insurance');
  if (topics.length === 0) return undefined;
  return topics.length === 1 ? topics[0] : 'all';
}

const SYMPTOMS = [
  'fever', 'cough', 'coughing', 'rash', 'pain', 'hurts', 'hurting', 'sore', 'headache', 'migraine', 'nausea', 'nauseous',
  'vomiting', 'throwing up', 'dizzy', 'flu', 'cold', 'infection', 'swelling', 'swollen', 'symptom', 'symptoms', 'sick',
  'medication', 'medicine', 'dose', 'dosage', 'pills', 'antibiotics', 'ibuprofen', 'tylenol', 'advil', 'side effect',
  'side effects', 'blood pressure', 'diabetes', 'allergy', 'allergies', 'diarrhea', 'itchy', 'lump',
];
const ADVICE_QUESTIONS = [
  'should i', 'is it normal', 'is it serious', 'is that normal', 'is that serious', 'what should i', 'what do i do',
  'do you think', 'what can i take', 'can i take', 'how much', 'is it safe', 'what is wrong', 'why do i', 'do i need',
];

/** A question about symptoms or treatment: never answered, an appointment is offered instead. */
export function asksMedicalAdvice(tokens: readonly string[]): boolean {
  return hasAnyPhrase(tokens, SYMPTOMS) && (hasAnyPhrase(tokens, ADVICE_QUESTIONS) || taskIntent(tokens) === undefined);
}

const YES = [
  'yes', 'yeah', 'yep', 'yup', 'yea', 'sure', 'correct', 'right', "that's right", 'sounds good', 'okay', 'ok',
  'go ahead', 'please do', 'book it', 'do it', 'perfect', 'absolutely', 'of course', 'that works', 'works for me',
  'great', 'alright', 'all right', 'mhm', 'uh-huh', 'definitely', 'please', 'fine',
];
const NO = ['no', 'nope', 'nah', 'not', "don't", 'wrong', 'incorrect', 'wait', 'actually', 'change', 'hold on'];

/** A yes or a no; a no wins when both appear ("no that's not right", "yes but change the time"). */
export function yesOrNo(tokens: readonly string[]): 'yes' | 'no' | undefined {
  if (hasAnyPhrase(tokens, NO)) return 'no';
  if (hasAnyPhrase(tokens, YES)) return 'yes';
  return undefined;
}

const REPEAT_CUES = ['repeat', 'say that again', 'say again', 'come again', 'pardon', 'what did you say', 'one more time'];

export function wantsRepeat(tokens: readonly string[]): boolean {
  return hasAnyPhrase(tokens, REPEAT_CUES) || (tokens.length === 1 && tokens[0] === 'what');
}

export function wantsStartOver(tokens: readonly string[]): boolean {
  return hasAnyPhrase(tokens, ['start over', 'never mind', 'nevermind', 'forget it', 'forget that', 'scratch that']);
}

/** Which offered slot the caller picked by position ("the first one", "the later one"), if any. */
export function slotChoice(tokens: readonly string[], offered: number): number | undefined {
  if (offered === 0) return undefined;
  if (hasAnyPhrase(tokens, ['first', 'first one', 'earliest', 'earlier', 'earlier one'])) return 0;
  if (hasPhrase(tokens, 'second') && offered >= 2) return 1;
  if (hasPhrase(tokens, 'third') && offered >= 3) return 2;
  if (hasAnyPhrase(tokens, ['last', 'last one', 'later', 'later one', 'latest'])) return offered - 1;
  if (offered === 1 && hasAnyPhrase(tokens, ['that one', 'that works', 'that time'])) return 0;
  return undefined;
}
