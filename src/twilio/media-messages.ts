// Twilio Media Streams WebSocket messages (docs: "Media Streams - WebSocket Messages").
// Inbound `media` and `mark` are the hot path (50 per second per call each while the agent speaks):
// they are recognised and checked by hand, without a schema library; the rare control messages are
// validated with zod.
import { z } from 'zod';
import { parseJsonObject } from '../protocol/json-object.js';
import { explainIssues } from '../protocol/explain-issues.js';

// Twilio sends sequenceNumber, chunk and timestamp as strings; accept numbers too, keep numbers inside.
const numeric = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

const ConnectedSchema = z.object({ event: z.literal('connected'), protocol: z.string().optional(), version: z.string().optional() });

const StartSchema = z.object({
  event: z.literal('start'),
  sequenceNumber: numeric.optional(),
  streamSid: z.string().min(1),
  start: z.object({
    accountSid: z.string().default(''),
    streamSid: z.string().min(1),
    callSid: z.string().min(1),
    tracks: z.array(z.string()).default(['inbound']),
    mediaFormat: z
      .object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() })
      .default({ encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }),
    customParameters: z.record(z.string(), z.string()).default({}),
  }),
});

const DtmfSchema = z.object({
  event: z.literal('dtmf'),
  sequenceNumber: numeric.optional(),
  streamSid: z.string(),
  dtmf: z.object({ track: z.string().optional(), digit: z.string().regex(/^[0-9*#A-Da-dw]$/, 'one DTMF digit') }),
});

const StopSchema = z.object({
  event: z.literal('stop'),
  sequenceNumber: numeric.optional(),
  streamSid: z.string(),
  stop: z.object({ accountSid: z.string().optional(), callSid: z.string().optional() }).default({}),
});

const ControlSchema = z.discriminatedUnion('event', [ConnectedSchema, StartSchema, DtmfSchema, StopSchema]);

export type TwilioStart = z.infer<typeof StartSchema>;
export type TwilioControl = z.infer<typeof ControlSchema>;

export interface TwilioMedia {
  event: 'media';
  streamSid: string;
  sequenceNumber: number;
  track: string;
  chunk: number;
  timestamp: number;
  /** base64 mu-law, decoded lazily by whoever needs the bytes. */
  payload: string;
}

export interface TwilioMark {
  event: 'mark';
  streamSid: string;
  mark: { name: string };
}

export type TwilioInbound = TwilioControl | TwilioMedia | TwilioMark;

export type TwilioParsed =
  | { kind: 'ok'; message: TwilioInbound }
  | { kind: 'unknown'; event: string }
  | { kind: 'invalid'; reason: string };

const CONTROL_EVENTS = new Set(['connected', 'start', 'dtmf', 'stop']);

function parseMark(raw: Record<string, unknown>): TwilioParsed {
  const mark = raw.mark as Record<string, unknown> | undefined;
  if (typeof mark !== 'object' || mark === null || typeof mark.name !== 'string') return { kind: 'invalid', reason: 'mark: "mark.name" must be a string' };
  if (typeof raw.streamSid !== 'string') return { kind: 'invalid', reason: 'mark: missing "streamSid"' };
  return { kind: 'ok', message: { event: 'mark', streamSid: raw.streamSid, mark: { name: mark.name } } };
}

function parseMedia(raw: Record<string, unknown>): TwilioParsed {
  const media = raw.media as Record<string, unknown> | undefined;
  if (typeof media !== 'object' || media === null) return { kind: 'invalid', reason: 'media: missing "media" object' };
  const payload = media.payload;
  if (typeof payload !== 'string') return { kind: 'invalid', reason: 'media: "payload" must be a base64 string' };
  if (typeof raw.streamSid !== 'string') return { kind: 'invalid', reason: 'media: missing "streamSid"' };
  const timestamp = Number(media.timestamp ?? NaN);
  const chunk = Number(media.chunk ?? NaN);
  const sequenceNumber = Number(raw.sequenceNumber ?? NaN);
  return {
    kind: 'ok',
    message: {
      event: 'media',
      streamSid: raw.streamSid,
      sequenceNumber,
      track: typeof media.track === 'string' ? media.track : 'inbound',
      chunk,
      timestamp,
      payload,
    },
  };
}

export function parseTwilioMessage(text: string): TwilioParsed {
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

// ---- what the server sends (serialised by hand: media goes out 50 times a second) -------------

/** The messages of one stream, their constant parts built once: media and marks go out 50 times a second. */
export function streamMessages(streamSid: string) {
  const sid = JSON.stringify(streamSid);
  const mediaPrefix = `{"event":"media","streamSid":${sid},"media":{"payload":"`;
  const markPrefix = `{"event":"mark","streamSid":${sid},"mark":{"name":`;
  const clear = `{"event":"clear","streamSid":${sid}}`;
  return {
    media: (payloadBase64: string) => `${mediaPrefix}${payloadBase64}"}}`,
    mark: (name: string) => `${markPrefix}${JSON.stringify(name)}}}`,
    clear: () => clear,
  };
}
