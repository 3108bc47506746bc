// Dates as callers say them: "march fifth", "the twelfth of december", "tomorrow", "next tuesday",
// "june third nineteen eighty four". Relative forms resolve against the clinic's today; a day said
// without a year means its next occurrence (today included).
import { addDays, compareDates, isValidDate, MONTHS, weekday, WEEKDAYS, type CivilDate } from './calendar.js';
import { readNumber, readYear } from './words.js';

export interface DateMention {
  date: CivilDate;
  /** Token span [start, end). */
  start: number;
  end: number;
  /** The caller said the year (or the form implies it, like "tomorrow"). */
  hasYear: boolean;
  /** Introduced by "born", "birth", "birthday" or "dob": a date of birth, whatever the rest says. */
  birth: boolean;
}

const BIRTH_WORDS = new Set(['born', 'birth', 'birthday', 'dob', 'birthdate']);
const MONTH_ALIASES = new Map<string, number>([...MONTHS.map((m, i) => [m, i + 1] as const), ['sept', 9]]);

/** Every date in the tokens, left to right, without overlaps. */
export function findDates(tokens: readonly string[], today: CivilDate): DateMention[] {
  const mentions: DateMention[] = [];
  for (let i = 0; i < tokens.length; ) {
    const found = dateAt(tokens, i, today);
    if (!found) {
      i++;
      continue;
    }
    const birth = tokens.slice(Math.max(0, i - 5), i).some((t) => BIRTH_WORDS.has(t));
    mentions.push({ ...found, start: i, birth });
    i = found.end;
  }
  return mentions;
}

/** A year said on its own ("nineteen eighty four"), for when only the year of a birth date is missing. */
export function findYear(tokens: readonly string[], today: CivilDate): number | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const year = readYear(tokens, i);
    if (year && year.value <= today.year) return year.value;
  }
  return undefined;
}

type Found = Omit<DateMention, 'start' | 'birth'>;

function dateAt(tokens: readonly string[], i: number, today: CivilDate): Found | undefined {
  return monthFirst(tokens, i, today) ?? dayFirst(tokens, i, today) ?? numeric(tokens, i, today) ?? relative(tokens, i, today);
}

/** "march fifth", "march the fifth", "march 5 1984", "march fifth nineteen eighty four" */
function monthFirst(tokens: readonly string[], i: number, today: CivilDate): Found | undefined {
  const month = MONTH_ALIASES.get(tokens[i] ?? '');
  if (month === undefined) return undefined;
  let j = i + 1;
  if (tokens[j] === 'the') j++;
  const day = readNumber(tokens, j);
  if (!day || day.value < 1 || day.value > 31) return undefined;
  return withYear(tokens, day.next, month, day.value, today);
}

/** "the twelfth of december", "fifth of march nineteen ninety", "the fifth" (of this or next month) */
function dayFirst(tokens: readonly string[], i: number, today: CivilDate): Found | undefined {
  const day = readNumber(tokens, i);
  if (!day || !day.ordinal || day.value < 1 || day.value > 31) return undefined;
  let j = day.next;
  if (tokens[j] === 'of') j++;
  const month = MONTH_ALIASES.get(tokens[j] ?? '');
  if (month !== undefined) return withYear(tokens, j + 1, month, day.value, today);
  // A bare ordinal needs "the" before it: "the fifth" is a day, "fifth" alone could be anything.
  if (tokens[i - 1] !== 'the' || tokens[day.next] === 'of') return undefined;
  for (let ahead = 0; ahead < 2; ahead++) {
    const m = ((today.month - 1 + ahead) % 12) + 1;
    const y = today.year + (today.month + ahead > 12 ? 1 : 0);
    const date = { year: y, month: m, day: day.value };
    if (isValidDate(y, m, day.value) && compareDates(date, today) >= 0) return { date, end: day.next, hasYear: false };
  }
  return undefined;
}

function withYear(tokens: readonly string[], j: number, month: number, day: number, today: CivilDate): Found | undefined {
  let k = j;
  if (tokens[k] === 'of' || tokens[k] === 'in') k++;
  const year = readYear(tokens, k) ?? twoDigitYear(tokens, k, today);
  if (year) return isValidDate(year.value, month, day) ? { date: { year: year.value, month, day }, end: year.next, hasYear: true } : undefined;
  if (!isValidDate(2000, month, day)) return undefined; // 2000 was a leap year: February 29th is a real day
  let date = { year: today.year, month, day };
  if (compareDates(date, today) < 0 || !isValidDate(date.year, month, day)) date = nextValidYear(month, day, today.year + 1);
  return { date, end: j, hasYear: false };
}

function nextValidYear(month: number, day: number, from: number): CivilDate {
  let year = from;
  while (!isValidDate(year, month, day)) year++;
  return { year, month, day };
}

/** "eighty four" right after a day, as a birth year; 32 and up so "march fifth at two" stays a time. */
function twoDigitYear(tokens: readonly string[], k: number, today: CivilDate): { value: number; next: number } | undefined {
  if (tokens[k] === 'oh' && readNumber(tokens, k + 1)) {
    const unit = readNumber(tokens, k + 1)!;
    if (unit.value < 10 && !unit.ordinal) return { value: century(unit.value, today), next: unit.next };
  }
  const n = readNumber(tokens, k);
  if (!n || n.ordinal || n.value < 32 || /^\d/.test(tokens[k]!)) return undefined;
  return { value: century(n.value, today), next: n.next };
}

function century(twoDigits: number, today: CivilDate): number {
  return 2000 + twoDigits > today.year ? 1900 + twoDigits : 2000 + twoDigits;
}

/** "3/5/1984" (US month first), "1984/03/05" (ISO) */
function numeric(tokens: readonly string[], i: number, today: CivilDate): Found | undefined {
  const m = /^(\d{1,4})\/(\d{1,2})\/(\d{1,4})$/.exec(tokens[i] ?? '');
  if (!m) return undefined;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [year, month, day] = m[1]!.length === 4 ? [a, b, c] : [m[3]!.length === 2 ? century(c, today) : c, a, b];
  return isValidDate(year, month, day) ? { date: { year, month, day }, end: i + 1, hasYear: true } : undefined;
}

/** "today", "tomorrow", "the day after tomorrow", "tuesday", "this tuesday", "next tuesday" */
function relative(tokens: readonly string[], i: number, today: CivilDate): Found | undefined {
  const word = tokens[i];
  if (word === 'today') return { date: today, end: i + 1, hasYear: true };
  if (word === 'tomorrow') {
    const dayAfter = tokens[i - 1] === 'after' && tokens[i - 2] === 'day';
    return { date: addDays(today, dayAfter ? 2 : 1), end: i + 1, hasYear: true };
  }
  const qualifier = word === 'next' || word === 'this' || word === 'coming' ? word : undefined;
  const dayIndex = WEEKDAYS.indexOf(tokens[qualifier ? i + 1 : i] ?? '');
  if (dayIndex === -1) return undefined;
  // The first such weekday after today; "next" means the one in next week (Monday to Sunday),
  // so on a Monday "next tuesday" is eight days away while on a Saturday "next monday" is two.
  let date = addDays(today, ((dayIndex - weekday(today) + 7) % 7) || 7);
  if (qualifier === 'next' && sameWeek(date, today)) date = addDays(date, 7);
  return { date, end: i + (qualifier ? 2 : 1), hasYear: true };
}

function sameWeek(a: CivilDate, b: CivilDate): boolean {
  const monday = (d: CivilDate): CivilDate => addDays(d, -((weekday(d) + 6) % 7));
  return compareDates(monday(a), monday(b)) === 0;
}
