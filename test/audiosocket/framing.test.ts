// AudioSocket's framing and sample format, byte by byte, as Asterisk's res_audiosocket writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HANGUP_MESSAGE, MessageReader, encodeMessage, uuidBytes, uuidString } from '../../src/audiosocket/framing.js';
import { mulawToSlin, slinToMulaw } from '../../src/audiosocket/slin.js';
import { mulawDecode, mulawEncode } from '../../src/audio/mulaw.js';
import { randomBytes } from '../helpers/bridge-harness.js';

test('messages are a kind byte, a big-endian length and the payload; the hangup is 00 00 00', () => {
  assert.deepEqual([...encodeMessage(0x10, Buffer.from([1, 2, 3, 4]))], [0x10, 0x00, 0x04, 1, 2, 3, 4]);
  assert.deepEqual([...encodeMessage(0x10, Buffer.alloc(320))].slice(0, 3), [0x10, 0x01, 0x40]);
  assert.deepEqual([...HANGUP_MESSAGE], [0, 0, 0]);
});

test('the UUID travels as its 16 raw bytes and reads back in canonical form', () => {
  const uuid = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const bytes = uuidBytes(uuid)!;
  assert.equal(bytes.toString('hex'), '0f1e2d3c4b5a69788796a5b4c3d2e1f0');
  assert.equal(uuidString(bytes), uuid);
  assert.equal(uuidString(uuidBytes(uuid.toUpperCase())!), uuid);
  assert.equal(uuidBytes('not-a-uuid'), undefined);
});

test('the reader reassembles messages from any chunking of the stream', () => {
  const stream = Buffer.concat([
    encodeMessage(0x01, Buffer.alloc(16, 7)),
    encodeMessage(0x10, randomBytes(320, 2)),
    encodeMessage(0x03, Buffer.from('5')),
    encodeMessage(0x10, randomBytes(320, 3)),
    HANGUP_MESSAGE,
  ]);
  const whole: Array<[number, string]> = [];
  assert.equal(new MessageReader(() => undefined).push(stream, (k, p) => whole.push([k, p.toString('hex')])), undefined);
  assert.deepEqual(whole.map(([k]) => k), [0x01, 0x10, 0x03, 0x10, 0x00]);
  for (const size of [1, 2, 3, 5, 17, 160, 333]) {
    const reader = new MessageReader(() => undefined);
    const got: Array<[number, string]> = [];
    for (let at = 0; at < stream.length; at += size) reader.push(stream.subarray(at, at + size), (k, p) => got.push([k, p.toString('hex')]));
    assert.deepEqual(got, whole, `chunks of ${size} bytes`);
    assert.equal(reader.pendingBytes, 0);
  }
});

test('the reader judges a header before its payload arrives, and reads nothing after a refusal', () => {
  const reader = new MessageReader((kind, length) => (length > 100 ? `too long: ${length}` : undefined));
  const seen: number[] = [];
  assert.equal(reader.push(Buffer.from([0x10, 0x00, 0x02, 1, 2, 0x10, 0xff, 0xff]), (k) => seen.push(k)), 'too long: 65535');
  assert.deepEqual(seen, [0x10], 'the message before the bad header was delivered');
  assert.equal(reader.pendingBytes, 0, 'nothing of the refused message is kept');
  assert.equal(reader.push(encodeMessage(0x10, Buffer.alloc(2)), (k) => seen.push(k)), undefined);
  assert.deepEqual(seen, [0x10], 'a stopped reader ignores what follows');
});

test('slin is 16-bit little-endian: mu-law out converts exactly, slin in encodes exactly', () => {
  const mulaw = randomBytes(160, 9);
  const slin = mulawToSlin(mulaw);
  assert.equal(slin.length, 320);
  const decoded = mulawDecode(mulaw);
  for (let i = 0; i < 160; i++) assert.equal(slin.readInt16LE(i * 2), decoded[i]);
  assert.deepEqual(slinToMulaw(slin), Buffer.from(mulawEncode(decoded)));
  // A payload at an odd offset of its chunk (after a 3-byte header) converts the same.
  const framed = Buffer.concat([Buffer.from([0x10, 0x01, 0x40]), slin]);
  assert.deepEqual(slinToMulaw(framed.subarray(3)), slinToMulaw(slin));
  const samples = new Int16Array([0, 1, -1, 32767, -32768, 1000, -1000]);
  const le = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => le.writeInt16LE(s, i * 2));
  assert.deepEqual(slinToMulaw(le), Buffer.from(mulawEncode(samples)));
});
