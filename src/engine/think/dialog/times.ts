// Times of day as callers say them: "two thirty p m", "ten a m", "three o'clock", "noon",
// "half past two", "quarter to four", "9:45". Without a.m. or p.m., clinic hours decide: seven to
// eleven are mornings, twelve to six afternoons.
import { readNumber } from './words.js';

export interface TimeMention {
  /** 24-hour */
  hour: number;
  minute: number;
  start: number;
  end: number;
}

export type PartOfDay = 'morning' | 'afternoon';

export interface FindTimesOptions {
  /** Accept a bare hour ("two") as a time: only when the caller was just asked for one. */
  allowBareHour: boolean;
  /** Token spans already taken by dates, so "nineteen eighty four" is never read as a time. */
  exclude?: ReadonlyArray<{ start: number; end: number }>;
}

const TIME_LEAD_WORDS = new Set(['at', 'around', 'about', 'by', 'before', 'after', 'say']);
/** Words that make a bare number a choice or a count ("the first one", "that one"), not an hour. */
const NOT_AN_HOUR_BEFORE = new Set(['the', 'that', 'this', 'first', 'second', 'third', 'last', 'earlier', 'later', 'other', 'a', 'any', 'no', 'which']);

export function findTimes(tokens: readonly string[], options: FindTimesOptions): TimeMention[] {
  const taken = (i: number): boolean => (options.exclude ?? []).some((s) => i >= s.start && i < s.end);
  const times: TimeMention[] = [];
  for (let i = 0; i < tokens.length; ) {
    const found = taken(i) ? undefined : timeAt(tokens, i, options.allowBareHour);
    if (found && !taken(found.end - 1)) {
      times.push({ ...found, start: i });
      i = found.end;
    } else {
      i++;
    }
  }
  return times;
}

/** "morning" or "afternoon" when the caller named a part of the day rather than a time. */
export function findPartOfDay(tokens: readonly string[]): PartOfDay | undefined {
  if (tokens.includes('morning')) return 'morning';
  if (tokens.includes('afternoon') || tokens.includes('evening') || (tokens.includes('after') && tokens.includes('lunch'))) return 'afternoon';
  return undefined;
}

type Found = Omit<TimeMention, 'start'>;

function timeAt(tokens: readonly string[], i: number, allowBareHour: boolean): Found | undefined {
  const word = tokens[i]!;
  if (word === 'noon' || word === 'midday') return { hour: 12, minute: 0, end: i + 1 };
  if (word === 'twelve' && (tokens[i + 1] === 'noon' || tokens[i + 1] === 'midday')) return { hour: 12, minute: 0, end: i + 2 };

  const clock = /^(\d{1,2}):(\d{2})$/.exec(word);
  if (clock) {
    const [h, m] = [Number(clock[1]), Number(clock[2])];
    if (h > 23 || m > 59) return undefined;
    const meridiem = readMeridiem(tokens, i + 1);
    return { hour: h > 12 ? h : resolveHour(h, meridiem?.pm), minute: m, end: meridiem?.next ?? i + 1 };
  }

  const relativeTo = pastOrTo(tokens, i);
  if (relativeTo) return relativeTo;

  const hour = readNumber(tokens, i, true);
  if (!hour || hour.ordinal || hour.value < 1 || hour.value > 12) return undefined;
  const heardAsHomophone = readNumber(tokens, i) === undefined;
  let j = hour.next;
  let minute = 0;
  let marked = false;
  if (tokens[j] === 'oclock') {
    j++;
    marked = true;
  } else {
    const minutes = readMinutes(tokens, j);
    if (minutes) {
      minute = minutes.value;
      j = minutes.next;
      marked = true;
    }
  }
  const meridiem = readMeridiem(tokens, j);
  if (meridiem) {
    j = meridiem.next;
    marked = true;
  }
  const before = tokens[i - 1] ?? '';
  // "for p m" is a time, "for thirty" may be, "for" alone never is.
  if (heardAsHomophone && !meridiem && tokens[hour.next] !== 'oclock') return undefined;
  if (!marked && !TIME_LEAD_WORDS.has(before) && (!allowBareHour || NOT_AN_HOUR_BEFORE.has(before))) return undefined;
  return { hour: resolveHour(hour.value, meridiem?.pm), minute, end: j };
}

/** "half past two", "quarter to four", "ten past nine" */
function pastOrTo(tokens: readonly string[], i: number): Found | undefined {
  let minutes: number;
  let j: number;
  if (tokens[i] === 'half') [minutes, j] = [30, i + 1];
  else if (tokens[i] === 'quarter' || (tokens[i] === 'a' && tokens[i + 1] === 'quarter')) [minutes, j] = [15, tokens[i] === 'a' ? i + 2 : i + 1];
  else {
    const n = readNumber(tokens, i);
    if (!n || n.ordinal || n.value < 1 || n.value > 29) return undefined;
    [minutes, j] = [n.value, tokens[n.next] === 'minutes' ? n.next + 1 : n.next];
  }
  const direction = tokens[j];
  if (direction !== 'past' && direction !== 'after' && direction !== 'to') return undefined;
  const hour = readNumber(tokens, j + 1);
  if (!hour || hour.ordinal || hour.value < 1 || hour.value > 12) return undefined;
  const meridiem = readMeridiem(tokens, hour.next);
  const h = resolveHour(direction === 'to' ? (hour.value === 1 ? 12 : hour.value - 1) : hour.value, meridiem?.pm);
  return { hour: h, minute: direction === 'to' ? 60 - minutes : minutes, end: meridiem?.next ?? hour.next };
}

/** ":30" said as "thirty", "forty five", "oh five", "o five" */
function readMinutes(tokens: readonly string[], j: number): { value: number; next: number } | undefined {
  if (tokens[j] === 'oh' || tokens[j] === 'o') {
    const unit = readNumber(tokens, j + 1);
    return unit && !unit.ordinal && unit.value <= 9 ? { value: unit.value, next: unit.next } : undefined;
  }
  const n = readNumber(tokens, j, true);
  if (!n || n.ordinal || n.value < 10 || n.value > 59 || /^\d/.test(tokens[j]!)) return undefined;
  return { value: n.value, next: n.next };
}

function readMeridiem(tokens: readonly string[], j: number): { pm: boolean; next: number } | undefined {
  const word = tokens[j];
  if (word === 'am') return { pm: false, next: j + 1 };
  if (word === 'pm') return { pm: true, next: j + 1 };
  if (word === 'in' && tokens[j + 1] === 'the') {
    const part = tokens[j + 2];
    if (part === 'morning') return { pm: false, next: j + 3 };
    if (part === 'afternoon' || part === 'evening') return { pm: true, next: j + 3 };
  }
  if (word === 'at' && tokens[j + 1] === 'night') return { pm: true, next: j + 2 };
  return undefined;
}

function resolveHour(hour12: number, pm: boolean | undefined): number {
  if (pm === undefined) return hour12 >= 7 && hour12 <= 11 ? hour12 : (hour12 % 12) + 12;
  return (hour12 % 12) + (pm ? 12 : 0);
}

export function toHhmm(time: { hour: number; minute: number }): string {
  return `${String(time.hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')}`;
}
