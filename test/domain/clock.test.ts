// Node fires timers by a millisecond loop clock that can run ahead of performance.now(): the hang-up
// grace period once found its timer "not yet due" and waited 30 s for the hard stop. The system clock
// must never call back before the time it was asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/domain/clock.js';

test('a system clock timer never fires before its deadline, by the clock it was set on', async () => {
  const early: number[] = [];
  await Promise.all(
    Array.from({ length: 400 }, (_, i) => {
      const ms = 1 + (i % 25) + (i % 7) / 10;
      const due = systemClock.now() + ms;
      return new Promise<void>((resolve) =>
        systemClock.setTimeout(() => {
          const now = systemClock.now();
          if (now < due) early.push(due - now);
          resolve();
        }, ms),
      );
    }),
  );
  assert.deepEqual(early, [], 'timers that fired early, by ms');
});

test('a cleared system clock timer never fires', async () => {
  let fired = 0;
  const handles = Array.from({ length: 50 }, () => systemClock.setTimeout(() => fired++, 20));
  handles.forEach((h) => systemClock.clearTimeout(h));
  systemClock.clearTimeout(undefined);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(fired, 0);
});
