import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ClinicDialog } from '../../../src/engine/think/dialog/clinic-dialog.js';
import { dtmfText } from '../../../src/engine/think/dtmf.js';
import { CLINIC_FUNCTIONS, Conversation, type FunctionResult } from './conversation.js';

// Monday, March 3rd 2025, 10:00 in New York.
const NOW = new Date('2025-03-03T15:00:00Z');
const clinic = (): ClinicDialog => new ClinicDialog({ now: () => NOW, timeZone: 'America/New_York' });

const openSlots = (times: string[]): FunctionResult => (args: Record<string, unknown>) => ({
  date: args.date ?? '2025-03-05',
  slots: times,
});
const DEFAULTS = { find_open_slots: openSlots(['09:00', '10:00', '10:30', '14:30', '15:00']) };

function conversation(functions = CLINIC_FUNCTIONS): Conversation {
  return new Conversation(clinic(), functions, DEFAULTS);
}

test('books an appointment collected over several turns with exactly the parsed values', async () => {
  const c = conversation();
  let turn = await c.say("i'd like to book an appointment for march fifth at two thirty p m");
  assert.deepEqual(turn.calls, [{ name: 'find_open_slots', args: { date: '2025-03-05' } }]);
  assert.match(turn.text, /Wednesday, March fifth at two thirty PM is open/);
  assert.match(turn.text, /full name/);

  turn = await c.say('my name is john smith');
  assert.deepEqual(turn.calls, []);
  assert.match(turn.text, /date of birth/);

  turn = await c.say('march fifth nineteen eighty four');
  assert.equal(turn.text, "So that's John Smith, born March fifth, nineteen eighty four, on Wednesday, March fifth at two thirty PM. Shall I book it?");

  turn = await c.say('yes please', { book_appointment: (a: Record<string, unknown>) => ({ ok: true, appointment: { id: 7, ...a } }) });
  assert.deepEqual(turn.calls, [
    { name: 'book_appointment', args: { patient_name: 'John Smith', date_of_birth: '1984-03-05', date: '2025-03-05', time: '14:30' } },
  ]);
  assert.match(turn.text, /You're all set\. John Smith is booked for Wednesday, March fifth at two thirty PM\./);
  assert.match(turn.text, /anything else/);
});

test('takes name, birth date, day and time from one long utterance', async () => {
  const c = conversation();
  let turn = await c.say("hi this is mary o'brien born june third nineteen ninety i'd like to come in tomorrow at ten a m");
  assert.deepEqual(turn.calls, [{ name: 'find_open_slots', args: { date: '2025-03-04' } }]);
  assert.match(turn.text, /So that's Mary O'Brien, born June third, nineteen ninety, on Tuesday, March fourth at ten AM\. Shall I book it\?/);
  turn = await c.say('yeah that sounds good');
  assert.deepEqual(turn.calls, [
    { name: 'book_appointment', args: { patient_name: "Mary O'Brien", date_of_birth: '1990-06-03', date: '2025-03-04', time: '10:00' } },
  ]);
});

test('offers openings when no time is given and takes the one chosen by position', async () => {
  const c = conversation();
  let turn = await c.say('can i book an appointment for thursday afternoon');
  assert.deepEqual(turn.calls, [{ name: 'find_open_slots', args: { date: '2025-03-06', part_of_day: 'afternoon' } }]);
  assert.match(turn.text, /On Thursday, March sixth I have two thirty PM or three PM\. Which would you like\?/);
  turn = await c.say('the second one');
  assert.deepEqual(turn.calls, []);
  assert.match(turn.text, /full name/);
  await c.say('david lee');
  turn = await c.say('the twelfth of december nineteen seventy');
  assert.match(turn.text, /David Lee, born December twelfth, nineteen seventy, on Thursday, March sixth at three PM/);
  turn = await c.say('correct');
  assert.deepEqual(turn.calls[0]?.args, { patient_name: 'David Lee', date_of_birth: '1970-12-12', date: '2025-03-06', time: '15:00' });
});

test('offers the closest open times when the requested one is taken', async () => {
  const c = conversation();
  const turn = await c.say('i want an appointment next tuesday at one p m');
  assert.deepEqual(turn.calls, [{ name: 'find_open_slots', args: { date: '2025-03-11' } }]);
  assert.match(turn.text, /one PM isn't available on Tuesday, March eleventh\. The closest times are ten thirty AM, two thirty PM or three PM/);
  const next = await c.say('two thirty p m');
  assert.match(next.text, /full name/);
});

test('a booking the function refuses is apologised for and its alternatives offered', async () => {
  const c = conversation();
  await c.say('book me for march fifth at two thirty p m');
  await c.say('my name is james brown');
  await c.say('my date of birth is april second nineteen sixty');
  let turn = await c.say('yes', {
    book_appointment: { error: 'slot taken', alternatives: [{ date: '2025-03-05', time: '15:00' }, { date: '2025-03-06', time: '09:00' }] },
  });
  assert.match(turn.text, /I'm sorry, that time is no longer available\. I can offer Wednesday, March fifth at three PM or Thursday, March sixth at nine AM\./);
  turn = await c.say('the later one');
  assert.match(turn.text, /So that's James Brown, born April second, nineteen sixty, on Thursday, March sixth at nine AM/);
  turn = await c.say('yes');
  assert.deepEqual(turn.calls[0], {
    name: 'book_appointment',
    args: { patient_name: 'James Brown', date_of_birth: '1960-04-02', date: '2025-03-06', time: '09:00' },
  });
});

test('a booking refused without alternatives searches the day again', async () => {
  const c = conversation();
  await c.say('book me for march fifth at two thirty p m');
  await c.say('this is linda garcia');
  await c.say('born may first nineteen eighty');
  const turn = await c.say('yes', {
    book_appointment: { error: 'slot is already booked' },
    find_open_slots: { date: '2025-03-05', slots: ['16:00'] },
  });
  assert.deepEqual(turn.calls.map((call) => call.name), ['book_appointment', 'find_open_slots']);
  assert.deepEqual(turn.calls[1]?.args, { date: '2025-03-05' });
  assert.equal(turn.text, "I'm sorry, that time is no longer available. On Wednesday, March fifth I have four PM. Which would you like?");
});

test('a booking refused as in the past asks for another day', async () => {
  const c = conversation();
  await c.say('book me for today at nine a m');
  await c.say('this is linda garcia');
  await c.say('born may first nineteen eighty');
  const turn = await c.say('yes', { book_appointment: { error: 'that time is in the past' } });
  assert.deepEqual(turn.calls.map((call) => call.name), ['book_appointment']);
  assert.equal(turn.text, "I'm sorry, that time has already passed. What day would you like to come in?");
});

test('reschedules after looking the appointment up by name and date of birth', async () => {
  const c = conversation();
  let turn = await c.say('i need to reschedule my appointment');
  assert.match(turn.text, /full name/);
  turn = await c.say("it's robert johnson");
  assert.match(turn.text, /date of birth/);
  turn = await c.say('january first two thousand five', { lookup_appointments: { appointments: [{ date: '2025-03-05', time: '09:00' }] } });
  assert.deepEqual(turn.calls, [{ name: 'lookup_appointments', args: { patient_name: 'Robert Johnson', date_of_birth: '2005-01-01' } }]);
  assert.match(turn.text, /I see your appointment on Wednesday, March fifth at nine AM\. What day would you like to move it to\?/);
  turn = await c.say('next tuesday at ten a m');
  assert.match(
    turn.text,
    /So I'll move Robert Johnson's appointment from Wednesday, March fifth at nine AM to Tuesday, March eleventh at ten AM\. Is that right\?/,
  );
  turn = await c.say('yes');
  assert.deepEqual(turn.calls, [
    {
      name: 'reschedule_appointment',
      args: { patient_name: 'Robert Johnson', date_of_birth: '2005-01-01', current_date: '2025-03-05', new_date: '2025-03-11', new_time: '10:00' },
    },
  ]);
  assert.match(turn.text, /Your appointment is now on Tuesday, March eleventh at ten AM/);
});

test('cancels the appointment the caller picks when there are several', async () => {
  const c = conversation();
  const appointments = { appointments: [{ date: '2025-03-05', time: '09:00' }, { date: '2025-03-10', time: '14:00' }] };
  let turn = await c.say('i want to cancel my appointment my name is susan clark date of birth march third nineteen seventy five', {
    lookup_appointments: appointments,
  });
  assert.deepEqual(turn.calls, [{ name: 'lookup_appointments', args: { patient_name: 'Susan Clark', date_of_birth: '1975-03-03' } }]);
  assert.match(turn.text, /I see appointments on Wednesday, March fifth at nine AM or Monday, March tenth at two PM\. Which one\?/);
  turn = await c.say('the tenth of march');
  assert.equal(turn.text, "I see Susan Clark's appointment on Monday, March tenth at two PM. Shall I cancel it?");
  turn = await c.say('yes');
  assert.deepEqual(turn.calls, [{ name: 'cancel_appointment', args: { patient_name: 'Susan Clark', date_of_birth: '1975-03-03', date: '2025-03-10' } }]);
  assert.match(turn.text, /is cancelled/);
});

test('a no to the cancellation leaves the appointment alone', async () => {
  const c = conversation();
  await c.say('cancel my appointment please');
  await c.say('john smith');
  const lookup = { lookup_appointments: [{ date: '2025-03-05', time: '09:00' }] };
  await c.say('march fifth nineteen eighty four', lookup);
  const turn = await c.say('no');
  assert.deepEqual(turn.calls, []);
  assert.match(turn.text, /leave that appointment as it is/);
});

test('looks up upcoming appointments and reads them out', async () => {
  const c = conversation();
  await c.say('when is my appointment');
  await c.say('my name is karen white');
  const turn = await c.say('born the fifth of july nineteen fifty two', {
    lookup_appointments: { appointments: [{ date: '2025-02-01', time: '09:00' }, { date: '2025-03-07', time: '11:15' }] },
  });
  assert.deepEqual(turn.calls, [{ name: 'lookup_appointments', args: { patient_name: 'Karen White', date_of_birth: '1952-07-05' } }]);
  assert.match(turn.text, /Karen White has an appointment on Friday, March seventh at eleven fifteen AM\./);
});

test('answers office questions from get_office_info', async () => {
  const c = conversation();
  let turn = await c.say('where are you located', { get_office_info: { address: '12 Maple Street, Springfield' } });
  assert.deepEqual(turn.calls, [{ name: 'get_office_info', args: { topic: 'address' } }]);
  assert.match(turn.text, /^We're at 12 Maple Street, Springfield\. Is there anything else I can help you with\?$/);
  turn = await c.say('do you take medicare', { get_office_info: { insurance: ['Medicare', 'Aetna', 'Blue Cross'] } });
  assert.deepEqual(turn.calls, [{ name: 'get_office_info', args: { topic: 'insurance' } }]);
  assert.match(turn.text, /We accept Medicare, Aetna and Blue Cross\./);
  turn = await c.say('what are your hours', { get_office_info: { hours: 'Monday to Friday, 08:00-17:00' } });
  assert.match(turn.text, /Our hours are Monday to Friday, eight AM to five PM\./);
});

test('an office question in the middle of a booking is answered and the booking resumes', async () => {
  const c = conversation();
  await c.say('i want to book an appointment');
  const turn = await c.say('what is your address', { get_office_info: { address: '12 Maple Street' } });
  assert.match(turn.text, /We're at 12 Maple Street\. What day would you like to come in\?/);
  const next = await c.say('tomorrow at nine a m');
  assert.deepEqual(next.calls, [{ name: 'find_open_slots', args: { date: '2025-03-04' } }]);
});

for (const utterance of [
  'i have really bad chest pain',
  "my husband can't breathe",
  'there is a lot of bleeding',
  'i think my mother is having a stroke',
  'i want to kill myself',
  'my son took an overdose',
  'she is unconscious',
]) {
  test(`an emergency ("${utterance}") gets 911 and no function call`, async () => {
    const turn = await conversation().say(utterance);
    assert.deepEqual(turn.calls, []);
    assert.match(turn.text, /hang up and call nine one one right now/);
  });
}

test('symptom questions get no advice but an offer to book, which a yes starts', async () => {
  const c = conversation();
  let turn = await c.say('i have a fever and a cough what should i take');
  assert.deepEqual(turn.calls, []);
  assert.match(turn.text, /I can't give medical advice, but I can book you an appointment with the doctor/);
  turn = await c.say('yes please');
  assert.match(turn.text, /What day would you like to come in\?/);
});

test('asking for a person, or pressing 0, transfers to staff', async () => {
  for (const utterance of ['can i talk to a real person', 'receptionist please', 'operator', dtmfText('0')]) {
    const turn = await conversation().say(utterance);
    assert.equal(turn.calls[0]?.name, 'transfer_to_staff', utterance);
    assert.match(turn.text, /transfer you/, utterance);
  }
});

test('goodbyes end the call after a goodbye line', async () => {
  let turn = await conversation().say('thanks bye');
  assert.deepEqual(turn.calls, [{ name: 'end_call', args: { reason: 'caller said goodbye' } }]);
  assert.match(turn.text, /Goodbye/);

  const c = conversation();
  await c.say('what are your hours', { get_office_info: { hours: 'nine to five' } });
  turn = await c.say('no thank you');
  assert.equal(turn.calls[0]?.name, 'end_call');
});

test('re-asks the missing item after a misunderstanding, then hands over to staff', async () => {
  const c = conversation();
  await c.say('book an appointment for march fifth at ten a m');
  let turn = await c.say('uh');
  assert.equal(turn.text, "Sorry, I didn't catch that. Could you tell me the patient's first and last name?");
  turn = await c.say('hmm');
  assert.match(turn.text, /^Sorry, I didn't catch that\./);
  assert.deepEqual(turn.calls, []);
  turn = await c.say('er');
  assert.equal(turn.calls[0]?.name, 'transfer_to_staff');
  assert.match(turn.text, /having trouble understanding/);
});

test('a no to the read-back with a new time corrects it and reads back again', async () => {
  const c = conversation();
  await c.say('book march fifth at ten a m for john smith born march fifth nineteen eighty four');
  let turn = await c.say('no make it two thirty p m');
  assert.deepEqual(turn.calls, [{ name: 'find_open_slots', args: { date: '2025-03-05' } }]);
  assert.match(turn.text, /on Wednesday, March fifth at two thirty PM\. Shall I book it\?/);
  turn = await c.say('no');
  assert.match(turn.text, /What would you like to change/);
  turn = await c.say('the name');
  assert.match(turn.text, /full name/);
  turn = await c.say('jon smyth');
  assert.match(turn.text, /So that's Jon Smyth/);
});

test('a birth date without its year asks for the year', async () => {
  const c = conversation();
  await c.say('book march fifth at ten a m');
  await c.say('anna lopez');
  let turn = await c.say('july fourth');
  assert.equal(turn.text, 'And what year was that?');
  turn = await c.say('nineteen eighty four');
  assert.match(turn.text, /born July fourth, nineteen eighty four/);
});

test('only declared functions are called; without them the dialog offers a transfer', async () => {
  const onlyTransfer = CLINIC_FUNCTIONS.filter((f) => f.name === 'transfer_to_staff');
  const c = new Conversation(clinic(), onlyTransfer);
  let turn = await c.say('what are your hours');
  assert.deepEqual(turn.calls, []);
  assert.match(turn.text, /Would you like me to transfer you/);
  turn = await c.say('yes');
  assert.equal(turn.calls[0]?.name, 'transfer_to_staff');

  const none = new Conversation(clinic(), []);
  for (const utterance of ['book an appointment for tomorrow at ten a m', 'what are your hours', 'operator', 'bye']) {
    turn = await none.say(utterance);
    assert.deepEqual(turn.calls, [], utterance);
    assert.ok(turn.text.length > 0, utterance);
  }
});

test('cancels by the day the caller names when appointments cannot be looked up', async () => {
  const c = new Conversation(clinic(), CLINIC_FUNCTIONS.filter((f) => f.name !== 'lookup_appointments'));
  await c.say('i want to cancel my appointment on friday');
  await c.say('this is ann lee');
  let turn = await c.say('april first nineteen eighty');
  assert.equal(turn.text, "So I'll cancel Ann Lee's appointment on Friday, March seventh. Is that right?");
  turn = await c.say('yes');
  assert.deepEqual(turn.calls, [{ name: 'cancel_appointment', args: { patient_name: 'Ann Lee', date_of_birth: '1980-04-01', date: '2025-03-07' } }]);
});

test('booking still works without find_open_slots', async () => {
  const c = new Conversation(clinic(), CLINIC_FUNCTIONS.filter((f) => f.name !== 'find_open_slots'));
  const turn = await c.say('book tomorrow at ten a m');
  assert.deepEqual(turn.calls, []);
  assert.match(turn.text, /full name/);
});

test('an aborted reply yields nothing, and an unanswered call is forgotten when the caller speaks', async () => {
  const dialog = clinic();
  const controller = new AbortController();
  controller.abort();
  const messages = [{ role: 'system' as const, content: '' }, { role: 'user' as const, content: 'book march fifth at ten a m' }];
  const events = [];
  for await (const e of dialog.respond({ messages, functions: CLINIC_FUNCTIONS, signal: controller.signal })) events.push(e);
  assert.deepEqual(events, []);
  // The find_open_slots call was never delivered; the caller goes on.
  const c = new Conversation(dialog, CLINIC_FUNCTIONS, DEFAULTS);
  c.messages.push(...messages.slice(1));
  const turn = await c.say('my name is john smith');
  assert.match(turn.text, /date of birth/);
});

test('"tomorrow" is the clinic\'s tomorrow, in its time zone', async () => {
  // 22:00 on Monday in New York is already Tuesday in UTC.
  const late = new Date('2025-03-04T03:00:00Z');
  for (const [timeZone, expected] of [['America/New_York', '2025-03-04'], ['UTC', '2025-03-05']] as const) {
    const c = new Conversation(new ClinicDialog({ now: () => late, timeZone }), CLINIC_FUNCTIONS, DEFAULTS);
    const turn = await c.say('book tomorrow at ten a m');
    assert.deepEqual(turn.calls[0]?.args, { date: expected }, timeZone);
  }
  assert.throws(() => new ClinicDialog({ timeZone: 'Mars/Olympus' }), /unknown time zone "Mars\/Olympus"/);
});

test('expected phrases cover requests, dates, times, names and goodbyes', () => {
  const phrases = clinic().expectedPhrases();
  assert.ok(phrases.length >= 300, `only ${phrases.length} phrases`);
  for (const p of ['two thirty p m', 'march', 'nineteen eighty four', 'my name is', 'cancel', 'goodbye', 'insurance', "can't breathe"]) {
    assert.ok(phrases.some((s) => s.includes(p)), p);
  }
  assert.ok(phrases.every((p) => p === p.toLowerCase() && !/[0-9.,?!]/.test(p)), 'phrases are lowercase words only');
});

const CMUDICT = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';

test('every word of the expected phrases is in the recogniser\'s dictionary', { skip: !existsSync(CMUDICT) && 'pocketsphinx-en-us is not installed' }, () => {
  const dictionary = new Set(
    readFileSync(CMUDICT, 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[0]!.replace(/\(\d+\)$/, '')),
  );
  const missing = [...new Set(clinic().expectedPhrases().flatMap((p) => p.split(' ')))].filter((w) => !dictionary.has(w));
  assert.deepEqual(missing, []);
});
