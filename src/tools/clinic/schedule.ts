// Which appointment slots exist and which are open: the clinic's weekly hours cut into a grid of
// slotMinutes, minus the lunch break, closed days, the past, and whatever the store has booked.
import type { AppointmentStore, Slot } from '../../store/types.js';
import type { ClinicConfig } from './clinic-config.js';
import { addDays, clockTime, localNow, minutesOf, weekdayOf, type Weekday } from './calendar.js';

export type PartOfDay = 'morning' | 'afternoon' | 'any';

export interface DayOpenings {
  date: string;
  weekday: Weekday;
  times: string[];
}

/** Afternoon starts at noon whatever the lunch break. */
const NOON = 12 * 60;

export class ClinicSchedule {
  constructor(
    readonly clinic: ClinicConfig,
    private readonly store: Pick<AppointmentStore, 'appointmentsOn'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The clinic's current day and time. */
  today(): { date: string; time: string } {
    return localNow(this.clinic.timezone, this.now());
  }

  lastBookableDate(): string {
    return addDays(this.today().date, this.clinic.bookingWindowDays);
  }

  /** Why nobody can be seen on `date` at all, or undefined when the office is open that day. */
  closedReason(date: string): string | undefined {
    if (this.clinic.closedDates.includes(date)) return `the office is closed on ${date}`;
    const weekday = weekdayOf(date);
    if (!this.clinic.hours[weekday]) return `the office is closed on ${capitalized(weekday)}s`;
    return undefined;
  }

  /** Every slot start of `date`, booked or not, past or not. */
  gridOf(date: string): string[] {
    if (this.closedReason(date)) return [];
    const hours = this.clinic.hours[weekdayOf(date)]!;
    const step = this.clinic.slotMinutes;
    const lunch = this.clinic.lunch && { start: minutesOf(this.clinic.lunch.start), end: minutesOf(this.clinic.lunch.end) };
    const times: string[] = [];
    for (let t = minutesOf(hours.open); t + step <= minutesOf(hours.close); t += step) {
      if (lunch && t < lunch.end && t + step > lunch.start) continue;
      times.push(clockTime(t));
    }
    return times;
  }

  /** Why `slot` cannot be booked whatever the bookings are (past, closed, off the grid, too far ahead). */
  problemWith(slot: Slot): string | undefined {
    const today = this.today();
    if (slot.date < today.date || (slot.date === today.date && slot.time <= today.time)) {
      return `${slot.date} at ${slot.time} is in the past (it is now ${today.date} ${today.time} at the office)`;
    }
    if (slot.date > this.lastBookableDate()) {
      return `appointments can be booked at most ${this.clinic.bookingWindowDays} days ahead (until ${this.lastBookableDate()})`;
    }
    const closed = this.closedReason(slot.date);
    if (closed) return closed;
    const grid = this.gridOf(slot.date);
    if (!grid.includes(slot.time)) return `${slot.time} is not an appointment time on ${capitalized(weekdayOf(slot.date))}: ${this.describeGrid(slot.date)}`;
    return undefined;
  }

  /** Open slot starts of `date`, in order: on the grid, not past, not booked. */
  async openTimes(date: string, partOfDay: PartOfDay = 'any'): Promise<string[]> {
    const grid = this.gridOf(date).filter((t) => inPartOfDay(t, partOfDay) && !this.problemWith({ date, time: t }));
    if (grid.length === 0) return [];
    const booked = new Set((await this.store.appointmentsOn(date)).map((a) => a.time));
    return grid.filter((t) => !booked.has(t));
  }

  /** The first `days` days from `from` (inclusive) that have openings, within the booking window. */
  async daysWithOpenings(from: string, days: number, partOfDay: PartOfDay = 'any'): Promise<DayOpenings[]> {
    const found: DayOpenings[] = [];
    const last = this.lastBookableDate();
    for (let date = from; date <= last && found.length < days; date = addDays(date, 1)) {
      const times = await this.openTimes(date, partOfDay);
      if (times.length > 0) found.push({ date, weekday: weekdayOf(date), times });
    }
    return found;
  }

  /** The open slots closest to `slot`: on its own day by distance in time, then the following days. */
  async nearestOpenSlots(slot: Slot, count = 3): Promise<Slot[]> {
    const target = minutesOf(slot.time);
    const sameDay = (await this.openTimes(slot.date))
      .sort((a, b) => Math.abs(minutesOf(a) - target) - Math.abs(minutesOf(b) - target))
      .slice(0, count)
      .sort()
      .map((time) => ({ date: slot.date, time }));
    if (sameDay.length >= count) return sameDay;
    const today = this.today().date;
    const start = slot.date >= today && slot.date <= this.lastBookableDate() ? addDays(slot.date, 1) : today;
    const later = await this.daysWithOpenings(start, count);
    return [...sameDay, ...later.flatMap((d) => d.times.map((time) => ({ date: d.date, time })))].slice(0, count);
  }

  /** "appointments start every 30 minutes from 08:00 to 16:30, none 12:00-13:00" */
  describeGrid(date: string): string {
    const grid = this.gridOf(date);
    const lunch = this.clinic.lunch ? `, none during the ${this.clinic.lunch.start}-${this.clinic.lunch.end} lunch break` : '';
    return `appointments start every ${this.clinic.slotMinutes} minutes from ${grid[0]} to ${grid[grid.length - 1]}${lunch}`;
  }
}

function inPartOfDay(time: string, part: PartOfDay): boolean {
  if (part === 'any') return true;
  return part === 'morning' ? minutesOf(time) < NOON : minutesOf(time) >= NOON;
}

export function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
