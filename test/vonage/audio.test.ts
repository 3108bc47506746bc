// The L16 <-> mu-law converters of the Vonage leg: sizes, chunking invariance, padding, fidelity, and
// their per-frame cost (reported, not asserted: the test machines are shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulawDecode } from '../../src/audio/mulaw.js';
import { AgentAudioEncoder, CallerAudioDecoder, rateOfContentType, vonageFrameBytes } from '../../src/vonage/l16-audio.js';
import { randomBytes } from '../helpers/bridge-harness.js';
import { l16Frames } from './harness.js';

test('content types and frame sizes', () => {
  assert.equal(rateOfContentType('audio/l16;rate=16000'), 16000);
  assert.equal(rateOfContentType('audio/L16; rate=8000'), 8000);
  assert.equal(rateOfContentType('audio/l16;rate=24000'), 24000);
  assert.equal(rateOfContentType('audio/l16;rate=44100'), undefined);
  assert.equal(rateOfContentType('audio/pcmu;rate=8000'), undefined);
  assert.deepEqual([8000, 16000, 24000].map((r) => vonageFrameBytes(r as 8000)), [320, 640, 960]);
});

test('caller audio: every 20 ms message becomes one 160-byte mu-law frame at 8, 16 and 24 kHz, and a tone survives', () => {
  for (const rate of [8000, 16000, 24000] as const) {
    const decoder = new CallerAudioDecoder(rate);
    const frames = l16Frames(25, rate).map((f) => decoder.decode(f));
    assert.ok(frames.every((f) => f.length === 160), `${rate}: ${frames.map((f) => f.length)}`);
    // The 440 Hz tone (amplitude 8000) comes through at about its level: nothing aliased or lost.
    const samples = mulawDecode(Buffer.concat(frames.slice(5)));
    const rms = Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / samples.length);
    assert.ok(rms > 4500 && rms < 7000, `${rate}: rms ${rms}`);
  }
});

test('agent audio: the messages do not depend on how the mu-law is chunked; flush pads the last one with silence', () => {
  const audio = randomBytes(8000, 11); // one second
  const whole = new AgentAudioEncoder(16000);
  const once = [...whole.push(audio), whole.flush()!];
  const pieces = new AgentAudioEncoder(16000);
  const chunked: Buffer[] = [];
  for (let offset = 0, size = 1; offset < audio.length; offset += size, size = (size * 7) % 997 || 1) {
    chunked.push(...pieces.push(audio.subarray(offset, offset + size)));
  }
  chunked.push(pieces.flush()!);
  assert.ok(once.every((f) => f.length === 640));
  assert.equal(once.length, 50);
  assert.ok(Buffer.concat(chunked).equals(Buffer.concat(once)));
  assert.ok(once.at(-1)!.subarray(-4).equals(Buffer.alloc(4)), 'the two samples the resampler still holds are padded as silence');
  assert.equal(whole.flush(), undefined, 'nothing left after a flush');

  const reset = new AgentAudioEncoder(16000);
  reset.push(randomBytes(100, 1));
  assert.ok(reset.partialBytes > 0);
  reset.reset();
  assert.equal(reset.partialBytes, 0);
  const fresh = new AgentAudioEncoder(16000);
  assert.ok(Buffer.concat(reset.push(audio)).equals(Buffer.concat(fresh.push(audio))), 'after a reset, as good as new');
});
