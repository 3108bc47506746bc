// The agent asked to end the call: wait until its goodbye has been heard. A goodbye may start a moment
// after the request (the agent says it after calling end_call), so nothing ends before a grace period;
// a reply that never finishes playing is bounded by a hard stop.
import type { Clock } from '../domain/clock.js';
import type { CallOutcome } from '../domain/call.js';

export const DEFAULT_HANGUP_GRACE_MS = 1500;
const PLAYBACK_NOT_CONFIRMED_MS = 30_000;

export interface HangUpAfterPlaybackOptions {
  clock: Clock;
  graceMs?: number;
  /** Nothing is being said or waits to be played. */
  allHeard(): boolean;
  hangUp(outcome: CallOutcome, reason: string): void;
}

export class HangUpAfterPlayback {
  readonly #opts: HangUpAfterPlaybackOptions;
  readonly #graceMs: number;
  #requestedAt: number | undefined;
  /** Set by the grace timer itself: a timer may fire a millisecond before the clock says the grace is over. */
  #graceOver = false;
  #outcome: CallOutcome = 'agent_hangup';
  #timer: unknown;
  #cancelled = false;

  constructor(options: HangUpAfterPlaybackOptions) {
    this.#opts = options;
    this.#graceMs = options.graceMs ?? DEFAULT_HANGUP_GRACE_MS;
  }

  /** Returns false when a hang-up was already requested. `outcome`: what the call's record will say. */
  request(reason: string, outcome: CallOutcome = 'agent_hangup'): boolean {
    if (this.#requestedAt !== undefined) return false;
    const { clock } = this.#opts;
    this.#requestedAt = clock.now();
    this.#outcome = outcome;
    this.#timer = clock.setTimeout(() => {
      this.#graceOver = true;
      this.check();
      if (this.#cancelled) return; // the check hung up
      this.#timer = clock.setTimeout(() => this.#opts.hangUp(this.#outcome, `${reason} (playback not confirmed)`), PLAYBACK_NOT_CONFIRMED_MS);
    }, this.#graceMs);
    return true;
  }

  /** Call whenever playback may have finished: hangs up if it is time. */
  check(): void {
    if (this.#requestedAt === undefined) return;
    const graceOver = this.#graceOver || this.#opts.clock.now() - this.#requestedAt >= this.#graceMs;
    if (graceOver && this.#opts.allHeard()) this.#opts.hangUp(this.#outcome, 'the call ended after its goodbye was heard');
  }

  cancel(): void {
    this.#cancelled = true;
    this.#opts.clock.clearTimeout(this.#timer);
  }
}

/**
 * Waits, each resolved once what the agent is saying has been heard, by the same rule as the hang-up
 * (a grace period for more to start, then nothing left to play): a warm transfer's hold waits for its
 * announcement this way.
 */
export class HeardWaits {
  readonly #waits = new Map<HangUpAfterPlayback, () => void>();
  readonly #options: Omit<HangUpAfterPlaybackOptions, 'hangUp'>;

  constructor(options: Omit<HangUpAfterPlaybackOptions, 'hangUp'>) {
    this.#options = options;
  }

  wait(): Promise<void> {
    return new Promise((resolve) => {
      const wait: HangUpAfterPlayback = new HangUpAfterPlayback({ ...this.#options, hangUp: () => this.#release(wait, resolve) });
      this.#waits.set(wait, () => this.#release(wait, resolve));
      wait.request('heard');
    });
  }

  /** Playback may have finished. */
  check(): void {
    for (const wait of this.#waits.keys()) wait.check();
  }

  /** The call ended: nothing more will be heard. */
  releaseAll(): void {
    for (const release of this.#waits.values()) release();
  }

  #release(wait: HangUpAfterPlayback, resolve: () => void): void {
    wait.cancel();
    this.#waits.delete(wait);
    resolve();
  }
}
