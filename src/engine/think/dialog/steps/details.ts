// Reading what the caller said into the task: the patient, the day and time wanted, the appointment
// to change, and answers to the read-back. Which question was asked decides how ambiguous words
// read: a bare "ten" is a time only when a time was asked for, a date is a birth date when one was.
import { toIsoDate } from '../calendar.js';
import { findDates, findYear, type DateMention } from '../dates.js';
import { slotChoice, yesOrNo } from '../intents.js';
import { findName } from '../names.js';
import { findSpelling } from '../spelling.js';
import {
  changesAppointment, type DialogState, type ExistingAppointment, type Patient, type Question, type StepContext, type Task, type WantedSlot,
} from '../state.js';
import { findPartOfDay, findTimes, toHhmm } from '../times.js';
import { hasAnyPhrase } from '../words.js';

/** Questions a spelled name may answer. */
const SPELLING_ANSWERS: ReadonlySet<Question> = new Set(['name', 'last_name', 'spell_name', 'confirm', 'change_what']);

const FIRST_AVAILABLE = ['earliest', 'first available', 'as soon as possible', 'soonest', 'any day', 'anytime', 'any time', 'whenever', 'next available'];

export interface Reading {
  /** The task with what was understood taken in. */
  task: Task;
  /** False when nothing in the words was understood. */
  understood: boolean;
  /** The caller's answer to the read-back: carry it out, or a bare no (ask what to change). */
  answer?: 'confirmed' | 'change';
}

export function readDetails(state: DialogState, task: Task, tokens: readonly string[], ctx: StepContext): Reading {
  const { question, offered } = state;
  const today = ctx.today;
  const patient: Patient = { ...task.patient };
  let wanted: WantedSlot = task.wanted;
  let existing = changesAppointment(task) ? task.existing : undefined;
  let understood = false;

  const dates = findDates(tokens, today);
  const isBirth = (d: DateMention): boolean => d.birth || d.date.year < today.year || question === 'dob' || question === 'dob_year';
  for (const mention of dates.filter(isBirth)) {
    patient.dob = mention.hasYear ? toIsoDate(mention.date) : undefined;
    patient.dobWithoutYear = mention.hasYear ? undefined : mention.date;
    understood = true;
  }
  if (patient.dobWithoutYear && !patient.dob && question === 'dob_year') {
    const year = findYear(tokens, today);
    if (year !== undefined) {
      patient.dob = toIsoDate({ ...patient.dobWithoutYear, year });
      patient.dobWithoutYear = undefined;
      understood = true;
    }
  }

  const wantedDate = dates.find((d) => !isBirth(d));
  const times = findTimes(tokens, { allowBareHour: question === 'time', exclude: dates });
  const choice = question === 'time' ? slotChoice(tokens, offered.length) : undefined;
  const chosenSlot =
    choice !== undefined
      ? offered[choice]
      : offered.find((s) => times[0] && s.time === toHhmm(times[0]) && (!wantedDate || s.date === toIsoDate(wantedDate.date)));

  if (wantedDate && existing && existing.status !== 'chosen' && (question === 'which_appointment' || !ctx.can('lookup_appointments'))) {
    const picked = pickAppointment(existing, toIsoDate(wantedDate.date));
    if (picked) {
      existing = picked;
      understood = true;
    }
  } else if (chosenSlot) {
    wanted = { ...wanted, date: chosenSlot.date, time: chosenSlot.time, openings: 'confirmed' };
    understood = true;
  } else {
    if (wantedDate) {
      const date = toIsoDate(wantedDate.date);
      if (date !== wanted.date) wanted = { ...wanted, date, time: undefined, openings: 'unknown', anyDay: false };
      understood = true;
    }
    if (times[0]) {
      // A new time needs checking; openings already fetched for the day still stand.
      wanted = { ...wanted, time: toHhmm(times[0]), openings: wanted.openings === 'unknown' ? 'unknown' : 'offered' };
      understood = true;
    }
  }
  const part = findPartOfDay(tokens);
  if (part && !times[0] && !chosenSlot && part !== wanted.partOfDay) {
    wanted = { ...wanted, partOfDay: part, time: undefined, openings: 'unknown' };
    understood = true;
  }
  if (!wanted.date && hasAnyPhrase(tokens, FIRST_AVAILABLE)) {
    wanted = { ...wanted, anyDay: true, openings: 'unknown' };
    understood = true;
  }

  // A spelling is always the last name: asked for, or a correction of the name read back.
  const spelled = SPELLING_ANSWERS.has(question) ? findSpelling(tokens) : undefined;
  const name = spelled ? undefined : findName(tokens, question === 'name' || question === 'last_name' || question === 'spell_name');
  if (spelled) {
    patient.name = withLastName(patient.name, spelled);
    understood = true;
  } else if (name) {
    if (question === 'spell_name' && name.words === 1) patient.name = withLastName(patient.name, name.name);
    else patient.name = question === 'last_name' && patient.name && name.words === 1 ? `${patient.name} ${name.name}` : name.name;
    understood = true;
  }

  const read: Task = changesAppointment(task) && existing ? { ...task, patient, wanted, existing } : { ...task, patient, wanted };
  if (understood || (question !== 'confirm' && question !== 'change_what')) return { task: read, understood };
  return amend(read, tokens, question === 'confirm');
}

/** "Maria Gonsalves" with "Gonzalez" spelled is "Maria Gonzalez"; a lone first name keeps it and gains the last. */
function withLastName(name: string | undefined, last: string): string {
  const words = name?.split(' ') ?? [];
  if (words.length >= 2) words.pop();
  return [...words, last].join(' ');
}

/** The appointment the caller names by its day: any day when none were looked up, else one of those found. */
function pickAppointment(existing: ExistingAppointment, date: string): ExistingAppointment | undefined {
  if (existing.status === 'unknown') return { status: 'chosen', date, lookedUp: false };
  const match = existing.status === 'listed' ? existing.appointments.find((a) => a.date === date) : undefined;
  return match && { status: 'chosen', date: match.date, time: match.time, lookedUp: true };
}

/** Answers to the read-back that changed no detail: yes, a detail to forget and ask again, or a bare no. */
function amend(task: Task, tokens: readonly string[], confirming: boolean): Reading {
  const answer = yesOrNo(tokens);
  if (confirming && answer === 'yes') return { task, understood: true, answer: 'confirmed' };
  const forget = (patient: Partial<Patient>, wanted: Partial<WantedSlot> = {}): Reading => ({
    task: { ...task, patient: { ...task.patient, ...patient }, wanted: { ...task.wanted, ...wanted } },
    understood: true,
  });
  const unknownTime = { time: undefined, openings: 'unknown' } as const;
  if (hasAnyPhrase(tokens, ['name', 'spelling', 'spelled'])) return forget({ name: undefined });
  if (hasAnyPhrase(tokens, ['birth', 'born', 'birthday'])) return forget({ dob: undefined, dobWithoutYear: undefined });
  if (hasAnyPhrase(tokens, ['time', 'hour'])) return forget({}, unknownTime);
  if (hasAnyPhrase(tokens, ['day', 'date'])) return forget({}, { date: undefined, ...unknownTime });
  if (answer === 'no') return { task, understood: true, answer: 'change' };
  return { task, understood: false };
}
