// The clinic's functions through the FunctionRegistry, as the agent calls them (JSON in, JSON out),
// against a real SQLite store in a temporary folder and a clock pinned to Monday 2030-06-03, 10:10
// at the office (America/New_York).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import type { CallControl } from '../../src/domain/call-control.js';
import { clinicTools, loadClinicConfig, parseClinicConfig } from '../../src/tools/clinic/index.js';
import { ConfigError } from '../../src/config/env.js';

const NOW = new Date('2030-06-03T14:10:00Z'); // 10:10 EDT, a Monday
const clinic = loadClinicConfig('config/clinic.json');
const JANE = { patient_name: 'Jane Doe', date_of_birth: '1980-04-12' };

let dir: string;
let store: Store;
let functions: FunctionRegistry;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phone-agent-clinic-'));
  store = await openStore(join(dir, 'clinic.db'));
  functions = new FunctionRegistry(clinicTools({ clinic, store, now: () => NOW }));
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const control: CallControl = {
  hangUpAfterPlayback: () => undefined,
  transfer: async () => undefined,
};

async function call(name: string, args: unknown): Promise<{ ok: boolean; result: Record<string, unknown> }> {
  const r = await functions.dispatch(name, JSON.stringify(args), {
    callSid: 'CAtest',
    streamSid: 'MZtest',
    from: '+15550100',
    signal: new AbortController().signal,
    control,
  });
  return { ok: r.ok, result: JSON.parse(r.content) as Record<string, unknown> };
}

async function refused(name: string, args: unknown, pattern: RegExp): Promise<Record<string, unknown>> {
  const { ok, result } = await call(name, args);
  assert.equal(ok, false, `${name} should refuse ${JSON.stringify(args)}: ${JSON.stringify(result)}`);
  assert.match(String(result.error), pattern);
  return result;
}

test('every function declared in config/agent.json is registered', async () => {
  const { readFileSync } = await import('node:fs');
  const declared = (JSON.parse(readFileSync('config/agent.json', 'utf8')).agent.think.functions as Array<{ name: string }>).map((f) => f.name);
  assert.deepEqual([...functions.names()].sort(), [...declared].sort());
});

test('find_open_slots without a date: today from the next slot on, skipping lunch, then the following open days', async () => {
  const { ok, result } = await call('find_open_slots', {});
  assert.ok(ok);
  assert.equal(result.today, '2030-06-03');
  assert.equal(result.today_weekday, 'monday');
  const openings = result.openings as Array<{ date: string; weekday: string; times: string[] }>;
  assert.deepEqual(openings.map((d) => d.date), ['2030-06-03', '2030-06-04', '2030-06-05']);
  assert.deepEqual(openings[0]!.times, ['10:30', '11:00', '11:30', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00', '16:30']);
  assert.equal(openings[1]!.times.length, 16, '08:00 to 16:30 every 30 minutes, minus the two lunch slots');
  assert.equal(openings[1]!.times[0], '08:00');
});

test('find_open_slots: part of day, a closed day (with the next openings), the past and beyond the booking window', async () => {
  const afternoon = await call('find_open_slots', { date: '2030-06-04', part_of_day: 'afternoon' });
  assert.deepEqual(
    (afternoon.result.openings as Array<{ times: string[] }>)[0]!.times,
    ['13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00', '16:30'],
  );

  const saturday = await call('find_open_slots', { date: '2030-06-08', part_of_day: '' });
  assert.ok(saturday.ok);
  assert.deepEqual(saturday.result.openings, [{ date: '2030-06-08', weekday: 'saturday', times: [] }]);
  assert.equal(saturday.result.note, 'the office is closed on Saturdays');
  assert.equal((saturday.result.next_openings as Array<{ date: string }>)[0]!.date, '2030-06-10', 'the next Monday');

  await refused('find_open_slots', { date: '2030-06-02' }, /2030-06-02 is in the past \(today is 2030-06-03\)/);
  await refused('find_open_slots', { date: '2030-12-01' }, /at most 90 days ahead \(until 2030-09-01\)/);
  await refused('find_open_slots', { date: '2030-02-30' }, /invalid arguments: date: must be a real date written YYYY-MM-DD/);
  await refused('find_open_slots', { date: 'next tuesday' }, /invalid arguments: date: must be a real date/);
  await refused('find_open_slots', { part_of_day: 'evening' }, /invalid arguments: part_of_day/);
});

test('book_appointment stores exactly what was asked, then find_open_slots no longer offers the slot', async () => {
  const { ok, result } = await call('book_appointment', { ...JANE, date: '2030-06-04', time: '09:30', reason: 'annual physical' });
  assert.ok(ok, JSON.stringify(result));
  const booked = result.booked as Record<string, unknown>;
  assert.deepEqual({ ...booked, id: 0 }, { id: 0, patient_name: 'Jane Doe', date: '2030-06-04', time: '09:30', weekday: 'tuesday', reason: 'annual physical' });
  const stored = await store.listAppointments({ date: '2030-06-04' });
  assert.equal(stored.length, 1);
  const row = stored[0]!;
  assert.deepEqual(
    { id: row.id, name: row.patientName, dob: row.dateOfBirth, date: row.date, time: row.time, reason: row.reason, status: row.status, callSid: row.callSid },
    { id: booked.id, name: 'Jane Doe', dob: '1980-04-12', date: '2030-06-04', time: '09:30', reason: 'annual physical', status: 'booked', callSid: 'CAtest' },
  );
  const slots = await call('find_open_slots', { date: '2030-06-04', part_of_day: 'morning' });
  assert.deepEqual((slots.result.openings as Array<{ times: string[] }>)[0]!.times, ['08:00', '08:30', '09:00', '10:00', '10:30', '11:00', '11:30']);
});

test('book_appointment refuses a taken slot and offers the nearest open ones', async () => {
  await call('book_appointment', { patient_name: 'Sam Lee', date_of_birth: '1975-01-01', date: '2030-06-05', time: '14:00' });
  const r = await refused('book_appointment', { ...JANE, date: '2030-06-05', time: '14:00' }, /2030-06-05 at 14:00 is already taken/);
  assert.deepEqual(r.nearest_open_slots, [
    { date: '2030-06-05', time: '13:00' },
    { date: '2030-06-05', time: '13:30' },
    { date: '2030-06-05', time: '14:30' },
  ]);
});

test('book_appointment refuses the past, closed days, lunch, off-grid and after-hours times, and bad arguments', async () => {
  const past = await refused('book_appointment', { ...JANE, date: '2030-06-03', time: '09:00' }, /in the past \(it is now 2030-06-03 10:10 at the office\)/);
  assert.deepEqual(past.nearest_open_slots, [
    { date: '2030-06-03', time: '10:30' },
    { date: '2030-06-03', time: '11:00' },
    { date: '2030-06-03', time: '11:30' },
  ]);
  await refused('book_appointment', { ...JANE, date: '2030-06-03', time: '10:00' }, /in the past/);
  const sunday = await refused('book_appointment', { ...JANE, date: '2030-06-09', time: '10:00' }, /the office is closed on Sundays/);
  assert.deepEqual((sunday.nearest_open_slots as Array<{ date: string }>).map((s) => s.date), ['2030-06-10', '2030-06-10', '2030-06-10']);
  await refused(
    'book_appointment',
    { ...JANE, date: '2030-06-06', time: '12:00' },
    /12:00 is not an appointment time on Thursday: appointments start every 30 minutes from 08:00 to 16:30, none during the 12:00-13:00 lunch break/,
  );
  await refused('book_appointment', { ...JANE, date: '2030-06-06', time: '12:30' }, /not an appointment time/);
  await refused('book_appointment', { ...JANE, date: '2030-06-06', time: '09:15' }, /not an appointment time/);
  await refused('book_appointment', { ...JANE, date: '2030-06-06', time: '07:30' }, /not an appointment time/);
  await refused('book_appointment', { ...JANE, date: '2030-06-06', time: '17:00' }, /not an appointment time/);
  await refused('book_appointment', { ...JANE, date: '2030-10-01', time: '09:00' }, /at most 90 days ahead/);
  await refused('book_appointment', { ...JANE, date: '2030-06-06', time: '9am' }, /invalid arguments: time: must be a 24-hour time written HH:MM/);
  await refused('book_appointment', { ...JANE, date: '2030-06-31', time: '09:00' }, /invalid arguments: date: must be a real date/);
  await refused('book_appointment', { patient_name: 'Jane Doe', date: '2030-06-06', time: '09:00' }, /date_of_birth: required: the patient's date of birth/);
  await refused(
    'book_appointment',
    { ...JANE, date_of_birth: '2999-01-01', date: '2030-06-06', time: '09:00' },
    /date_of_birth: must be a date of birth in the past/,
  );
  await refused('book_appointment', { ...JANE, patient_name: ' ', date: '2030-06-06', time: '09:00' }, /patient_name: must be the patient's full name/);
  assert.equal((await store.listAppointments({ date: '2030-06-06' })).length, 0, 'nothing was booked by a refusal');
});

test('lookup_appointments finds upcoming appointments by name (any case and spacing) and date of birth; a stranger has none', async () => {
  const { ok, result } = await call('lookup_appointments', { patient_name: '  jane   DOE ', date_of_birth: '1980-04-12' });
  assert.ok(ok);
  const appointments = result.appointments as Array<Record<string, unknown>>;
  assert.deepEqual(appointments.map((a) => [a.date, a.time]), [['2030-06-04', '09:30']]);
  const wrongBirthday = await call('lookup_appointments', { patient_name: 'Jane Doe', date_of_birth: '1980-04-13' });
  assert.deepEqual(wrongBirthday, { ok: true, result: { patient_name: 'Jane Doe', date_of_birth: '1980-04-13', appointments: [] } });
  await refused('lookup_appointments', { patient_name: 'Jane Doe' }, /date_of_birth: required/);
});

test('reschedule_appointment moves the one upcoming appointment; refuses a taken slot, no match and an ambiguous request', async () => {
  const moved = await call('reschedule_appointment', { ...JANE, current_date: '2030-06-04', new_date: '2030-06-07', new_time: '15:30' });
  assert.ok(moved.ok, JSON.stringify(moved.result));
  assert.deepEqual(
    { ...(moved.result.rescheduled as object), id: 0 },
    { id: 0, patient_name: 'Jane Doe', date: '2030-06-07', time: '15:30', weekday: 'friday', reason: 'annual physical' },
  );
  assert.deepEqual((await store.listAppointments({ date: '2030-06-04' })).length, 0);

  const taken = await refused('reschedule_appointment', { ...JANE, new_date: '2030-06-05', new_time: '14:00' }, /2030-06-05 at 14:00 is already taken/);
  assert.equal((taken.nearest_open_slots as unknown[]).length, 3);
  await refused('reschedule_appointment', { ...JANE, new_date: '2030-06-08', new_time: '10:00' }, /closed on Saturdays/);
  await refused(
    'reschedule_appointment',
    { ...JANE, current_date: '2030-06-10', new_date: '2030-06-11', new_time: '10:00' },
    /no upcoming appointment found for Jane Doe born 1980-04-12 on 2030-06-10/,
  );
  await refused(
    'reschedule_appointment',
    { patient_name: 'Nobody Here', date_of_birth: '1990-01-01', new_date: '2030-06-11', new_time: '10:00' },
    /no upcoming appointment found/,
  );

  await call('book_appointment', { ...JANE, date: '2030-06-12', time: '08:00' });
  const ambiguous = await refused(
    'reschedule_appointment',
    { ...JANE, new_date: '2030-06-13', new_time: '10:00' },
    /Jane Doe has 2 upcoming appointments: ask which one to move/,
  );
  assert.deepEqual((ambiguous.appointments as Array<{ date: string }>).map((a) => a.date), ['2030-06-07', '2030-06-12']);
});

test('cancel_appointment cancels the one meant, frees its slot, and cannot cancel it twice', async () => {
  const r = await call('cancel_appointment', { ...JANE, date: '2030-06-12' });
  assert.ok(r.ok, JSON.stringify(r.result));
  assert.deepEqual((r.result.cancelled as Record<string, unknown>).date, '2030-06-12');
  const [cancelled] = await store.listAppointments({ date: '2030-06-12' });
  assert.equal(cancelled!.status, 'cancelled');
  const open = await call('find_open_slots', { date: '2030-06-12', part_of_day: 'morning' });
  assert.equal((open.result.openings as Array<{ times: string[] }>)[0]!.times[0], '08:00', 'the slot is open again');
  await refused('cancel_appointment', { ...JANE, date: '2030-06-12' }, /no upcoming appointment found for Jane Doe born 1980-04-12 on 2030-06-12/);
  await refused('cancel_appointment', { patient_name: 'Jane Doe', date_of_birth: 'April 12' }, /date_of_birth: must be a real date/);
});

test('get_office_info answers from the clinic config, by topic', async () => {
  const hours = await call('get_office_info', { topic: 'hours' });
  assert.deepEqual(hours.result, {
    name: 'Maple Street Family Medicine',
    hours: {
      monday: '08:00-17:00',
      tuesday: '08:00-17:00',
      wednesday: '08:00-17:00',
      thursday: '08:00-17:00',
      friday: '08:00-17:00',
      saturday: 'closed',
      sunday: 'closed',
    },
    lunch_break: '12:00-13:00',
    timezone: 'America/New_York',
  });
  const insurance = await call('get_office_info', { topic: 'insurance' });
  assert.deepEqual(insurance.result.insurance, clinic.insurance);
  const all = await call('get_office_info', {});
  assert.equal(all.result.address, clinic.address);
  assert.ok(all.result.hours && all.result.insurance);
});

test('a clinic config with mistakes names each field and says why', () => {
  const bad = {
    ...clinic,
    timezone: 'Mars/Olympus',
    hours: { ...clinic.hours, monday: { open: '17:00', close: '08:00' } },
    closedDates: ['2030-02-30'],
    transferNumber: '555-1234',
  };
  assert.throws(
    () => parseClinicConfig(bad, 'config/clinic.json'),
    (err: Error) =>
      err instanceof ConfigError &&
      /timezone: must be an IANA time zone/.test(err.message) &&
      /hours\.monday: open must be before close/.test(err.message) &&
      /closedDates\.0: must be a real date/.test(err.message) &&
      /transferNumber: must be an E\.164 phone number/.test(err.message),
  );
  assert.throws(() => parseClinicConfig({ ...clinic, extra: 1 }), /Unrecognized key/);
});
