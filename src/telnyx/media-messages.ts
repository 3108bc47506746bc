// Telnyx media streaming WebSocket messages (TX-WS AsyncAPI, TX-MS): snake_case, ids and counters as
// strings. Inbound `media` and `mark` are the hot path and are checked by hand; the rare control
// messages (connected, start, dtmf, stop, error) are validated with zod.
import { z } from 'zod';
import { parseJsonObject } from '../protocol/json-object.js';
import { explainIssues } from '../protocol/explain-issues.js';

// Telnyx sends sequence numbers and chunks as strings; accept numbers too.
const numeric = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

const ConnectedSchema = z.object({ event: z.literal('connected'), version: z.string().optional() });

const StartSchema = z.object({
  event: z.literal('start'),
  sequence_number: numeric.optional(),
  stream_id: z.string().min(1),
  start: z.object({
    user_id: z.string().default(''),
    call_control_id: z.string().min(1),
    call_session_id: z.string().optional(),
    from: z.string().default(''),
    to: z.string().default(''),
    client_state: z.string().nullish(),
    custom_parameters: z.record(z.string(), z.string()).default({}),
    media_format: z
      .object({ encoding: z.string(), sample_rate: numeric, channels: numeric.default(1) })
      .default({ encoding: 'PCMU', sample_rate: 8000, channels: 1 }),
  }),
});

const DtmfSchema = z.object({
  event: z.literal('dtmf'),
  sequence_number: numeric.optional(),
  stream_id: z.string(),
  occurred_at: z.string().optional(),
  dtmf: z.object({ digit: z.string().regex(/^[0-9*#A-Da-d]$/, 'one DTMF digit') }),
});

const StopSchema = z.object({
  event: z.literal('stop'),
  sequence_number: numeric.optional(),
  stream_id: z.string(),
  stop: z.object({ user_id: z.string().optional(), call_control_id: z.string().optional() }).default({}),
});

/** Telnyx telling us what it could not use of ours (100003 malformed_frame, 100004 invalid_media, ...). */
const ErrorSchema = z.object({
  event: z.literal('error'),
  stream_id: z.string().optional(),
  payload: z.object({ code: z.union([z.string(), z.number()]).optional(), title: z.string().optional(), detail: z.string().optional() }).default({}),
});

const ControlSchema = z.discriminatedUnion('event', [ConnectedSchema, StartSchema, DtmfSchema, StopSchema, ErrorSchema]);

export type TelnyxStart = z.infer<typeof StartSchema>;
export type TelnyxControl = z.infer<typeof ControlSchema>;

export interface TelnyxMedia {
  event: 'media';
  stream_id: string;
  track: string;
  /** Media order is not guaranteed (TX-WS): the chunk counter puts frames back in order. */
  chunk: number;
  /** base64 RTP payload (no header), decoded by whoever needs the bytes. */
  payload: string;
}

export interface TelnyxMark {
  event: 'mark';
  stream_id: string;
  mark: { name: string };
}

export type TelnyxInbound = TelnyxControl | TelnyxMedia | TelnyxMark;

export type TelnyxParsed = { kind: 'ok'; message: TelnyxInbound } | { kind: 'unknown'; event: string } | { kind: 'invalid'; reason: string };

const CONTROL_EVENTS = new Set(['connected', 'start', 'dtmf', 'stop', 'error']);

function parseMark(raw: Record<string, unknown>): TelnyxParsed {
  const mark = raw.mark as Record<string, unknown> | undefined;
  if (typeof mark !== 'object' || mark === null || typeof mark.name !== 'string') return { kind: 'invalid', reason: 'mark: "mark.name" must be a string' };
  if (typeof raw.stream_id !== 'string') return { kind: 'invalid', reason: 'mark: missing "stream_id"' };
  return { kind: 'ok', message: { event: 'mark', stream_id: raw.stream_id, mark: { name: mark.name } } };
}

function parseMedia(raw: Record<string, unknown>): TelnyxParsed {
  const media = raw.media as Record<string, unknown> | undefined;
  if (typeof media !== 'object' || media === null) return { kind: 'invalid', reason: 'media: missing "media" object' };
  if (typeof media.payload !== 'string') return { kind: 'invalid', reason: 'media: "payload" must be a base64 string' };
  if (typeof raw.stream_id !== 'string') return { kind: 'invalid', reason: 'media: missing "stream_id"' };
  return {
    kind: 'ok',
    message: {
      event: 'media',
      stream_id: raw.stream_id,
      track: typeof media.track === 'string' ? media.track : 'inbound',
      chunk: Number(media.chunk ?? NaN),
      payload: media.payload,
    },
  };
}

export function parseTelnyxMessage(text: string): TelnyxParsed {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const raw = parsed.value;
  const event = raw.event;
  if (typeof event !== 'string') return { kind: 'invalid', reason: 'missing "event"' };
  if (event === 'media') return parseMedia(raw);
  if (event === 'mark') return parseMark(raw);
  if (!CONTROL_EVENTS.has(event)) return { kind: 'unknown', event };
  const r = ControlSchema.safeParse(raw);
  if (r.success) return { kind: 'ok', message: r.data };
  return { kind: 'invalid', reason: `${event}: ${explainIssues(r.error).replaceAll('\n', '; ')}` };
}

// ---- what the server sends (rtp bidirectional mode: raw audio in the declared codec, no stream_id) ----

export function mediaMessage(payloadBase64: string): string {
  return `{"event":"media","media":{"payload":"${payloadBase64}"}}`;
}

export function markMessage(name: string): string {
  return JSON.stringify({ event: 'mark', mark: { name } });
}

export const CLEAR_MESSAGE = '{"event":"clear"}';
