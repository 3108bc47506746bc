// Agent audio on the wire, under a manual clock: sent a bounded distance ahead of real time, held back
// while the socket is full (a slow client), and dropped at once on abort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentAudioOut } from '../../src/engine/agent-audio-out.js';
import { ManualClock } from '../helpers/manual-clock.js';

function setup(buffered = () => 0) {
  const clock = new ManualClock();
  const frames: Uint8Array[] = [];
  // mulaw 8 kHz: 8 bytes per ms, 160-byte frames; 100 ms of lead.
  const out = new AgentAudioOut({ sendBinary: (b) => frames.push(b), bufferedAmount: buffered }, 8, clock, {
    frameMs: 20,
    leadMs: 100,
    maxBufferedBytes: 1000,
  });
  return { clock, frames, out };
}

test('sends at most the lead ahead of real time, then keeps pace', async () => {
  const { clock, frames, out } = setup();
  const done = out.write(new Uint8Array(8000), new AbortController().signal);
  await clock.advance(0);
  assert.equal(frames.length, 6, 'the lead (100 ms) and the frame that crosses it');
  await clock.advance(500);
  assert.ok(frames.length >= 29 && frames.length <= 32, `${frames.length} frames after 500 ms`);
  await clock.advance(1000);
  await done;
  assert.equal(frames.length, 50);
  assert.ok(frames.every((f) => f.length === 160));
});

test('a client that does not read holds sending back instead of filling memory', async () => {
  let buffered = 5000;
  const { clock, frames, out } = setup(() => buffered);
  const done = out.write(new Uint8Array(1600), new AbortController().signal);
  await clock.advance(1000);
  assert.equal(frames.length, 0);
  buffered = 0;
  await clock.advance(1000);
  await done;
  assert.equal(frames.length, 10);
});

test('abort stops sending at once and drops what was not sent', async () => {
  const { clock, frames, out } = setup();
  const controller = new AbortController();
  const done = out.write(new Uint8Array(8000), controller.signal);
  await clock.advance(0);
  const sent = frames.length;
  controller.abort(new Error('barge-in'));
  out.discard();
  await assert.rejects(done, /barge-in/);
  await clock.advance(2000);
  assert.equal(frames.length, sent);
});
