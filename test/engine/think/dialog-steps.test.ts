// The clinic dialog's step functions driven directly: a state and what happened in, the next state,
// what is said and the function called out. Monday, March 3rd 2025 is today.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLINIC_FUNCTION_NAMES, type ClinicFunctionName } from '../../../src/domain/clinic-functions.js';
import type { CivilDate } from '../../../src/engine/think/dialog/calendar.js';
import {
  changesAppointment, initialState, newTask, type DialogState, type ExistingAppointment, type Patient, type StepContext, type Task, type WantedSlot,
} from '../../../src/engine/think/dialog/state.js';
import { advance } from '../../../src/engine/think/dialog/steps/advance.js';
import { readDetails } from '../../../src/engine/think/dialog/steps/details.js';
import { functionResult } from '../../../src/engine/think/dialog/steps/function-result.js';
import { userTurn } from '../../../src/engine/think/dialog/steps/user-turn.js';
import { begin } from '../../../src/engine/think/dialog/step.js';
import { tokenize } from '../../../src/engine/think/dialog/words.js';

const TODAY: CivilDate = { year: 2025, month: 3, day: 3 };
const JOHN = { name: 'John Smith', dob: '1984-03-05' };

function context(declared: readonly ClinicFunctionName[] = CLINIC_FUNCTION_NAMES): StepContext {
  return { can: (name) => declared.includes(name), today: TODAY, maxMisunderstandings: 3 };
}
const without = (...names: ClinicFunctionName[]): StepContext => context(CLINIC_FUNCTION_NAMES.filter((n) => !names.includes(n)));

function booking(wanted: Partial<WantedSlot> = {}, patient: Patient = JOHN): Task {
  const task = newTask('book', patient);
  return { ...task, wanted: { ...task.wanted, ...wanted } };
}

function state(task: Task | undefined, changes: Partial<DialogState> = {}): DialogState {
  return { ...initialState, task, ...changes };
}

function existing(task: Task | undefined): ExistingAppointment {
  assert.ok(task && changesAppointment(task), 'a task that changes an appointment');
  return task.existing;
}

const read = (s: DialogState, text: string, ctx = context()) => readDetails(s, s.task!, tokenize(text), ctx);

/** Freezes a state all the way down, so a step that changed it in place would throw. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

test('picking an offered slot by position takes its day and time, already known to be open', () => {
  const offered = [{ date: '2025-03-06', time: '14:30' }, { date: '2025-03-06', time: '15:00' }];
  const r = read(state(booking({ date: '2025-03-06', openings: 'offered' }), { question: 'time', offered }), 'the second one');
  assert.equal(r.understood, true);
  assert.deepEqual(r.task.wanted, { date: '2025-03-06', time: '15:00', anyDay: false, openings: 'confirmed' });
});

test('a new time needs checking again, but a search already made still stands', () => {
  const confirmed = read(state(booking({ date: '2025-03-05', time: '09:00', openings: 'confirmed' })), 'make it two thirty p m');
  assert.deepEqual([confirmed.task.wanted.time, confirmed.task.wanted.openings], ['14:30', 'offered']);
  const unknown = read(state(booking({ openings: 'unknown' })), 'at ten a m');
  assert.deepEqual([unknown.task.wanted.time, unknown.task.wanted.openings], ['10:00', 'unknown']);
});

test('a new day drops the time, the first-available wish and what was known of the openings', () => {
  const r = read(state(booking({ date: '2025-03-05', time: '09:00', anyDay: true, openings: 'confirmed' })), 'friday');
  assert.deepEqual(r.task.wanted, { date: '2025-03-07', time: undefined, anyDay: false, openings: 'unknown' });
});

test('answers to the read-back: yes carries it out, a bare no asks what to change, a named detail is forgotten', () => {
  const confirming = state(booking({ date: '2025-03-05', time: '09:00', openings: 'confirmed' }), { question: 'confirm' });
  assert.equal(read(confirming, 'yes').answer, 'confirmed');
  assert.equal(read(confirming, 'no').answer, 'change');
  const time = read(confirming, 'the time is wrong');
  assert.equal(time.answer, undefined);
  assert.deepEqual([time.task.wanted.date, time.task.wanted.time, time.task.wanted.openings], ['2025-03-05', undefined, 'unknown']);
  assert.equal(read(confirming, 'the name').task.patient.name, undefined);
  assert.equal(read(confirming, 'purple').understood, false);
});

test('a day picks the appointment to change from those looked up, and only one of them', () => {
  const listed = [{ date: '2025-03-05', time: '09:00' }, { date: '2025-03-10', time: '14:00' }];
  const cancel = newTask('cancel', JOHN);
  assert.ok(changesAppointment(cancel));
  const task: Task = { ...cancel, existing: { status: 'listed', appointments: listed } };
  const asking = state(task, { question: 'which_appointment' });
  assert.deepEqual(existing(read(asking, 'the tenth of march').task), {
    status: 'chosen', date: '2025-03-10', time: '14:00', lookedUp: true,
  });
  assert.equal(read(asking, 'march twelfth').understood, false);
});

test('a change starts by looking the appointment up, or asks which one when it cannot', () => {
  const s = begin(state(newTask('reschedule', JOHN)));
  assert.deepEqual(advance(s, context()).call, {
    name: 'lookup_appointments', args: { patient_name: 'John Smith', date_of_birth: '1984-03-05' }, purpose: { for: 'lookup' },
  });
  const asked = advance(s, without('lookup_appointments'));
  assert.equal(asked.call, undefined);
  assert.equal(asked.state.question, 'which_appointment');
});

test('a booking searches, checks the wanted time, asks who the patient is, then reads back', () => {
  const firstAvailable = advance(begin(state(booking({ anyDay: true, partOfDay: 'morning' }))), context());
  assert.deepEqual(firstAvailable.call, { name: 'find_open_slots', args: { part_of_day: 'morning' }, purpose: { for: 'search' } });
  const unchecked = advance(begin(state(booking({ date: '2025-03-05', time: '10:00', openings: 'offered' }))), context());
  assert.deepEqual(unchecked.call, { name: 'find_open_slots', args: { date: '2025-03-05' }, purpose: { for: 'check' } });
  const nameless = advance(begin(state(booking({ date: '2025-03-05', time: '10:00', openings: 'confirmed' }, {}))), context());
  assert.equal(nameless.state.question, 'name');
  const complete = advance(begin(state(booking({ date: '2025-03-05', time: '10:00', openings: 'confirmed' }))), context());
  assert.equal(complete.state.question, 'confirm');
  assert.deepEqual(complete.say, ["So that's John Smith, born March fifth, nineteen eighty four, on Wednesday, March fifth at ten AM. Shall I book it?"]);
});

test('openings found are offered, at most three, and the caller is asked to pick one', () => {
  const slots = ['09:00', '10:00', '10:30', '14:30', '15:00'].map((time) => ({ date: '2025-03-05', time }));
  const s = functionResult(state(booking({ date: '2025-03-05' })), { for: 'search' }, { slots }, context());
  assert.deepEqual(s.state.offered.map((o) => o.time), ['09:00', '10:30', '15:00']);
  assert.equal(s.state.question, 'time');
  assert.equal(s.state.task?.wanted.openings, 'offered');
  const none = functionResult(state(booking({ date: '2025-03-05', partOfDay: 'morning' })), { for: 'search' }, { slots: [] }, context());
  assert.deepEqual(none.state.task?.wanted, { date: undefined, time: undefined, partOfDay: undefined, anyDay: false, openings: 'unknown' });
  assert.equal(none.state.question, 'date');
});

test('a checked time that is taken is replaced by the closest open ones; a failed check lets the booking decide', () => {
  const wanted = booking({ date: '2025-03-05', time: '13:00', openings: 'unknown' });
  const taken = functionResult(state(wanted), { for: 'check' }, { date: '2025-03-05', slots: ['09:00', '12:00', '14:00', '16:00'] }, context());
  assert.deepEqual(taken.state.offered.map((o) => o.time), ['12:00', '14:00', '16:00']);
  assert.deepEqual([taken.state.task?.wanted.time, taken.state.task?.wanted.openings], [undefined, 'offered']);
  const failed = functionResult(state(wanted), { for: 'check' }, { error: 'down' }, context());
  assert.equal(failed.state.task?.wanted.openings, 'confirmed');
  assert.equal(failed.state.question, 'confirm');
});

test('a lookup for a change: one appointment is taken, several are listed, none ends the task', () => {
  const s = state(newTask('reschedule', JOHN));
  const one = functionResult(s, { for: 'lookup' }, { appointments: [{ date: '2025-03-05', time: '09:00' }] }, context());
  assert.deepEqual(existing(one.state.task), { status: 'chosen', date: '2025-03-05', time: '09:00', lookedUp: true });
  assert.equal(one.state.question, 'date');
  const two = functionResult(s, { for: 'lookup' }, { appointments: [{ date: '2025-03-05', time: '09:00' }, { date: '2025-03-07', time: '11:00' }] }, context());
  assert.equal(existing(two.state.task).status, 'listed');
  assert.equal(two.state.question, 'which_appointment');
  const none = functionResult(s, { for: 'lookup' }, { appointments: [] }, context());
  assert.equal(none.state.task, undefined);
  assert.equal(none.state.question, 'offer_transfer');
});

test('a booking that went through ends the task and remembers the patient for the next one', () => {
  const s = state(booking({ date: '2025-03-05', time: '10:00', openings: 'confirmed' }), { question: 'confirm' });
  const done = functionResult(s, { for: 'book' }, { ok: true }, context());
  assert.equal(done.state.task, undefined);
  assert.deepEqual(done.state.known, JOHN);
  assert.equal(done.state.question, 'anything_else');
  const next = userTurn(done.state, 'i need to cancel my appointment', context());
  assert.deepEqual(next.call?.args, { patient_name: 'John Smith', date_of_birth: '1984-03-05' });
});

test('a yes to the read-back books exactly what was read back, without changing the state it was given', () => {
  const s = frozen(state(booking({ date: '2025-03-05', time: '10:00', openings: 'confirmed' }), { question: 'confirm' }));
  const step = userTurn(s, 'yes please', context());
  assert.deepEqual(step.call, {
    name: 'book_appointment',
    args: { patient_name: 'John Smith', date_of_birth: '1984-03-05', date: '2025-03-05', time: '10:00' },
    purpose: { for: 'book' },
  });
  assert.deepEqual(step.say, []);
});

test('misunderstandings count up to the limit, then the caller is handed to staff', () => {
  let s = state(booking({}, {}), { question: 'name' });
  for (const expected of [1, 2]) {
    const step = userTurn(s, 'uh', context());
    assert.equal(step.state.misunderstood, expected);
    assert.equal(step.call, undefined);
    s = step.state;
  }
  const third = userTurn(s, 'uh', context());
  assert.equal(third.state.misunderstood, 0);
  assert.equal(third.state.task, undefined);
  assert.equal(third.call?.name, 'transfer_to_staff');
});

test('what was said last is remembered and said again on request', () => {
  const first = userTurn(initialState, 'book an appointment', context());
  assert.equal(first.state.lastReply, 'What day would you like to come in?');
  assert.deepEqual(userTurn(first.state, 'can you repeat that', context()).say, ['What day would you like to come in?']);
});

test('a task whose function is not declared is not started; a transfer is offered instead', () => {
  const step = userTurn(initialState, 'i want to cancel my appointment', without('cancel_appointment'));
  assert.equal(step.state.task, undefined);
  assert.equal(step.state.question, 'offer_transfer');
  assert.match(step.say.join(' '), /can't cancel appointments on this line/);
});

test('a name missed twice is asked for letter by letter, and the spelling becomes the last name', () => {
  const asked = state(booking({ date: '2025-03-05', time: '09:00', openings: 'confirmed' }, { name: 'Maria', dob: '1990-01-02' }), { question: 'name' });
  assert.equal(userTurn(asked, 'uh', context()).state.question, 'name');
  const notHeard = userTurn({ ...asked, misunderstood: 1 }, 'uh', context());
  assert.equal(notHeard.state.question, 'spell_name');
  assert.match(notHeard.say.join(' '), /spell the patient's last name/);
  const spelled = userTurn(notHeard.state, 'g o n z a l e z', context());
  assert.equal(spelled.state.task?.patient.name, 'Maria Gonzalez');
  assert.equal(spelled.state.question, 'confirm');
  assert.equal(spelled.state.misunderstood, 0);
});

test('a correction at the read-back changes one detail and reads back again, keeping the rest', () => {
  const patient = { name: 'Maria Gonsalves', dob: '1990-01-02' };
  const confirming = state(booking({ date: '2025-03-05', time: '15:00', openings: 'confirmed' }, patient), { question: 'confirm' });
  const spelled = userTurn(confirming, "no, it's G-O-N-Z-A-L-E-Z", context());
  assert.deepEqual(spelled.state.task?.patient, { name: 'Maria Gonzalez', dob: '1990-01-02' });
  assert.deepEqual([spelled.state.task?.wanted.date, spelled.state.task?.wanted.time], ['2025-03-05', '15:00']);
  assert.equal(spelled.state.question, 'confirm');
  assert.match(spelled.say.join(' '), /Maria Gonzalez, born January second, nineteen ninety, on Wednesday, March fifth at three PM/);
  assert.equal(spelled.call, undefined);

  // A new day keeps who the patient is; the day's openings are checked again before the read-back.
  const thursday = userTurn(confirming, 'no, thursday', context());
  assert.deepEqual(thursday.state.task?.patient, patient);
  assert.equal(thursday.state.task?.wanted.date, '2025-03-06');
  assert.equal(thursday.state.task?.wanted.time, undefined);
  assert.equal(thursday.call?.name, 'find_open_slots');

  const tuesdayAtThree = userTurn(confirming, "no, it's tuesday at three", context());
  assert.deepEqual(tuesdayAtThree.state.task?.patient, patient);
  assert.deepEqual([tuesdayAtThree.state.task?.wanted.date, tuesdayAtThree.state.task?.wanted.time], ['2025-03-04', '15:00']);
  assert.deepEqual(tuesdayAtThree.call && [tuesdayAtThree.call.name, tuesdayAtThree.call.args], ['find_open_slots', { date: '2025-03-04' }]);
});
