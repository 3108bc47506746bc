// The text half of Vonage's media WebSocket (audio is the binary half). Vonage sends JSON events
// (`websocket:connected` first, then `websocket:dtmf`, `websocket:notify`, `websocket:cleared`, and
// possibly others it documents as "may be sent at any point"); we send `clear` and `notify` actions.
// A notify comes back once per checkpoint, up to 50 a second while the agent speaks: everything here
// is checked by hand, without a schema library.
import { parseJsonObject } from '../protocol/json-object.js';

export interface VonageConnected {
  event: 'websocket:connected';
  contentType: string;
  /** The NCCO endpoint's `headers`, echoed at the top level of the message. */
  headers: Record<string, string>;
}

export type VonageEvent =
  | VonageConnected
  | { event: 'websocket:dtmf'; digit: string }
  | { event: 'websocket:notify'; name: string }
  | { event: 'websocket:cleared' };

export type VonageParsed = { kind: 'ok'; message: VonageEvent } | { kind: 'unknown'; event: string } | { kind: 'invalid'; reason: string };

const DTMF_DIGIT = /^[0-9*#A-Da-d]$/;

function headerValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseConnected(raw: Record<string, unknown>): VonageParsed {
  const { event: _event, 'content-type': contentType, ...headers } = raw;
  if (typeof contentType !== 'string') return { kind: 'invalid', reason: 'websocket:connected: missing "content-type"' };
  return {
    kind: 'ok',
    message: { event: 'websocket:connected', contentType, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, headerValue(v)])) },
  };
}

export function parseVonageEvent(text: string): VonageParsed {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const raw = parsed.value;
  switch (raw.event) {
    case 'websocket:notify': {
      const payload = raw.payload as Record<string, unknown> | undefined;
      if (typeof payload !== 'object' || payload === null || typeof payload.name !== 'string') {
        return { kind: 'invalid', reason: 'websocket:notify: "payload.name" must be a string' };
      }
      return { kind: 'ok', message: { event: 'websocket:notify', name: payload.name } };
    }
    case 'websocket:dtmf': {
      const digit = typeof raw.digit === 'number' ? String(raw.digit) : raw.digit;
      if (typeof digit !== 'string' || !DTMF_DIGIT.test(digit)) return { kind: 'invalid', reason: `websocket:dtmf: "digit" must be one DTMF digit` };
      return { kind: 'ok', message: { event: 'websocket:dtmf', digit } };
    }
    case 'websocket:cleared':
      return { kind: 'ok', message: { event: 'websocket:cleared' } };
    case 'websocket:connected':
      return parseConnected(raw);
    default:
      return typeof raw.event === 'string' ? { kind: 'unknown', event: raw.event } : { kind: 'invalid', reason: 'missing "event"' };
  }
}

// ---- what the server sends ------------------------------------------------------------------

/** Empties Vonage's playback buffer; Vonage answers `websocket:cleared`. */
export const CLEAR_ACTION = '{"action":"clear"}';

/** Vonage echoes the payload as `websocket:notify` once everything queued before it has played. */
export function notifyAction(name: string): string {
  return JSON.stringify({ action: 'notify', payload: { name } });
}
