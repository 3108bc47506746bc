// The hand reader of `media` and `mark` frames is a shortcut, never a second grammar: for every frame,
// Twilio's compact form or anything else, it must give exactly what the general parser gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTwilioFrame, readMark, readMedia } from '../../src/twilio/hot-messages.js';
import { parseTwilioMessage } from '../../src/twilio/media-messages.js';

const SID = 'MZ18ad3ab5a668481ce02b83e7395059f0';

function media(seq: number | string, chunk: number | string, timestamp: number | string, payload: string, track = 'inbound', sid = SID): string {
  return (
    `{"event":"media","sequenceNumber":"${seq}","media":{"track":"${track}","chunk":"${chunk}",` +
    `"timestamp":"${timestamp}","payload":"${payload}"},"streamSid":"${sid}"}`
  );
}

function mark(seq: number, name: string, sid = SID): string {
  return `{"event":"mark","sequenceNumber":"${seq}","streamSid":"${sid}","mark":{"name":${JSON.stringify(name)}}}`;
}

const general = (text: string) => parseTwilioMessage(text);
const frame = (text: string) => parseTwilioFrame(Buffer.from(text, 'utf8'));

test("Twilio's compact media and mark frames are read by hand, with the general parser's result", () => {
  const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) & 0xff)).toString('base64');
  const m = media(3, 1, 20, payload);
  assert.ok(readMedia(Buffer.from(m)), 'the media frame takes the hand path');
  assert.deepEqual(frame(m), general(m));
  assert.deepEqual(frame(m), {
    kind: 'ok',
    message: { event: 'media', streamSid: SID, sequenceNumber: 3, track: 'inbound', chunk: 1, timestamp: 20, payload },
  });
  const k = mark(9, 'g0.12.end');
  assert.ok(readMark(Buffer.from(k)), 'the mark echo takes the hand path');
  assert.deepEqual(frame(k), { kind: 'ok', message: { event: 'mark', streamSid: SID, mark: { name: 'g0.12.end' } } });
});

test('frames outside the compact form fall through to the general parser and get its answer', () => {
  const cases = [
    media(3, 1, 20, 'AAAA').replace('{"event"', '{ "event"'), // whitespace
    media(3, 1, 20, 'AA\\/A'), // an escaped slash in base64
    media(3, 1, 20, 'AAAA').replace('"chunk":"1"', '"chunk":1'), // a number, not a string
    media('', 1, 20, 'AAAA'), // empty sequence number
    media(3, 1, 20, ''), // empty payload
    media(3, 1, 20, 'AAAA', 'inbound', 'MZ"x'), // a quote inside the sid breaks the JSON
    media(3, 1, 20, 'AAAA') + ' ', // trailing bytes
    media(3, 1, 20, 'AAAA').slice(0, -1), // truncated
    media('1234567890123456', 1, 20, 'AAAA'), // too many digits to read as a double without loss
    mark(4, 'caf\u00e9'), // not plain ASCII
    mark(4, 'a"b'), // escaped quote
    '{"event":"mark","streamSid":"MZ1","mark":{"name":"x"}}', // no sequence number
    '{"event":"media"}',
    '{"event":"stop","sequenceNumber":"5","streamSid":"MZ1","stop":{}}',
    'not json',
  ];
  for (const text of cases) {
    assert.equal(readMedia(Buffer.from(text)) ?? readMark(Buffer.from(text)), undefined, `hand path refused: ${text}`);
    assert.deepEqual(frame(text), general(text), text);
  }
});

test('any frame near the compact form, mutated byte by byte, is read as the general parser reads it', () => {
  const base = fc.oneof(
    fc
      .tuple(fc.nat(99999), fc.nat(99999), fc.nat(9999999), fc.base64String({ minLength: 4, maxLength: 64 }), fc.constantFrom('inbound', 'outbound', 'x'))
      .map(([s, c, t, p, track]) => media(s, c, t, p, track)),
    fc.tuple(fc.nat(99999), fc.string({ minLength: 1, maxLength: 12 })).map(([s, name]) => mark(s, name)),
  );
  const mutated = fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })).map(([text, edits]) => {
    const bytes = Buffer.from(text, 'utf8');
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    return bytes;
  });
  fc.assert(
    fc.property(mutated, (bytes) => {
      assert.deepEqual(parseTwilioFrame(bytes), parseTwilioMessage(bytes.toString('utf8')));
    }),
    { numRuns: 3000 },
  );
});
