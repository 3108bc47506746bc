// Reading function results. The functions belong to whoever runs the agent, so their answers are
// read by shape, not by one schema: any object with a date and a time is a slot or an appointment,
// any `error` (the function registry's wrapper) or `ok: false` is a failure, office facts are found
// under the obvious keys.
import type { OfficeTopic } from '../../../domain/clinic-functions.js';
import { spokenList, spokenTime } from './spoken.js';

export interface Slot {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, 24-hour */
  time: string;
}

export function parseResult(content: string): unknown {
  try {
    return JSON.parse(content) as unknown;
  } catch {
    return content;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why the function failed, or undefined when it succeeded. */
export function failureOf(result: unknown): string | undefined {
  if (typeof result === 'string') return /^\s*(error|failed|failure)\b/i.test(result) ? result : undefined;
  if (!isRecord(result)) return undefined;
  const why = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
  if (result.error !== undefined && result.error !== null && result.error !== false) {
    return why(result.error) ?? (isRecord(result.error) ? why(result.error.message) : undefined) ?? 'failed';
  }
  if (result.ok === false || result.success === false || result.status === 'error' || result.status === 'failed') {
    return why(result.message) ?? why(result.reason) ?? 'failed';
  }
  return undefined;
}

const DATE_KEYS = ['date', 'day', 'new_date', 'appointment_date'];
const TIME_KEYS = ['time', 'start', 'start_time', 'starts_at', 'new_time', 'appointment_time'];
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2}))?/;

/** Every date-and-time pair in a result, earliest first, without duplicates. */
export function findSlots(result: unknown): Slot[] {
  const found = new Map<string, Slot>();
  const add = (date: string, time: string | undefined): void => {
    if (time) found.set(`${date} ${time}`, { date, time });
  };
  const walk = (value: unknown, date: string | undefined): void => {
    if (typeof value === 'string') {
      const iso = ISO_DATE.exec(value);
      if (iso?.[2]) add(iso[1]!, normalizeTime(iso[2]));
      else if (date && !iso) add(date, normalizeTime(value));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, date);
    } else if (isRecord(value)) {
      const ownDate = DATE_KEYS.map((k) => value[k]).find((v): v is string => typeof v === 'string' && ISO_DATE.test(v));
      const here = ownDate ? ISO_DATE.exec(ownDate)![1] : date;
      const time = TIME_KEYS.map((k) => value[k]).find((v): v is string => typeof v === 'string');
      if (here && time) add(here, normalizeTime(time));
      for (const [key, v] of Object.entries(value)) if (!key.includes('birth')) walk(v, here);
    }
  };
  walk(result, undefined);
  return [...found.values()].sort((a, b) => `${a.date} ${a.time}`.localeCompare(`${b.date} ${b.time}`));
}

/** "14:30", "2:30 PM", "2 pm", "14:30:00", "2025-03-05T14:30:00Z" -> "14:30" */
export function normalizeTime(text: string): string | undefined {
  const m = /^(?:\d{4}-\d{2}-\d{2}[T ])?(\d{1,2})(?::(\d{2}))?(?::\d{2}(?:\.\d+)?)?\s*(?:([ap])\.?\s*m\.?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  const meridiem = m[3]?.toLowerCase();
  if (meridiem === 'p' && hour < 12) hour += 12;
  if (meridiem === 'a' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return undefined;
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

const TOPIC_KEYS: Record<Exclude<OfficeTopic, 'all'>, string[]> = {
  hours: ['hours', 'opening_hours', 'office_hours', 'open_hours'],
  address: ['address', 'location', 'directions'],
  insurance: ['insurance', 'insurances', 'accepted_insurance', 'insurance_plans', 'insurance_accepted'],
};
const TOPIC_LEAD: Record<Exclude<OfficeTopic, 'all'>, string> = {
  hours: 'Our hours are',
  address: "We're at",
  insurance: 'We accept',
};
const FREE_TEXT_KEYS = ['answer', 'text', 'info', 'message', 'description'];

/** One or a few spoken sentences answering `topic` from a get_office_info result; undefined when it has nothing. */
export function officeInfoText(result: unknown, topic: OfficeTopic): string | undefined {
  if (typeof result === 'string') return result.trim() ? asSentence(speakTimesIn(result)) : undefined;
  if (!isRecord(result)) return undefined;
  const topics = topic === 'all' ? (['hours', 'address', 'insurance'] as const) : ([topic] as const);
  const sentences: string[] = [];
  for (const t of topics) {
    const key = TOPIC_KEYS[t].find((k) => result[k] !== undefined);
    if (!key) continue;
    const text = speakValue(result[key]);
    if (text) sentences.push(looksLikeSentence(text) ? asSentence(text) : `${TOPIC_LEAD[t]} ${text.replace(/[.\s]+$/, '')}.`);
  }
  if (sentences.length > 0) return sentences.join(' ');
  const free = FREE_TEXT_KEYS.map((k) => result[k]).find((v) => typeof v === 'string' && v.trim());
  return typeof free === 'string' ? asSentence(speakTimesIn(free)) : undefined;
}

function speakValue(value: unknown): string {
  if (typeof value === 'string') return speakTimesIn(value.trim());
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return spokenList(value.map(speakValue).filter(Boolean), 'and');
  if (isRecord(value)) {
    // {"monday": "8:00-17:00", ...}: runs of days with the same hours read as "Monday to Friday, ..."
    const entries = Object.entries(value).map(([k, v]) => [k.replace(/_/g, ' '), speakValue(v)] as const);
    const groups: Array<{ from: string; to: string; text: string }> = [];
    for (const [key, text] of entries) {
      const last = groups[groups.length - 1];
      if (last && last.text === text) last.to = key;
      else groups.push({ from: key, to: key, text });
    }
    const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
    const days = (g: { from: string; to: string }): string => {
      if (g.to === g.from) return cap(g.from);
      const adjacent = entries.findIndex(([k]) => k === g.to) - entries.findIndex(([k]) => k === g.from) === 1;
      return `${cap(g.from)} ${adjacent ? 'and' : 'to'} ${cap(g.to)}`;
    };
    return groups.map((g) => `${days(g)}, ${g.text}`).join('; ');
  }
  return '';
}

/** "08:00-17:00" -> "eight AM to five PM": synthesisers stumble over clock digits. */
function speakTimesIn(text: string): string {
  return text
    .replace(/\b(\d{1,2}:\d{2})\s*(?:-|–|to)\s*(\d{1,2}:\d{2})\b/g, (_, a: string, b: string) => `${spokenTime(a)} to ${spokenTime(b)}`)
    .replace(/\b(\d{1,2}:\d{2})(?!\s*[ap]\.?m)/gi, (_, a: string) => spokenTime(a));
}

function looksLikeSentence(text: string): boolean {
  return /^(we|our|the|you|it|this)\b/i.test(text) && text.split(/\s+/).length > 3;
}

function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
