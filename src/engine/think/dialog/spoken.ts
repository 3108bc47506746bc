// Dates and times written the way text-to-speech should say them: "Thursday, March fifth",
// "two thirty PM". Digits like "14:30" or "2025-03-05" come out of synthesisers garbled.
import { fromIsoDate, MONTHS, weekday, WEEKDAYS } from './calendar.js';
import { numberWords, ordinalWords, yearWords } from './words.js';

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** "Thursday, March fifth" (an appointment day); with `year`, "March fifth, nineteen eighty four" (a birth date). */
export function spokenDate(iso: string, style: 'appointment' | 'birth' = 'appointment'): string {
  const date = fromIsoDate(iso);
  if (!date) return iso;
  const monthDay = `${capital(MONTHS[date.month - 1]!)} ${ordinalWords(date.day)}`;
  if (style === 'birth') return `${monthDay}, ${yearWords(date.year)}`;
  return `${capital(WEEKDAYS[weekday(date)]!)}, ${monthDay}`;
}

/** "two thirty PM", "nine AM", "nine oh five AM", "noon" from "HH:MM". */
export function spokenTime(hhmm: string): string {
  const m = /^(\d{1,2}):(\d{2})/.exec(hhmm);
  if (!m) return hhmm;
  const [hour, minute] = [Number(m[1]), Number(m[2])];
  if (hour === 12 && minute === 0) return 'noon';
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  const minutes = minute === 0 ? '' : minute < 10 ? ` oh ${numberWords(minute)}` : ` ${numberWords(minute)}`;
  return `${numberWords(hour12)}${minutes} ${hour < 12 ? 'AM' : 'PM'}`;
}

/** "a, b or c" */
export function spokenList(items: readonly string[], conjunction = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** "Wednesday, March fifth at two thirty PM", or only the day. */
export function spokenSlot(slot: { date: string; time?: string }): string {
  return slot.time ? `${spokenDate(slot.date)} at ${spokenTime(slot.time)}` : spokenDate(slot.date);
}
