// Argument types shared by the clinic's functions. Their messages go back to the agent verbatim, so
// each says what a valid value looks like. Models often send "" for an optional argument they have
// no value for: that counts as absent.
import { z } from 'zod';
import { isClockTime, isRealDate } from './calendar.js';

const text = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `required: ${what}` : `must be text: ${what}`) }).trim();

export const DayArg = (what: string) => text(what).refine(isRealDate, `must be a real date written YYYY-MM-DD (${what})`);

export const TimeArg = (what: string) => text(what).refine(isClockTime, `must be a 24-hour time written HH:MM (${what})`);

export const PatientName = text("the patient's full name").min(2, "must be the patient's full name").max(100);

export const DateOfBirth = DayArg("the patient's date of birth").refine(
  (d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10),
  'must be a date of birth in the past, YYYY-MM-DD',
);

export const Reason = text('a short reason').max(200);

/** An optional argument: missing, null and "" all mean "not given". */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v), schema.optional());
}
