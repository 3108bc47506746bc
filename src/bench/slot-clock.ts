// The one timer behind a load generator's thousand calls. A timer per call would cost a thousand
// timers and put every call in phase; real callers are spread over the 20 ms frame period, so the
// period is split into slots and each member is serviced in its own slot, once a frame.
import { FRAME_MS, monoMs } from './frame-stamp.js';

const SLOTS = 10;
const SLOT_MS = FRAME_MS / SLOTS;

export class SlotClock<T> {
  readonly #slots: T[][] = Array.from({ length: SLOTS }, () => []);
  readonly #service: (member: T) => void;
  #start = 0;
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  #lateTicks = 0;
  #maxTickLagMs = 0;

  constructor(service: (member: T) => void) {
    this.#service = service;
  }

  /** The slot follows from the call's index, so consecutive calls land in different slots and the load is even. */
  add(index: number, member: T): void {
    this.#slots[index % SLOTS]!.push(member);
  }

  /** Starts ticking from now; while already running, the schedule is left as it is. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#start = monoMs();
    this.#tick = 0;
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Slots serviced more than a whole frame late: the load generator's own health, not the server's. */
  get lateTicks(): number {
    return this.#lateTicks;
  }

  get maxTickLagMs(): number {
    return this.#maxTickLagMs;
  }

  #due(): number {
    return this.#start + this.#tick * SLOT_MS;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(0, this.#due() - monoMs()));
  }

  // Every slot that has come due runs, however late: skipping them after a stall would lower the
  // frame rate the server sees, and the stall is reported as lag instead.
  #onTimer(): void {
    const now = monoMs();
    for (let due = this.#due(); due <= now; due = this.#due()) {
      const lag = now - due;
      if (lag > FRAME_MS) this.#lateTicks++;
      if (lag > this.#maxTickLagMs) this.#maxTickLagMs = lag;
      for (const member of this.#slots[this.#tick % SLOTS]!) this.#service(member);
      this.#tick++;
    }
    this.#schedule();
  }
}
