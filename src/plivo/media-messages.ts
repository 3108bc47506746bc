// Plivo's audio stream messages (plivo.com audio-streaming reference; plivo-stream-sdk-node types).
// Plivo sends start, media, dtmf, playedStream and clearedAudio, with numeric counters, camelCase ids
// and a snake_case `extra_headers`; there is no `connected` and no `stop`: the socket simply closes.
// Inbound `media` and `playedStream` are the hot path: checked by hand; the rare control messages
// are validated with zod.
import { z } from 'zod';
import { parseJsonObject } from '../protocol/json-object.js';
import { explainIssues } from '../protocol/explain-issues.js';

const StartSchema = z.object({
  event: z.literal('start'),
  start: z.object({
    callId: z.string().min(1),
    streamId: z.string().min(1),
    accountId: z.string().default(''),
    tracks: z.array(z.string()).default(['inbound']),
    // Required: Plivo's default is L16, so a stream that does not say what it carries is not assumed to be mu-law.
    mediaFormat: z.object({ encoding: z.string(), sampleRate: z.number() }),
  }),
  /** The <Stream extraHeaders> as one string: `k=v` pairs separated by `;` (the docs' example) or `,` (the XML's syntax). */
  extra_headers: z.string().default(''),
});

const DtmfSchema = z.object({
  event: z.literal('dtmf'),
  streamId: z.string(),
  dtmf: z.object({ digit: z.string().regex(/^[0-9*#A-D]$/, 'one DTMF digit (0-9, *, #, A-D)') }),
});

const ClearedAudioSchema = z.object({ event: z.literal('clearedAudio'), streamId: z.string() });

const ControlSchema = z.discriminatedUnion('event', [StartSchema, DtmfSchema, ClearedAudioSchema]);
const CONTROL_EVENTS = new Set(['start', 'dtmf', 'clearedAudio']);

export type PlivoStart = z.infer<typeof StartSchema>;
export type PlivoControl = z.infer<typeof ControlSchema>;

export interface PlivoMedia {
  event: 'media';
  streamId: string;
  track: string;
  /** ms: Unix time per Plivo's reference, from the stream's start per its SDK; only differences are used. */
  timestamp: number;
  /** base64 mu-law, decoded by whoever needs the bytes. */
  payload: string;
}

export interface PlivoPlayed {
  event: 'playedStream';
  streamId: string;
  name: string;
}

export type PlivoInbound = PlivoControl | PlivoMedia | PlivoPlayed;

export type PlivoParsed = { kind: 'ok'; message: PlivoInbound } | { kind: 'unknown'; event: string } | { kind: 'invalid'; reason: string };

function parseMedia(raw: Record<string, unknown>): PlivoParsed {
  const media = raw.media as Record<string, unknown> | undefined;
  if (typeof media !== 'object' || media === null) return { kind: 'invalid', reason: 'media: missing "media" object' };
  if (typeof media.payload !== 'string') return { kind: 'invalid', reason: 'media: "payload" must be a base64 string' };
  if (typeof raw.streamId !== 'string') return { kind: 'invalid', reason: 'media: missing "streamId"' };
  const track = typeof media.track === 'string' ? media.track : 'inbound';
  return { kind: 'ok', message: { event: 'media', streamId: raw.streamId, track, timestamp: Number(media.timestamp ?? NaN), payload: media.payload } };
}

function parsePlayed(raw: Record<string, unknown>): PlivoParsed {
  if (typeof raw.name !== 'string') return { kind: 'invalid', reason: 'playedStream: "name" must be a string' };
  if (typeof raw.streamId !== 'string') return { kind: 'invalid', reason: 'playedStream: missing "streamId"' };
  return { kind: 'ok', message: { event: 'playedStream', streamId: raw.streamId, name: raw.name } };
}

export function parsePlivoMessage(text: string): PlivoParsed {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const raw = parsed.value;
  const event = raw.event;
  if (typeof event !== 'string') return { kind: 'invalid', reason: 'missing "event"' };
  if (event === 'media') return parseMedia(raw);
  // One of Plivo's support articles names the acknowledgement `played`; its docs and SDKs say `playedStream`.
  if (event === 'playedStream' || event === 'played') return parsePlayed(raw);
  if (!CONTROL_EVENTS.has(event)) return { kind: 'unknown', event };
  const r = ControlSchema.safeParse(raw);
  if (r.success) return { kind: 'ok', message: r.data };
  return { kind: 'invalid', reason: `${event}: ${explainIssues(r.error).replaceAll('\n', '; ')}` };
}

/** `k=v;k2=v2` (or with commas) as a record; a pair without `=` is ignored. */
export function parseExtraHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(/[;,]/)) {
    const at = pair.indexOf('=');
    if (at > 0) headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return headers;
}

// ---- what the server sends (serialised by hand: audio goes out 50 times a second) -------------

/** Raw mu-law at 8 kHz, as the stream's contentType says: Plivo's FAQ warns against switching formats mid-stream. */
export function playAudioMessage(payloadBase64: string): string {
  return `{"event":"playAudio","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"${payloadBase64}"}}`;
}

export function checkpointMessage(streamId: string, name: string): string {
  return JSON.stringify({ event: 'checkpoint', streamId, name });
}

export function clearAudioMessage(streamId: string): string {
  return JSON.stringify({ event: 'clearAudio', streamId });
}
