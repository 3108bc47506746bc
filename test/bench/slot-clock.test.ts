// The shared clock of the load generators: every member once a frame, in its own slot, and after a
// stall the missed slots are made up (so the offered load stays real time) and reported as lag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FRAME_MS, monoMs } from '../../src/bench/frame-stamp.js';
import { SlotClock } from '../../src/bench/slot-clock.js';

function clockOf(members: number) {
  const serviced = new Array<number>(members).fill(0);
  const order: number[] = [];
  const clock = new SlotClock<number>((m) => {
    serviced[m]!++;
    order.push(m);
  });
  for (let m = 0; m < members; m++) clock.add(m, m);
  return { clock, serviced, order };
}

test('slot clock: each member once a frame, consecutive indices in consecutive slots', async () => {
  const { clock, serviced, order } = clockOf(20);
  clock.start();
  clock.start(); // a second start (a later phase) must not restart the schedule
  await sleep(FRAME_MS * 5 + FRAME_MS / 2);
  clock.stop();
  const frames = Math.max(...serviced);
  assert.ok(frames >= 4 && frames <= 12, `frames ${frames}`);
  for (const n of serviced) assert.ok(frames - n <= 1, `uneven service ${serviced.join(',')}`);
  assert.deepEqual(order.slice(0, 4), [0, 10, 1, 11]);
  const after = order.length;
  await sleep(FRAME_MS * 2);
  assert.equal(order.length, after, 'serviced after stop');
});

test('slot clock: a stall is caught up and counted as late ticks and lag', async () => {
  const { clock, serviced } = clockOf(10);
  clock.start();
  const stallMs = FRAME_MS * 3;
  const until = monoMs() + stallMs;
  while (monoMs() < until); // block the event loop, as a busy load generator would
  await sleep(FRAME_MS / 2);
  clock.stop();
  // Every slot due during the stall still ran: about 3.5 frames' worth for each member.
  for (const n of serviced) assert.ok(n >= 3, `serviced ${serviced.join(',')}`);
  assert.ok(clock.lateTicks > 0, `late ticks ${clock.lateTicks}`);
  assert.ok(clock.maxTickLagMs >= stallMs - FRAME_MS, `max lag ${clock.maxTickLagMs}`);
});
