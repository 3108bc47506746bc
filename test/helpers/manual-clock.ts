// A clock that moves only when a test says so: timers fire in order as time is advanced, with the
// event loop settled between them, so what they trigger (socket writes included) has run.
import { setImmediate as settle } from 'node:timers/promises';
import type { Clock } from '../../src/domain/clock.js';

export class ManualClock implements Clock {
  #now: number;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, earliest first. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
    await settle();
  }
}
