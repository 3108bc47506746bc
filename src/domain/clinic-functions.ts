// The contract of the clinic's functions: their names and their arguments. The tools that run them
// and the built-in dialog that calls them both type themselves from here, so renaming a function or
// an argument fails to compile on both sides; config/agent.json declares the same names (a test checks).
// Argument messages go back to the agent verbatim, so each says what a valid value looks like. Models
// often send "" for an optional argument they have no value for: that counts as absent.
import { z } from 'zod';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True for a YYYY-MM-DD string naming a day that exists (no 2025-02-30). */
export function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function isClockTime(text: string): boolean {
  return TIME.test(text);
}

const text = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `required: ${what}` : `must be text: ${what}`) }).trim();

const DayArg = (what: string) => text(what).refine(isRealDate, `must be a real date written YYYY-MM-DD (${what})`);

const TimeArg = (what: string) => text(what).refine(isClockTime, `must be a 24-hour time written HH:MM (${what})`);

const PatientName = text("the patient's full name").min(2, "must be the patient's full name").max(100);

const DateOfBirth = DayArg("the patient's date of birth").refine(
  (d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10),
  'must be a date of birth in the past, YYYY-MM-DD',
);

const Reason = text('a short reason').max(200);

/** An optional argument: missing, null and "" all mean "not given". */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v), schema.optional());
}

const Patient = { patient_name: PatientName, date_of_birth: DateOfBirth };

const PARTS_OF_DAY = ['morning', 'afternoon', 'any'] as const;
const OFFICE_TOPICS = ['hours', 'address', 'insurance', 'all'] as const;
export type OfficeTopic = (typeof OFFICE_TOPICS)[number];

/** Each clinic function's arguments, by the function's name. */
export const clinicFunctionArguments = {
  find_open_slots: z.object({
    date: optional(DayArg('the day to search')),
    part_of_day: optional(z.enum(PARTS_OF_DAY)),
  }),
  book_appointment: z.object({
    ...Patient,
    date: DayArg('the appointment day'),
    time: TimeArg('the appointment start'),
    reason: optional(Reason),
  }),
  reschedule_appointment: z.object({
    ...Patient,
    current_date: optional(DayArg('the day of the appointment to move')),
    new_date: DayArg('the new day'),
    new_time: TimeArg('the new start time'),
  }),
  cancel_appointment: z.object({ ...Patient, date: optional(DayArg('the day of the appointment to cancel')) }),
  lookup_appointments: z.object(Patient),
  get_office_info: z.object({ topic: optional(z.enum(OFFICE_TOPICS)) }),
  transfer_to_staff: z.object({ reason: optional(Reason) }),
  end_call: z.object({ reason: optional(Reason) }),
};

export type ClinicFunctionName = keyof typeof clinicFunctionArguments;

export const CLINIC_FUNCTION_NAMES = Object.keys(clinicFunctionArguments) as ClinicFunctionName[];

/** A function's arguments once validated: what the tool receives, and what the dialog sends. */
export type ClinicFunctionArgs<N extends ClinicFunctionName> = z.output<(typeof clinicFunctionArguments)[N]>;
