// The two messages a Twilio stream sends most (`media` 50 times a second per call, the `mark` echoes
// about 10), read straight from the socket's bytes in the one compact form Twilio sends them, without
// JSON.parse. JSON.parse turned every media message into an object graph and internalised its short
// values (sequence number, chunk, timestamp: new strings every frame), which made it the largest cost
// of the bridge's own code. Every byte is checked against the form, so whatever is accepted here is
// valid JSON that JSON.parse would read the same way; anything else (another key order, whitespace,
// escapes, numbers as numbers) goes through the general parser, so nothing valid is refused.
import { parseTwilioMessage, type TwilioMark, type TwilioMedia, type TwilioParsed } from './media-messages.js';

/** Bytes allowed in a value read as is: printable ASCII but the quote and the backslash (no escapes to undo). */
const PLAIN = byteSet((b) => b >= 0x20 && b <= 0x7e && b !== 0x22 && b !== 0x5c);
const BASE64 = byteSet((b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2b || b === 0x2f || b === 0x3d);
const DIGITS = byteSet((b) => b >= 0x30 && b <= 0x39);
/** More digits than this could lose precision as a double: not Twilio's, left to the general parser. */
const MAX_DIGITS = 15;

/** A message's one accepted form: literal bytes around values, each value a run of one kind of byte. */
interface Form {
  literals: Buffer[];
  values: Uint8Array[];
}

const MEDIA = form(
  ['{"event":"media","sequenceNumber":"', DIGITS, '","media":{"track":"', PLAIN, '","chunk":"', DIGITS, '","timestamp":"', DIGITS],
  ['","payload":"', BASE64, '"},"streamSid":"', PLAIN, '"}'],
);
const MARK = form(['{"event":"mark","sequenceNumber":"', DIGITS, '","streamSid":"', PLAIN, '","mark":{"name":"', PLAIN, '"}}']);

/** Where each value of the last match starts and ends (one array for all: reading is synchronous). */
const spans = new Int32Array(16);

/** A Twilio stream message from its frame: the hot two read by hand, the rest by parseTwilioMessage. */
export function parseTwilioFrame(data: Buffer): TwilioParsed {
  const hot = readMedia(data) ?? readMark(data);
  return hot ? { kind: 'ok', message: hot } : parseTwilioMessage(data.toString('utf8'));
}

/** `{"event":"media","sequenceNumber":"N","media":{"track":"T","chunk":"N","timestamp":"N","payload":"B64"},"streamSid":"S"}` */
export function readMedia(data: Buffer): TwilioMedia | undefined {
  if (!matches(data, MEDIA)) return undefined;
  return {
    event: 'media',
    streamSid: text(data, 5),
    sequenceNumber: digitsValue(data, 0),
    track: text(data, 1),
    chunk: digitsValue(data, 2),
    timestamp: digitsValue(data, 3),
    payload: text(data, 4),
  };
}

/** `{"event":"mark","sequenceNumber":"N","streamSid":"S","mark":{"name":"NAME"}}` */
export function readMark(data: Buffer): TwilioMark | undefined {
  if (!matches(data, MARK)) return undefined;
  return { event: 'mark', streamSid: text(data, 1), mark: { name: text(data, 2) } };
}

/** Whether `data` is exactly `form`, every value at least one allowed byte; records the values' spans. */
function matches(data: Buffer, form: Form): boolean {
  let at = 0;
  for (let i = 0; i < form.literals.length; i++) {
    const literal = form.literals[i]!;
    if (at + literal.length > data.length) return false;
    for (let j = 0; j < literal.length; j++) if (data[at + j] !== literal[j]) return false;
    at += literal.length;
    const allowed = form.values[i];
    if (allowed === undefined) break;
    const from = at;
    while (at < data.length && allowed[data[at]!] === 1) at++;
    if (at === from || (allowed === DIGITS && at - from > MAX_DIGITS)) return false;
    spans[2 * i] = from;
    spans[2 * i + 1] = at;
  }
  return at === data.length;
}

function text(data: Buffer, value: number): string {
  return data.toString('latin1', spans[2 * value], spans[2 * value + 1]);
}

function digitsValue(data: Buffer, value: number): number {
  let n = 0;
  for (let i = spans[2 * value]!; i < spans[2 * value + 1]!; i++) n = n * 10 + (data[i]! - 0x30);
  return n;
}

/** Literals and value kinds, alternating, in the order they appear (in parts, to keep lines short). */
function form(...parts: Array<Array<string | Uint8Array>>): Form {
  const literals: Buffer[] = [];
  const values: Uint8Array[] = [];
  for (const part of parts.flat()) {
    if (typeof part === 'string') literals.push(Buffer.from(part, 'latin1'));
    else values.push(part);
  }
  return { literals, values };
}

function byteSet(allowed: (byte: number) => boolean): Uint8Array {
  const set = new Uint8Array(256);
  for (let b = 0; b < 256; b++) set[b] = allowed(b) ? 1 : 0;
  return set;
}
