// The conversations of calls just handed to staff, by CallSid: when nobody answers a warm transfer the
// caller comes back on a new stream, and its agent is given the conversation so far. Kept briefly and
// bounded: a transfer that is answered never asks for its conversation back.
import type { Clock } from '../domain/clock.js';
import type { HistoryItem } from '../agent/settings.js';

/** Longer than any transfer rings (Twilio stops ringing after 600 s at most). */
const KEEP_MS = 15 * 60_000;
const MAX_KEPT = 1000;

export class HandedOffConversations {
  readonly #byCall = new Map<string, { at: number; history: readonly HistoryItem[] }>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  keep(callSid: string, history: readonly HistoryItem[]): void {
    const now = this.#clock.now();
    for (const [sid, kept] of this.#byCall) if (now - kept.at > KEEP_MS) this.#byCall.delete(sid);
    if (this.#byCall.size >= MAX_KEPT) this.#byCall.delete(this.#byCall.keys().next().value!);
    this.#byCall.set(callSid, { at: now, history: [...history] });
  }

  /** The conversation of a call handed off within the last few minutes, once. */
  take(callSid: string): readonly HistoryItem[] | undefined {
    const kept = this.#byCall.get(callSid);
    this.#byCall.delete(callSid);
    return kept && this.#clock.now() - kept.at <= KEEP_MS ? kept.history : undefined;
  }
}
