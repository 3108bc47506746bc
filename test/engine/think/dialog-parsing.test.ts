import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toIsoDate, type CivilDate } from '../../../src/engine/think/dialog/calendar.js';
import { findDates } from '../../../src/engine/think/dialog/dates.js';
import { findName } from '../../../src/engine/think/dialog/names.js';
import { findSpelling } from '../../../src/engine/think/dialog/spelling.js';
import { failureOf, findSlots, normalizeTime, officeInfoText } from '../../../src/engine/think/dialog/results.js';
import { spokenDate, spokenTime } from '../../../src/engine/think/dialog/spoken.js';
import { findTimes, toHhmm } from '../../../src/engine/think/dialog/times.js';
import { readYear, tokenize, yearWords } from '../../../src/engine/think/dialog/words.js';
import { dtmfText, parseDtmf } from '../../../src/engine/think/dtmf.js';

// Monday, March 3rd 2025
const TODAY: CivilDate = { year: 2025, month: 3, day: 3 };
const dates = (text: string): string[] => findDates(tokenize(text), TODAY).map((d) => toIsoDate(d.date));

test('tokenize folds recognition and typing variants together', () => {
  assert.deepEqual(tokenize('Two-thirty P.M.'), ['two', 'thirty', 'pm']);
  assert.deepEqual(tokenize('ten a m'), ['ten', 'am']);
  assert.deepEqual(tokenize('i am a m r'), ['i', 'am', 'a', 'm', 'r']);
  assert.deepEqual(tokenize("three o'clock"), ['three', 'oclock']);
  assert.deepEqual(tokenize("I can't breathe, it's bad"), ['i', 'can', 'not', 'breathe', "it's", 'bad']);
  assert.deepEqual(tokenize('the(2) 3/5/1984 at 2:30'), ['the', '3/5/1984', 'at', '2:30']);
});

const DATE_CASES: Array<[string, string[]]> = [
  ['march fifth', ['2025-03-05']],
  ['on march the fifth', ['2025-03-05']],
  ['march 5th', ['2025-03-05']],
  ['the twelfth of december', ['2025-12-12']],
  ['fifth of march', ['2025-03-05']],
  ['february second', ['2026-02-02']], // already past this year
  ['march third', ['2025-03-03']], // today still counts
  ['tomorrow', ['2025-03-04']],
  ['the day after tomorrow', ['2025-03-05']],
  ['today', ['2025-03-03']],
  ['tuesday', ['2025-03-04']],
  ['this friday', ['2025-03-07']],
  ['next tuesday', ['2025-03-11']],
  ['next monday', ['2025-03-10']],
  ['monday', ['2025-03-10']],
  ['on the twentieth', ['2025-03-20']],
  ['the first', ['2025-04-01']],
  ['march fifth nineteen eighty four', ['1984-03-05']],
  ['june third nineteen ninety', ['1990-06-03']],
  ['january first two thousand five', ['2005-01-01']],
  ['january first two thousand and twelve', ['2012-01-01']],
  ['may ninth twenty oh three', ['2003-05-09']],
  ['july fourth twenty twenty', ['2020-07-04']],
  ['the fifth of july nineteen fifty two', ['1952-07-05']],
  ['march fifth eighty four', ['1984-03-05']],
  ['3/5/1984', ['1984-03-05']],
  ['1984-03-05', ['1984-03-05']],
  ['born april second nineteen sixty and i want to come in tomorrow', ['1960-04-02', '2025-03-04']],
  ['february thirtieth', []],
  ['may i come in', []],
  ['the fifth one', ['2025-03-05']],
  ['fifth', []],
  ['i was born in nineteen eighty', []],
  ['march fifth nineteen eighty for', ['1984-03-05']],
  ['march twenty for the checkup', ['2025-03-20']],
];

test('dates: spelled out, relative, with and without years', () => {
  for (const [text, expected] of DATE_CASES) assert.deepEqual(dates(text), expected, text);
});

test('dates introduced by "born" or "birth" are marked as birth dates', () => {
  const [dob, visit] = findDates(tokenize('my date of birth is june third nineteen ninety and i need tuesday'), TODAY);
  assert.equal(dob?.birth, true);
  assert.equal(visit?.birth, false);
  assert.equal(findDates(tokenize('march fifth'), TODAY)[0]?.hasYear, false);
});

const TIME_CASES: Array<[string, string[], boolean?]> = [
  ['two thirty p m', ['14:30']],
  ['at two thirty', ['14:30']],
  ['ten a m', ['10:00']],
  ['ten am', ['10:00']],
  ['10 a.m.', ['10:00']],
  ["three o'clock", ['15:00']],
  ['noon', ['12:00']],
  ['twelve noon', ['12:00']],
  ['at nine', ['09:00']],
  ['at eleven forty five', ['11:45']],
  ['nine oh five in the morning', ['09:05']],
  ['half past two', ['14:30']],
  ['quarter past ten', ['10:15']],
  ['quarter to four', ['15:45']],
  ['ten to nine in the morning', ['08:50']],
  ['seven in the evening', ['19:00']],
  ['2:30 pm', ['14:30']],
  ['14:30', ['14:30']],
  ['twelve thirty a m', ['00:30']],
  ['two', [], false],
  ['two', ['14:00'], true],
  ['the first one', [], true],
  ['that one', [], true],
  ['one of those', [], false],
  ['i have two kids', [], false],
  // the recogniser's homophones
  ['at too thirty p m', ['14:30']],
  ['for p m', ['16:00']],
  ['at ten forty for', ['10:44']],
  ['book for tuesday', [], true],
  ['i need it for two weeks', [], false],
];

test('times: meridiem, o\'clock, noon, past/to, and bare hours only when a time was asked for', () => {
  for (const [text, expected, bare = false] of TIME_CASES) {
    const found = findTimes(tokenize(text), { allowBareHour: bare }).map(toHhmm);
    assert.deepEqual(found, expected, `${text} (bare hour ${bare})`);
  }
});

test('times never reuse the words of a date ("nineteen fifty" is a year)', () => {
  const tokens = tokenize('march fifth nineteen fifty at two p m');
  const exclude = findDates(tokens, TODAY);
  assert.deepEqual(findTimes(tokens, { allowBareHour: true, exclude }).map(toHhmm), ['14:00']);
});

const NAME_CASES: Array<[string, boolean, string | undefined]> = [
  ['my name is john smith', false, 'John Smith'],
  ["my name's sarah connor and i need an appointment", false, 'Sarah Connor'],
  ['this is mary jones calling', false, 'Mary Jones'],
  ["hi this is mary o'brien", false, "Mary O'Brien"],
  ["it's john mcdonald", true, 'John McDonald'],
  ["it's for tuesday", true, undefined],
  ["it's tuesday", false, undefined],
  ['john smith', true, 'John Smith'],
  ['john smith', false, undefined],
  ['yeah john paul jones', true, 'John Paul Jones'],
  ['the patient is emily smith-jones', false, 'Emily Smith-Jones'],
  ['book march fifth for david lee', false, 'David Lee'],
  ['book an appointment for tomorrow', false, undefined],
  ["i'm looking to book", false, undefined],
  ["i'm calling to cancel", true, undefined],
  ['uh', true, undefined],
  ['march fifth', true, undefined],
];

test('names: after cues, bare only when asked, capitalised', () => {
  for (const [text, expecting, expected] of NAME_CASES) {
    assert.equal(findName(tokenize(text), expecting)?.name, expected, `${text} (asked ${expecting})`);
  }
});

test('years read the ways people say them and are spoken back the same way', () => {
  for (const [text, year] of [
    ['nineteen eighty four', 1984],
    ['two thousand', 2000],
    ['two thousand and five', 2005],
    ['twenty ten', 2010],
    ['twenty oh one', 2001],
    ['nineteen hundred', 1900],
    ['1999', 1999],
  ] as const) {
    assert.equal(readYear(tokenize(text), 0)?.value, year, text);
    assert.equal(readYear(tokenize(yearWords(year)), 0)?.value, year, `spoken ${year}`);
  }
  assert.equal(readYear(tokenize('nineteen'), 0), undefined);
});

test('spoken dates and times for text-to-speech', () => {
  assert.equal(spokenDate('2025-03-05'), 'Wednesday, March fifth');
  assert.equal(spokenDate('1984-03-21', 'birth'), 'March twenty first, nineteen eighty four');
  assert.equal(spokenTime('14:30'), 'two thirty PM');
  assert.equal(spokenTime('09:05'), 'nine oh five AM');
  assert.equal(spokenTime('12:00'), 'noon');
  assert.equal(spokenTime('00:15'), 'twelve fifteen AM');
});

test('function results: slots and appointments found by shape', () => {
  assert.deepEqual(findSlots({ date: '2025-03-05', slots: ['14:30', '09:00'] }), [
    { date: '2025-03-05', time: '09:00' },
    { date: '2025-03-05', time: '14:30' },
  ]);
  assert.deepEqual(findSlots({ slots: [{ start: '2025-03-06T10:00:00-05:00' }, { date: '2025-03-05', time: '2:30 PM' }] }), [
    { date: '2025-03-05', time: '14:30' },
    { date: '2025-03-06', time: '10:00' },
  ]);
  assert.deepEqual(findSlots({ days: [{ date: '2025-03-07', times: ['8:00 am'] }] }), [{ date: '2025-03-07', time: '08:00' }]);
  assert.deepEqual(findSlots([{ patient_name: 'A', date_of_birth: '1984-03-05', date: '2025-03-05', time: '09:00' }]), [{ date: '2025-03-05', time: '09:00' }]);
  assert.deepEqual(findSlots({ ok: true }), []);
  assert.equal(normalizeTime('14:30:00'), '14:30');
  assert.equal(normalizeTime('2 p.m.'), '14:00');
  assert.equal(normalizeTime('Dr. Lee'), undefined);
});

test('function results: failures', () => {
  assert.equal(failureOf({ error: 'slot taken' }), 'slot taken');
  assert.equal(failureOf({ error: { message: 'nope' } }), 'nope');
  assert.equal(failureOf({ ok: false, reason: 'in the past' }), 'in the past');
  assert.equal(failureOf({ ok: true, appointment: {} }), undefined);
  assert.equal(failureOf('Error: database down'), 'Error: database down');
  assert.equal(failureOf('booked'), undefined);
});

test('function results: office information phrased for speech', () => {
  assert.equal(officeInfoText({ address: '12 Maple Street' }, 'address'), "We're at 12 Maple Street.");
  assert.equal(officeInfoText({ insurance: ['Medicare', 'Aetna'] }, 'insurance'), 'We accept Medicare and Aetna.');
  assert.equal(officeInfoText({ hours: 'We are open weekdays from 8:00 to 17:00.' }, 'hours'), 'We are open weekdays from eight AM to five PM.');
  assert.equal(
    officeInfoText({ hours: { monday: '9:00-12:00', tuesday: '9:00-12:00', wednesday: 'closed' }, address: 'Main St' }, 'all'),
    "Our hours are Monday and Tuesday, nine AM to noon; Wednesday, closed. We're at Main St.",
  );
  assert.equal(officeInfoText({ text: 'Open 24/7' }, 'hours'), 'Open 24/7.');
  assert.equal(officeInfoText({}, 'hours'), undefined);
});

test('DTMF user text convention', () => {
  assert.equal(dtmfText('0'), 'the caller pressed 0');
  assert.equal(parseDtmf(dtmfText('0')), '0');
  assert.equal(parseDtmf('[dtmf 5]'), '5');
  assert.equal(parseDtmf('Caller pressed star.'), '*');
  assert.equal(parseDtmf('the caller pressed zero'), '0');
  assert.equal(parseDtmf('i pressed the button'), undefined);
});

test('a spelled name is read from plain letters, the phonetic alphabet and "g as in george", mixed', () => {
  const spelled = (text: string): string | undefined => findSpelling(tokenize(text));
  assert.equal(spelled('it is g o n z a l e z'), 'Gonzalez');
  assert.equal(spelled('G-O-N-Z-A-L-E-Z'), 'Gonzalez');
  assert.equal(spelled('whiskey alpha lima sierra hotel'), 'Walsh');
  assert.equal(spelled('c as in charlie h e n'), 'Chen');
  // Letter homophones count only once a spelling is under way; two letters are not a spelling.
  assert.equal(spelled('k e l l why'), 'Kelly');
  assert.equal(spelled('w a l as h'), 'Walsh');
  assert.equal(spelled('are you there'), undefined);
  assert.equal(spelled('i have a question'), undefined);
  assert.equal(spelled('my name is maria'), undefined);
});
