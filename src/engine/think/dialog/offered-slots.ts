// Which open slots to read out: a caller on the phone can hold about three in mind.
import type { Slot } from './results.js';
import type { PartOfDay } from './times.js';

const MAX_OFFERED = 3;

export function fitsPart(slot: Slot, part: PartOfDay | undefined): boolean {
  if (!part) return true;
  return part === 'morning' ? slot.time < '12:00' : slot.time >= '12:00';
}

/** Up to `n` slots spread over the list (first, middle, last), so the caller hears the range. */
export function spread(slots: Slot[], n = MAX_OFFERED): Slot[] {
  if (slots.length <= n) return slots;
  return Array.from({ length: n }, (_, i) => slots[Math.round((i * (slots.length - 1)) / (n - 1))]!);
}

/** The `n` slots nearest to `time` (HH:MM), in time order. */
export function closest(slots: Slot[], time: string, n = MAX_OFFERED): Slot[] {
  const minutes = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  return [...slots]
    .sort((a, b) => Math.abs(minutes(a.time) - minutes(time)) - Math.abs(minutes(b.time) - minutes(time)))
    .slice(0, n)
    .sort((a, b) => a.time.localeCompare(b.time));
}
