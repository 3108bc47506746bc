// The clinic's facts (CLINIC_CONFIG, default config/clinic.json): opening hours and the slot grid the
// scheduling functions book on, the time zone those hours are in, and what get_office_info tells
// callers. Validated once at startup; every problem names its field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, PhoneNumber } from '../../config/env.js';
import { isClockTime, isRealDate } from '../../domain/clinic-functions.js';
import { WEEKDAYS, isTimeZone, minutesOf, type Weekday } from './calendar.js';

const ClockTime = z.string().refine(isClockTime, 'must be a 24-hour HH:MM time');
const Day = z.string().refine(isRealDate, 'must be a real date, YYYY-MM-DD');

const OpeningHours = z
  .object({ open: ClockTime, close: ClockTime })
  .refine((h) => minutesOf(h.open) < minutesOf(h.close), 'open must be before close');

const WeeklyHours = z.object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, OpeningHours.nullable().default(null)])) as Record<
    Weekday,
    z.ZodDefault<z.ZodNullable<typeof OpeningHours>>
  >,
);

export const ClinicConfigSchema = z
  .object({
    name: z.string().min(1),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as America/New_York'),
    address: z.string().min(1),
    phone: PhoneNumber.optional(),
    /** A day that is null or missing is closed. */
    hours: WeeklyHours,
    /** No appointment may overlap the break. */
    lunch: z
      .object({ start: ClockTime, end: ClockTime })
      .refine((l) => minutesOf(l.start) < minutesOf(l.end), 'start must be before end')
      .optional(),
    slotMinutes: z.number().int().min(5).max(240).default(30),
    /** How far ahead appointments can be booked. */
    bookingWindowDays: z.number().int().min(1).max(366).default(90),
    /** Holidays and other days the office is closed. */
    closedDates: z.array(Day).default([]),
    insurance: z.array(z.string().min(1)).default([]),
    /** Where transfer_to_staff sends the caller; TRANSFER_NUMBER overrides it. */
    transferNumber: PhoneNumber.optional(),
  })
  .strict();

export type ClinicConfig = z.infer<typeof ClinicConfigSchema>;

export function loadClinicConfig(path: string): ClinicConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`CLINIC_CONFIG: cannot read ${path}: ${(err as Error).message}`);
  }
  return parseClinicConfig(json, path);
}

export function parseClinicConfig(json: unknown, source = 'clinic config'): ClinicConfig {
  const r = ClinicConfigSchema.safeParse(json);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`${source} is not a valid clinic config:\n${lines.join('\n')}`);
}
