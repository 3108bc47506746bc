// SignalWire's bidirectional cXML stream messages (developer.signalwire.com, cXML <Stream>). The
// protocol is Twilio's Media Streams with differences that matter here: ids are UUIDs, `media` and
// `stop` carry no streamSid (the stream's id comes from `start` only), `dtmf` is {digit, duration}
// and counters are strings. Inbound `media` and `mark` are the hot path (50 a second each while the
// agent speaks): checked by hand; the rare control messages are validated with zod.
import { z } from 'zod';
import { parseJsonObject } from '../protocol/json-object.js';
import { explainIssues } from '../protocol/explain-issues.js';

const ConnectedSchema = z.object({ event: z.literal('connected'), protocol: z.string().optional(), version: z.string().optional() });

const StartSchema = z.object({
  event: z.literal('start'),
  start: z.object({
    streamSid: z.string().min(1),
    callSid: z.string().min(1),
    accountSid: z.string().default(''),
    tracks: z.array(z.string()).default(['inbound']),
    mediaFormat: z
      .object({ encoding: z.string(), sampleRate: z.number(), channels: z.number().optional() })
      .default({ encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }),
    // Present only when the cXML gave <Parameter>s.
    customParameters: z.record(z.string(), z.string()).default({}),
  }),
});

const DtmfSchema = z.object({
  event: z.literal('dtmf'),
  streamSid: z.string().optional(),
  dtmf: z.object({ digit: z.string().regex(/^[0-9*#A-D]$/, 'one DTMF digit (0-9, *, #, A-D)'), duration: z.number().optional() }),
});

const StopSchema = z.object({ event: z.literal('stop') });

const ControlSchema = z.discriminatedUnion('event', [ConnectedSchema, StartSchema, DtmfSchema, StopSchema]);
const CONTROL_EVENTS = new Set(['connected', 'start', 'dtmf', 'stop']);

export type SignalWireStart = z.infer<typeof StartSchema>;
export type SignalWireControl = z.infer<typeof ControlSchema>;

export interface SignalWireMedia {
  event: 'media';
  /** Not sent by SignalWire on media; checked only when present. */
  streamSid: string | undefined;
  track: string;
  /** ms from the start of the stream. */
  timestamp: number;
  /** base64 mu-law, decoded by whoever needs the bytes. */
  payload: string;
}

export interface SignalWireMark {
  event: 'mark';
  streamSid: string | undefined;
  name: string;
}

export type SignalWireInbound = SignalWireControl | SignalWireMedia | SignalWireMark;

export type SignalWireParsed = { kind: 'ok'; message: SignalWireInbound } | { kind: 'unknown'; event: string } | { kind: 'invalid'; reason: string };

function optionalStreamSid(raw: Record<string, unknown>): string | undefined | false {
  const sid = raw.streamSid;
  if (sid === undefined) return undefined;
  return typeof sid === 'string' ? sid : false;
}

function parseMedia(raw: Record<string, unknown>): SignalWireParsed {
  const media = raw.media as Record<string, unknown> | undefined;
  if (typeof media !== 'object' || media === null) return { kind: 'invalid', reason: 'media: missing "media" object' };
  if (typeof media.payload !== 'string') return { kind: 'invalid', reason: 'media: "payload" must be a base64 string' };
  const streamSid = optionalStreamSid(raw);
  if (streamSid === false) return { kind: 'invalid', reason: 'media: "streamSid" must be a string' };
  const track = typeof media.track === 'string' ? media.track : 'inbound';
  return { kind: 'ok', message: { event: 'media', streamSid, track, timestamp: Number(media.timestamp ?? NaN), payload: media.payload } };
}

function parseMark(raw: Record<string, unknown>): SignalWireParsed {
  const mark = raw.mark as Record<string, unknown> | undefined;
  if (typeof mark !== 'object' || mark === null || typeof mark.name !== 'string') return { kind: 'invalid', reason: 'mark: "mark.name" must be a string' };
  const streamSid = optionalStreamSid(raw);
  if (streamSid === false) return { kind: 'invalid', reason: 'mark: "streamSid" must be a string' };
  return { kind: 'ok', message: { event: 'mark', streamSid, name: mark.name } };
}

export function parseSignalWireMessage(text: string): SignalWireParsed {
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

export function mediaMessage(streamSid: string, payloadBase64: string): string {
  return `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"${payloadBase64}"}}`;
}

export function markMessage(streamSid: string, name: string): string {
  return JSON.stringify({ event: 'mark', streamSid, mark: { name } });
}

export function clearMessage(streamSid: string): string {
  return JSON.stringify({ event: 'clear', streamSid });
}
