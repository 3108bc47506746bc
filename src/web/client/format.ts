// How times, durations and phone numbers read on the dashboard.

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatTime(epochMs: number): string {
  return timeOfDay.format(epochMs);
}

export function formatDateTime(epochMs: number): string {
  return dateAndTime.format(epochMs);
}

/** Short, for lists: the time for today's calls, the day and time for older ones. */
export function formatWhen(epochMs: number): string {
  return new Date(epochMs).toDateString() === new Date().toDateString() ? timeOfDay.format(epochMs) : dayAndTime.format(epochMs);
}

/** 850 ms, 12.4 s, 3 min 05 s */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

export function formatParty(value: string): string {
  return value.trim() === '' ? 'unknown' : value;
}

/** completed, agent hangup, ... as words. */
export function formatOutcome(outcome: string): string {
  return outcome.replace(/_/g, ' ');
}
