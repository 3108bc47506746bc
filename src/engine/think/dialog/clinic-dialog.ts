// The built-in think provider: a receptionist for the clinic that needs no model. It keeps the
// call's state itself (what the caller wants, what it knows, what it just asked) and reads each new
// user turn or function result against that state. Every reply is a few short sentences and at most
// one function call, and only functions the agent declares are ever called.
import { randomUUID } from 'node:crypto';
import type { ChatMessage, ThinkEvent, ThinkProvider, ThinkRequest, ToolCall } from '../../types.js';
import { parseDtmf } from '../dtmf.js';
import { assertTimeZone, defaultTimeZone, todayIn, toIsoDate, type CivilDate } from './calendar.js';
import { findDates, findYear, type DateMention } from './dates.js';
import {
  asksMedicalAdvice, isEmergency, officeTopic, saysGoodbye, saysNothingMore, slotChoice, taskIntent, wantsPerson,
  wantsRepeat, wantsStartOver, yesOrNo, type TaskKind,
} from './intents.js';
import { findName } from './names.js';
import { clinicPhrases } from './phrases.js';
import { failureOf, findSlots, officeInfoText, parseResult, type OfficeTopic, type Slot } from './results.js';
import { spokenDate, spokenList, spokenTime } from './spoken.js';
import { findPartOfDay, findTimes, toHhmm, type PartOfDay } from './times.js';
import { hasAnyPhrase, tokenize } from './words.js';

export interface ClinicDialogOptions {
  /** The clock "today" and "tomorrow" are relative to. Default: the system clock. */
  now?: () => Date;
  /** IANA zone of the clinic, for what "today" is. Default: the server's zone. */
  timeZone?: string;
  /** Misunderstood turns in a row before the caller is handed to staff. Default 3. */
  maxMisunderstandings?: number;
}

type Question =
  | 'task' | 'name' | 'last_name' | 'dob' | 'dob_year' | 'date' | 'time' | 'confirm' | 'change_what'
  | 'which_appointment' | 'anything_else' | 'offer_booking' | 'offer_transfer';

interface Task {
  kind: TaskKind;
  name?: string;
  /** YYYY-MM-DD */
  dob?: string;
  /** A birth date said without its year, waiting for it. */
  dobWithoutYear?: CivilDate;
  /** The day and time wanted (booking, or the new slot when rescheduling). */
  date?: string;
  time?: string;
  partOfDay?: PartOfDay;
  /** The caller takes the first opening, whatever the day. */
  anyDay?: boolean;
  /** Openings for the wanted day (or the next days) were fetched and offered. */
  searched?: boolean;
  /** The wanted date and time were confirmed open, or cannot be checked. */
  checked?: boolean;
  /** The appointment to move or cancel. */
  current?: { date: string; time?: string };
  looked?: boolean;
  found?: Slot[];
}

type Purpose = 'office' | 'search' | 'check' | 'lookup' | 'book' | 'reschedule' | 'cancel' | 'transfer' | 'end';

interface Pending {
  id: string;
  purpose: Purpose;
  topic?: OfficeTopic;
}

interface Reply {
  say: string[];
  call?: ToolCall;
}

const TASK_FUNCTION: Record<TaskKind, string> = {
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
const MAX_OFFERED = 3;

export class ClinicDialog implements ThinkProvider {
  readonly #now: () => Date;
  readonly #timeZone: string;
  readonly #maxMisunderstandings: number;

  #task: Task | undefined;
  /** Who the caller is, once known: later tasks in the same call do not ask again. */
  #patient: { name?: string; dob?: string } = {};
  #question: Question = 'task';
  #offered: Slot[] = [];
  #misunderstood = 0;
  #pending: Pending | undefined;
  #lastReply = '';
  #declared = new Set<string>();
  #reply: Reply = { say: [] };
  /** Set while reading a turn: the caller said yes to the read-back / said no without saying what to change. */
  #confirmed = false;
  #askChange = false;

  constructor(options: ClinicDialogOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#timeZone = options.timeZone ?? defaultTimeZone();
    assertTimeZone(this.#timeZone);
    this.#maxMisunderstandings = options.maxMisunderstandings ?? 3;
  }

  expectedPhrases(): string[] {
    return clinicPhrases();
  }

  async *respond(request: ThinkRequest): AsyncGenerator<ThinkEvent> {
    this.#declared = new Set(request.functions.map((f) => f.name));
    this.#reply = { say: [] };
    this.#handle(request.messages);
    const { say, call } = this.#reply;
    if (say.length > 0) this.#lastReply = say.join(' ');
    if (request.signal.aborted) return;
    if (say.length > 0) yield { type: 'text', text: say.join(' ') };
    if (call && !request.signal.aborted) yield { type: 'tool_call', call };
  }

  #handle(messages: readonly ChatMessage[]): void {
    const last = messages[messages.length - 1];
    if (last?.role === 'user') {
      // A call still pending when the caller speaks was never answered (the reply was interrupted).
      this.#pending = undefined;
      this.#onUser(last.content);
      return;
    }
    if (last?.role !== 'tool' || !this.#pending) return;
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i]!;
      if (message.role !== 'tool') break;
      if (message.tool_call_id === this.#pending.id) {
        const pending = this.#pending;
        this.#pending = undefined;
        this.#onResult(pending, parseResult(message.content));
        return;
      }
    }
  }

  // ---- user turns -----------------------------------------------------------------------------

  #onUser(text: string): void {
    const digits = parseDtmf(text);
    if (digits !== undefined) {
      if (digits.startsWith('0')) return this.#transfer('caller pressed 0');
      return this.#ask(this.#question);
    }
    const tokens = tokenize(text);
    if (isEmergency(tokens)) {
      this.#say('If this is a medical emergency, please hang up and call nine one one right now.');
      return;
    }
    if (wantsPerson(tokens)) return this.#transfer('caller asked for a person');
    if (saysGoodbye(tokens)) return this.#goodbye();
    if (this.#question === 'anything_else' && saysNothingMore(tokens) && !taskIntent(tokens) && !officeTopic(tokens)) return this.#goodbye();
    if (wantsRepeat(tokens) && this.#lastReply) return this.#say(this.#lastReply);
    if (wantsStartOver(tokens)) {
      this.#task = undefined;
      this.#say('No problem.');
      return this.#ask('task', 'What can I help you with?');
    }
    if (asksMedicalAdvice(tokens)) {
      this.#say("I'm sorry, I can't give medical advice, but I can book you an appointment with the doctor.");
      return this.#ask('offer_booking');
    }
    const topic = officeTopic(tokens);
    if (topic) return this.#officeInfo(topic);

    const wanted = taskIntent(tokens);
    // Words like "appointment" come up inside every task, so only a clear new request switches tasks.
    if (wanted && (!this.#task || (wanted !== this.#task.kind && wanted !== 'book'))) {
      this.#misunderstood = 0;
      return this.#startTask(wanted, tokens);
    }
    if (this.#task) {
      if (this.#fill(this.#task, tokens)) {
        this.#misunderstood = 0;
        return this.#advance();
      }
      return this.#misunderstanding();
    }
    const answer = yesOrNo(tokens);
    if (this.#question === 'offer_booking' && answer === 'yes') return this.#startTask('book', tokens);
    if (this.#question === 'offer_transfer' && answer === 'yes') return this.#transfer('caller accepted a transfer');
    if ((this.#question === 'offer_transfer' || this.#question === 'offer_booking') && answer === 'no') {
      this.#say('Okay.');
      return this.#ask('anything_else');
    }
    if (this.#question === 'anything_else' && answer === 'yes') return this.#ask('task', 'Sure, what can I help you with?');
    if (tokens.length > 0 && tokens.length <= 3 && hasAnyPhrase(tokens, ['hi', 'hello', 'hey', 'good morning', 'good afternoon'])) {
      return this.#ask('task', 'Hi! How can I help you today?');
    }
    this.#misunderstanding();
  }

  #startTask(kind: TaskKind, tokens: readonly string[]): void {
    if (!this.#can(TASK_FUNCTION[kind])) {
      this.#task = undefined;
      this.#say(`I'm sorry, I can't ${TASK_WORDS[kind]} on this line.`);
      return this.#offerTransfer();
    }
    this.#task = { kind, name: this.#task?.name ?? this.#patient.name, dob: this.#task?.dob ?? this.#patient.dob };
    this.#question = 'task';
    this.#fill(this.#task, tokens);
    this.#advance();
  }

  /** Takes what the caller said into the task. Returns false when nothing in it was understood. */
  #fill(task: Task, tokens: readonly string[]): boolean {
    const today = this.#today();
    const question = this.#question;
    let understood = false;

    const dates = findDates(tokens, today);
    const isBirth = (d: DateMention): boolean =>
      d.birth || d.date.year < today.year || question === 'dob' || question === 'dob_year';
    for (const mention of dates.filter(isBirth)) {
      if (mention.hasYear) {
        task.dob = toIsoDate(mention.date);
        task.dobWithoutYear = undefined;
      } else {
        task.dob = undefined;
        task.dobWithoutYear = mention.date;
      }
      understood = true;
    }
    if (task.dobWithoutYear && !task.dob) {
      const year = findYear(tokens, today);
      if (year !== undefined && question === 'dob_year') {
        task.dob = toIsoDate({ ...task.dobWithoutYear, year });
        task.dobWithoutYear = undefined;
        understood = true;
      }
    }

    const wantedDate = dates.find((d) => !isBirth(d));
    const times = findTimes(tokens, { allowBareHour: question === 'time', exclude: dates });
    const choice = question === 'time' ? slotChoice(tokens, this.#offered.length) : undefined;
    const chosen = choice !== undefined ? this.#offered[choice] : this.#offered.find((s) => times[0] && s.time === toHhmm(times[0]) && (!wantedDate || s.date === toIsoDate(wantedDate.date)));

    const needsCurrent = (task.kind === 'cancel' || task.kind === 'reschedule') && !task.current;
    if (wantedDate && needsCurrent && (question === 'which_appointment' || !this.#can('lookup_appointments'))) {
      const date = toIsoDate(wantedDate.date);
      const match = task.found?.find((a) => a.date === date);
      if (match || !task.found) {
        task.current = match ?? { date };
        understood = true;
      }
    } else if (chosen) {
      Object.assign(task, { date: chosen.date, time: chosen.time, checked: true });
      understood = true;
    } else {
      if (wantedDate) {
        const date = toIsoDate(wantedDate.date);
        if (date !== task.date) Object.assign(task, { date, time: undefined, searched: false, checked: false, anyDay: false });
        understood = true;
      }
      if (times[0]) {
        Object.assign(task, { time: toHhmm(times[0]), checked: false });
        understood = true;
      }
    }
    const part = findPartOfDay(tokens);
    if (part && !times[0] && !chosen && part !== task.partOfDay) {
      Object.assign(task, { partOfDay: part, time: undefined, searched: false, checked: false });
      understood = true;
    }
    if (!task.date && hasAnyPhrase(tokens, ['earliest', 'first available', 'as soon as possible', 'soonest', 'any day', 'anytime', 'any time', 'whenever', 'next available'])) {
      Object.assign(task, { anyDay: true, searched: false });
      understood = true;
    }

    const name = findName(tokens, question === 'name' || question === 'last_name');
    if (name) {
      task.name = question === 'last_name' && task.name && name.words === 1 ? `${task.name} ${name.name}` : name.name;
      understood = true;
    }

    if (question === 'confirm' || question === 'change_what') understood = this.#amend(task, tokens, understood) || understood;
    return understood;
  }

  /** Answers to the read-back: yes books, a no with new details corrects them, a bare no asks what to change. */
  #amend(task: Task, tokens: readonly string[], changedSomething: boolean): boolean {
    if (changedSomething) return true;
    const answer = yesOrNo(tokens);
    if (this.#question === 'confirm' && answer === 'yes') {
      this.#confirmed = true;
      return true;
    }
    const forget = (...fields: Array<keyof Task>): true => {
      for (const f of fields) delete task[f];
      return true;
    };
    if (hasAnyPhrase(tokens, ['name', 'spelling', 'spelled'])) return forget('name');
    if (hasAnyPhrase(tokens, ['birth', 'born', 'birthday'])) return forget('dob', 'dobWithoutYear');
    if (hasAnyPhrase(tokens, ['time', 'hour'])) return forget('time', 'checked', 'searched');
    if (hasAnyPhrase(tokens, ['day', 'date'])) return forget('date', 'time', 'checked', 'searched');
    if (answer === 'no') {
      this.#askChange = true;
      return true;
    }
    return false;
  }

  /** The next step of the current task: a question, a function call, or the read-back. */
  #advance(): void {
    const task = this.#task!;
    if (this.#askChange) {
      this.#askChange = false;
      if (task.kind !== 'cancel') return this.#ask('change_what');
      this.#task = undefined;
      this.#say("Okay, I'll leave that appointment as it is.");
      return this.#ask('anything_else');
    }
    if (this.#confirmed) {
      this.#confirmed = false;
      return this.#execute(task);
    }
    if (task.kind !== 'book') {
      if (!task.name) return this.#ask('name');
      if (!task.dob) return this.#ask(task.dobWithoutYear ? 'dob_year' : 'dob');
      if (!task.current && task.kind !== 'lookup' && !this.#can('lookup_appointments')) return this.#ask('which_appointment');
      if (!task.looked && this.#can('lookup_appointments') && (task.kind === 'lookup' || !task.current)) {
        return this.#call('lookup_appointments', { patient_name: task.name, date_of_birth: task.dob }, 'lookup');
      }
      if (task.kind === 'lookup') return;
      if (!task.current) return this.#ask('which_appointment');
      if (task.kind === 'cancel') return this.#ask('confirm');
    }
    if (!task.date) {
      if (task.anyDay && !task.searched && this.#can('find_open_slots')) return this.#search(task);
      return this.#ask('date');
    }
    if (!task.time) {
      if (!task.searched && this.#can('find_open_slots')) return this.#search(task);
      return this.#ask('time');
    }
    if (!task.checked && this.#can('find_open_slots')) return this.#call('find_open_slots', { date: task.date }, 'check');
    if (!task.name) return this.#ask('name');
    if (!task.dob) return this.#ask(task.dobWithoutYear ? 'dob_year' : 'dob');
    this.#ask('confirm');
  }

  #search(task: Task): void {
    const args: Record<string, string> = {};
    if (task.date) args.date = task.date;
    if (task.partOfDay) args.part_of_day = task.partOfDay;
    this.#call('find_open_slots', args, 'search');
  }

  #execute(task: Task): void {
    const who = { patient_name: task.name!, date_of_birth: task.dob! };
    switch (task.kind) {
      case 'book':
        return this.#call('book_appointment', { ...who, date: task.date!, time: task.time! }, 'book');
      case 'reschedule':
        return this.#call('reschedule_appointment', { ...who, current_date: task.current!.date, new_date: task.date!, new_time: task.time! }, 'reschedule');
      case 'cancel':
        return this.#call('cancel_appointment', { ...who, date: task.current!.date }, 'cancel');
      case 'lookup':
        return;
    }
  }

  // ---- function results -----------------------------------------------------------------------

  #onResult(pending: Pending, result: unknown): void {
    const failure = failureOf(result);
    const task = this.#task;
    switch (pending.purpose) {
      case 'office':
        if (failure) this.#say("I'm sorry, I couldn't get that information just now.");
        else this.#say(officeInfoText(result, pending.topic ?? 'all') ?? "I'm sorry, I don't have that information.");
        return task ? this.#ask(this.#question) : this.#ask('anything_else');
      case 'search':
      case 'check':
        if (!task) return;
        if (failure) {
          // The booking itself will say whether the time is free.
          Object.assign(task, { searched: true, checked: true });
          return this.#advance();
        }
        return pending.purpose === 'search' ? this.#offerOpenings(task, findSlots(result)) : this.#checkOpening(task, findSlots(result));
      case 'lookup':
        if (!task) return;
        if (failure) {
          this.#task = undefined;
          this.#say("I'm sorry, I couldn't look up appointments just now.");
          return this.#offerTransfer();
        }
        return this.#onLookup(task, findSlots(result).filter((s) => s.date >= toIsoDate(this.#today())));
      case 'book':
      case 'reschedule':
        if (!task) return;
        return failure ? this.#onBookingFailed(task, failure, result) : this.#onBooked(task, findSlots(result));
      case 'cancel':
        if (!task) return;
        if (failure) {
          this.#task = undefined;
          this.#say("I'm sorry, I couldn't cancel that appointment.");
          return this.#offerTransfer();
        }
        this.#task = undefined;
        this.#say(`All right, the appointment on ${this.#when(task.current!)} is cancelled.`);
        return this.#ask('anything_else');
      case 'transfer':
        if (failure) {
          this.#say("I'm sorry, I couldn't reach the front desk right now.");
          return this.#ask('anything_else');
        }
        return;
      case 'end':
        return;
    }
  }

  #offerOpenings(task: Task, slots: Slot[]): void {
    const today = toIsoDate(this.#today());
    let open = slots.filter((s) => s.date >= today && (!task.date || s.date === task.date) && fitsPart(s, task.partOfDay));
    task.searched = true;
    if (open.length === 0) {
      const when = task.date ? `on ${spokenDate(task.date)}` : 'in the next few days';
      const part = task.partOfDay ? ` in the ${task.partOfDay}` : '';
      this.#say(`I'm sorry, we don't have any openings ${when}${part}.`);
      Object.assign(task, { date: undefined, time: undefined, partOfDay: undefined, anyDay: false, searched: false });
      return this.#ask('date', 'What other day would work for you?');
    }
    open = spread(open, MAX_OFFERED);
    this.#offered = open;
    if (task.date) {
      this.#say(`On ${spokenDate(task.date)} I have ${spokenList(open.map((s) => spokenTime(s.time)))}.`);
    } else {
      this.#say(`The next openings are ${spokenList(open.map((s) => `${spokenDate(s.date)} at ${spokenTime(s.time)}`))}.`);
    }
    this.#ask('time', 'Which would you like?');
  }

  #checkOpening(task: Task, slots: Slot[]): void {
    const sameDay = slots.filter((s) => s.date === task.date);
    if (sameDay.some((s) => s.time === task.time)) {
      task.checked = true;
      this.#say(`Good news, ${this.#when({ date: task.date!, time: task.time })} is open.`);
      return this.#advance();
    }
    const wantedTime = task.time!;
    Object.assign(task, { time: undefined, checked: false });
    if (sameDay.length === 0) {
      this.#say(`I'm sorry, we don't have any openings on ${spokenDate(task.date!)}.`);
      Object.assign(task, { date: undefined, searched: false });
      return this.#ask('date', 'What other day would work for you?');
    }
    task.searched = true;
    this.#offered = closest(sameDay, wantedTime);
    this.#say(`I'm sorry, ${spokenTime(wantedTime)} isn't available on ${spokenDate(task.date!)}. The closest times are ${spokenList(this.#offered.map((s) => spokenTime(s.time)))}.`);
    this.#ask('time', 'Would one of those work?');
  }

  #onLookup(task: Task, appointments: Slot[]): void {
    task.looked = true;
    task.found = appointments;
    const name = task.name!;
    if (task.kind === 'lookup') {
      this.#task = undefined;
      if (appointments.length === 0) this.#say(`I don't see any upcoming appointments for ${name}.`);
      else if (appointments.length === 1) this.#say(`${name} has an appointment on ${this.#when(appointments[0]!)}.`);
      else this.#say(`${name} has ${appointments.length} upcoming appointments: ${spokenList(appointments.map((a) => this.#when(a)), 'and')}.`);
      return this.#ask('anything_else');
    }
    if (appointments.length === 0) {
      this.#task = undefined;
      this.#say(`I couldn't find an upcoming appointment for ${name} with that date of birth.`);
      return this.#offerTransfer();
    }
    if (appointments.length === 1) {
      task.current = appointments[0]!;
      if (task.kind === 'reschedule') this.#say(`I see your appointment on ${this.#when(task.current)}.`);
      return this.#advance();
    }
    this.#ask('which_appointment');
  }

  #onBooked(task: Task, slots: Slot[]): void {
    const booked = slots.find((s) => s.date === task.date) ?? { date: task.date!, time: task.time! };
    this.#patient = { name: task.name, dob: task.dob };
    this.#task = undefined;
    this.#offered = [];
    if (task.kind === 'book') this.#say(`You're all set. ${task.name} is booked for ${this.#when(booked)}.`);
    else this.#say(`Done. Your appointment is now on ${this.#when(booked)}.`);
    this.#ask('anything_else');
  }

  #onBookingFailed(task: Task, failure: string, result: unknown): void {
    const wanted = { date: task.date!, time: task.time! };
    const why = /past/i.test(failure)
      ? 'that time has already passed'
      : /closed|outside|hours/i.test(failure)
        ? "the office isn't open then"
        : /not found|no appointment|no such/i.test(failure)
          ? "I couldn't find the appointment to change"
          : 'that time is no longer available';
    this.#say(`I'm sorry, ${why}.`);
    const alternatives = findSlots(result).filter((s) => !(s.date === wanted.date && s.time === wanted.time) && s.date >= toIsoDate(this.#today()));
    Object.assign(task, { time: undefined, checked: false, searched: false });
    if (alternatives.length > 0) {
      this.#offered = spread(alternatives, MAX_OFFERED);
      this.#say(`I can offer ${spokenList(this.#offered.map((s) => this.#when(s)))}.`);
      return this.#ask('time', 'Would one of those work?');
    }
    if (/past/i.test(failure)) task.date = undefined;
    this.#advance();
  }

  // ---- replies --------------------------------------------------------------------------------

  #say(text: string): void {
    this.#reply.say.push(text);
  }

  #ask(question: Question, text = this.#questionText(question)): void {
    this.#question = question;
    if (question !== 'time') this.#offered = [];
    this.#say(text);
  }

  #questionText(question: Question): string {
    const task = this.#task;
    switch (question) {
      case 'task':
        return 'How can I help you today? I can book, reschedule or cancel an appointment, or answer questions about the office.';
      case 'name':
        return task?.kind === 'book' ? "Can I have the patient's full name?" : "Can I have the patient's full name, please?";
      case 'last_name':
        return 'And the last name?';
      case 'dob':
        return "And the patient's date of birth?";
      case 'dob_year':
        return 'And what year was that?';
      case 'date':
        return task?.kind === 'reschedule' ? 'What day would you like to move it to?' : 'What day would you like to come in?';
      case 'time':
        return this.#offered.length > 0 ? `Which time would you like: ${spokenList(this.#offered.map((s) => spokenTime(s.time)))}?` : 'What time works best for you?';
      case 'confirm':
        return this.#readBack(task!);
      case 'change_what':
        return 'What would you like to change: the name, the date of birth, the day or the time?';
      case 'which_appointment':
        return task?.found && task.found.length > 1
          ? `I see appointments on ${spokenList(task.found.map((a) => this.#when(a)))}. Which one?`
          : `What day is the appointment you'd like to ${task?.kind === 'cancel' ? 'cancel' : 'move'}?`;
      case 'anything_else':
        return 'Is there anything else I can help you with?';
      case 'offer_booking':
        return 'Would you like me to book an appointment?';
      case 'offer_transfer':
        return 'Would you like me to transfer you to our staff?';
    }
  }

  /** What the retry after a misunderstanding asks: the same question, with an example where one helps. */
  #retryText(question: Question): string {
    switch (question) {
      case 'name':
        return "Could you tell me the patient's first and last name?";
      case 'dob':
        return "What is the patient's date of birth? For example, March fifth, nineteen eighty four.";
      case 'date':
        return 'What day would you like? For example, tomorrow, next Tuesday, or March fifth.';
      case 'time':
        return this.#offered.length > 0 ? this.#questionText('time') : 'What time would you like? For example, ten AM or two thirty PM.';
      case 'confirm':
        return `${this.#readBack(this.#task!)} Please say yes or no.`;
      default:
        return this.#questionText(question);
    }
  }

  #readBack(task: Task): string {
    const when = this.#when({ date: task.date!, time: task.time });
    switch (task.kind) {
      case 'book':
        return `So that's ${task.name}, born ${spokenDate(task.dob!, 'birth')}, on ${when}. Shall I book it?`;
      case 'reschedule':
        return `So I'll move ${task.name}'s appointment from ${this.#when(task.current!)} to ${when}. Is that right?`;
      default:
        return task.looked
          ? `I see ${task.name}'s appointment on ${this.#when(task.current!)}. Shall I cancel it?`
          : `So I'll cancel ${task.name}'s appointment on ${this.#when(task.current!)}. Is that right?`;
    }
  }

  #when(slot: { date: string; time?: string }): string {
    return slot.time ? `${spokenDate(slot.date)} at ${spokenTime(slot.time)}` : spokenDate(slot.date);
  }

  #misunderstanding(): void {
    this.#misunderstood++;
    if (this.#misunderstood >= this.#maxMisunderstandings && this.#can('transfer_to_staff')) {
      this.#misunderstood = 0;
      this.#say("I'm sorry, I'm having trouble understanding.");
      return this.#transfer('the assistant could not understand the caller');
    }
    this.#say("Sorry, I didn't catch that.");
    this.#ask(this.#question, this.#retryText(this.#question));
  }

  #officeInfo(topic: OfficeTopic): void {
    if (!this.#can('get_office_info')) {
      this.#say("I'm sorry, I don't have the office details here.");
      return this.#offerTransfer();
    }
    this.#call('get_office_info', { topic }, 'office', topic);
  }

  #offerTransfer(): void {
    if (this.#can('transfer_to_staff')) return this.#ask('offer_transfer');
    this.#ask('anything_else');
  }

  #transfer(reason: string): void {
    this.#task = undefined;
    if (!this.#can('transfer_to_staff')) {
      this.#say("I'm sorry, I can't transfer calls right now. Please call back during office hours to speak with our staff.");
      return this.#ask('anything_else');
    }
    this.#say("Sure, I'll transfer you to our staff now. Please hold.");
    this.#call('transfer_to_staff', { reason }, 'transfer');
  }

  #goodbye(): void {
    this.#task = undefined;
    this.#say('Thank you for calling. Goodbye!');
    if (this.#can('end_call')) this.#call('end_call', { reason: 'caller said goodbye' }, 'end');
  }

  #call(name: string, args: Record<string, string>, purpose: Purpose, topic?: OfficeTopic): void {
    const id = `call_${randomUUID()}`;
    this.#pending = { id, purpose, topic };
    this.#reply.call = { id, name, arguments: JSON.stringify(args) };
  }

  #can(name: string): boolean {
    return this.#declared.has(name);
  }

  #today(): CivilDate {
    return todayIn(this.#timeZone, this.#now());
  }
}

function fitsPart(slot: Slot, part: PartOfDay | undefined): boolean {
  if (!part) return true;
  return part === 'morning' ? slot.time < '12:00' : slot.time >= '12:00';
}

/** Up to `n` slots spread over the list (first, middle, last), so the caller hears the range. */
function spread(slots: Slot[], n: number): Slot[] {
  if (slots.length <= n) return slots;
  return Array.from({ length: n }, (_, i) => slots[Math.round((i * (slots.length - 1)) / (n - 1))]!);
}

/** The `n` slots nearest to `time` (HH:MM), in time order. */
function closest(slots: Slot[], time: string, n = MAX_OFFERED): Slot[] {
  const minutes = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  return [...slots]
    .sort((a, b) => Math.abs(minutes(a.time) - minutes(time)) - Math.abs(minutes(b.time) - minutes(time)))
    .slice(0, n)
    .sort((a, b) => a.time.localeCompare(b.time));
}
