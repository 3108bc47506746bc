// The leg's own playout clock: agent audio leaves in 20 ms frames on an absolute schedule, checkpoints
// are reported when the audio before them has had its time, and a clear stops at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealTimePacer } from '../../src/audiosocket/pacer.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { randomBytes } from '../helpers/bridge-harness.js';

function pacer(clock: ManualClock) {
  const frames: Array<{ at: number; bytes: Buffer }> = [];
  const played: Array<{ at: number; name: string }> = [];
  const p = new RealTimePacer(clock, { frame: (bytes) => frames.push({ at: clock.now(), bytes }), played: (name) => played.push({ at: clock.now(), name }) });
  return { p, frames, played };
}

test('a second of audio given at once leaves as fifty 20 ms frames, one every 20 ms from now, in order', async () => {
  const clock = new ManualClock(1000);
  const { p, frames, played } = pacer(clock);
  const audio = randomBytes(8000, 4);
  p.audio(audio.subarray(0, 3000));
  p.checkpoint('a');
  p.audio(audio.subarray(3000));
  p.checkpoint('b');
  await clock.advance(2000);
  assert.equal(frames.length, 50);
  assert.deepEqual(frames.map((f) => f.at), Array.from({ length: 50 }, (_, i) => 1000 + i * 20));
  assert.ok(frames.every((f) => f.bytes.length === 160));
  assert.deepEqual(Buffer.concat(frames.map((f) => f.bytes)), audio);
  // 'a' follows byte 3000, inside frame 18 (sent at 1360): heard when that frame's 20 ms are up.
  assert.deepEqual(played, [
    { at: 1380, name: 'a' },
    { at: 2000, name: 'b' },
  ]);
});

test('the schedule does not drift: late timers do not push later frames back', async () => {
  const clock = new ManualClock(0);
  const { p, frames } = pacer(clock);
  // Fire each timer 7 ms late, as a busy event loop would.
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => setTimeout(fn, ms + 7);
  p.audio(randomBytes(1600));
  await clock.advance(1000);
  assert.deepEqual(frames.map((f) => f.at), [7, 27, 47, 67, 87, 107, 127, 147, 167, 187]);
});

test('audio that arrives while the last frame still plays joins the schedule without overlapping it', async () => {
  const clock = new ManualClock(0);
  const { p, frames, played } = pacer(clock);
  p.audio(randomBytes(160));
  await clock.advance(5);
  p.audio(randomBytes(160));
  p.checkpoint('end');
  await clock.advance(100);
  assert.deepEqual(frames.map((f) => f.at), [0, 20]);
  assert.deepEqual(played, [{ at: 40, name: 'end' }]);
  // After a pause, the schedule starts again from now.
  await clock.advance(1000);
  p.audio(randomBytes(80));
  p.checkpoint('short');
  await clock.advance(100);
  assert.deepEqual(frames.map((f) => [f.at, f.bytes.length]), [[0, 160], [20, 160], [1105, 80]]);
  assert.deepEqual(played.at(-1), { at: 1115, name: 'short' });
});

test('a checkpoint with nothing before it is reported on the next tick, never from inside the call that set it', async () => {
  const clock = new ManualClock(0);
  const { p, played } = pacer(clock);
  p.checkpoint('empty');
  assert.equal(played.length, 0);
  await clock.advance(0);
  assert.deepEqual(played, [{ at: 0, name: 'empty' }]);
});

test('clear stops at once: nothing more is sent and pending checkpoints are never reported', async () => {
  const clock = new ManualClock(0);
  const { p, frames, played } = pacer(clock);
  p.audio(randomBytes(1600));
  p.checkpoint('cut');
  await clock.advance(50);
  assert.equal(frames.length, 3);
  p.clear();
  assert.equal(p.queuedBytes, 0);
  await clock.advance(1000);
  assert.equal(frames.length, 3);
  assert.equal(played.length, 0);
  p.audio(randomBytes(160));
  p.checkpoint('next');
  await clock.advance(100);
  assert.equal(frames.length, 4);
  assert.deepEqual(played.map((x) => x.name), ['next']);
});

test('after a stall the pacer starts again from now instead of bursting the missed frames', async () => {
  const clock = new ManualClock(0);
  const { p, frames } = pacer(clock);
  p.audio(randomBytes(1600));
  const setTimeout = clock.setTimeout.bind(clock);
  let stalled = false;
  clock.setTimeout = (fn, ms) => setTimeout(fn, !stalled && frames.length === 2 ? ((stalled = true), ms + 200) : ms);
  await clock.advance(1000);
  // The third frame was due at 40 but its timer fired at 240.
  assert.deepEqual(frames.map((f) => f.at), [0, 20, 240, 260, 280, 300, 320, 340, 360, 380]);
});
