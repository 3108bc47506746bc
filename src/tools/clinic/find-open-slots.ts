// find_open_slots: the open slots of one day, or the next days that have any. Results say what
// today is, so the agent can turn "next Tuesday" into a date without guessing.
import { ToolError } from '../registry.js';
import { addDays, weekdayOf } from './calendar.js';
import type { ClinicSchedule } from './schedule.js';
import { clinicTool } from './clinic-tool.js';

/** Days listed when no day was asked for, or when the day asked for has no openings. */
const DAYS_OFFERED = 3;

export function findOpenSlotsTool(schedule: ClinicSchedule) {
  return clinicTool('find_open_slots', async (a) => {
    const today = schedule.today().date;
    const part = a.part_of_day ?? 'any';
    const header = { today, today_weekday: weekdayOf(today) };
    if (!a.date) return { ...header, openings: await schedule.daysWithOpenings(today, DAYS_OFFERED, part) };
    if (a.date < today) throw new ToolError(`${a.date} is in the past (today is ${today})`);
    if (a.date > schedule.lastBookableDate()) {
      throw new ToolError(`appointments can be booked at most ${schedule.clinic.bookingWindowDays} days ahead (until ${schedule.lastBookableDate()})`);
    }
    const times = await schedule.openTimes(a.date, part);
    const day = { date: a.date, weekday: weekdayOf(a.date), times };
    if (times.length > 0) return { ...header, openings: [day] };
    const why = schedule.closedReason(a.date) ?? `no ${part === 'any' ? '' : `${part} `}openings are left on ${a.date}`;
    return { ...header, openings: [day], note: why, next_openings: await schedule.daysWithOpenings(addDays(a.date, 1), DAYS_OFFERED, part) };
  });
}

