// What a production call does on its own: prompt a caller who has gone quiet and hang up on one who
// never answers, and close politely before the call's time limit. Both speak through the agent
// protocol (InjectAgentMessage), so Deepgram's agent and the embedded engine say the same things, and
// both run on the call's clock. The audio path only stamps activity (a number); timers do the rest.
import type { Clock } from '../domain/clock.js';
import type { CallOutcome } from '../domain/call.js';

export interface CallPolicyOptions {
  /** Silence (nobody speaking, nothing playing, no function running) before the caller is asked if they are there; 0: never. */
  idlePromptMs: number;
  /** Unanswered prompts after which the agent says goodbye and hangs up. */
  idlePromptsBeforeHangup: number;
  /** The call's time limit; 0: none. */
  maxCallDurationMs: number;
}

export const DEFAULT_CALL_POLICIES: CallPolicyOptions = { idlePromptMs: 8000, idlePromptsBeforeHangup: 2, maxCallDurationMs: 30 * 60 * 1000 };

export const POLICY_TEXT = {
  idlePrompt: 'Are you still there?',
  idleGoodbye: "I haven't heard from you, so I'll end the call now. Please call back any time. Goodbye.",
  closing: "We're nearly at the time limit for this call, so I'll have to end it shortly. Please call back if you need anything else. Goodbye.",
} as const;

/** How long before the time limit the agent starts to close: long enough to say goodbye. */
export function closingNoticeMs(maxCallDurationMs: number): number {
  return Math.min(30_000, Math.round(maxCallDurationMs / 4));
}

export interface CallPolicyActions {
  /** Nobody is speaking, nothing is playing and no function is running. */
  quiet(): boolean;
  /** The agent says this (InjectAgentMessage); `queue` waits for a reply in progress to finish. */
  say(text: string, behavior: 'default' | 'queue'): void;
  /** Hang up once what the agent is saying has been heard. */
  hangUpAfterPlayback(outcome: CallOutcome, reason: string): void;
  end(outcome: CallOutcome, reason: string): void;
  record(policy: 'idle' | 'time_limit', detail: string): void;
}

export class CallPolicies {
  readonly #opts: CallPolicyOptions;
  readonly #clock: Clock;
  readonly #act: CallPolicyActions;
  #lastActivityAt: number;
  #unansweredPrompts = 0;
  #idleTimer: unknown;
  #limitTimers: unknown[] = [];
  #stopped = false;

  constructor(options: CallPolicyOptions, clock: Clock, actions: CallPolicyActions) {
    this.#opts = options;
    this.#clock = clock;
    this.#act = actions;
    this.#lastActivityAt = clock.now();
    if (options.idlePromptMs > 0) this.#scheduleIdleCheck(options.idlePromptMs);
    const limit = options.maxCallDurationMs;
    if (limit > 0) {
      this.#limitTimers = [
        clock.setTimeout(() => this.#closing(), limit - closingNoticeMs(limit)),
        clock.setTimeout(() => this.#act.end('max_duration', `the call reached its time limit of ${limit} ms`), limit),
      ];
    }
  }

  /** Someone is speaking or something is playing: silence is counted from now. Cheap: called per frame. */
  activity(now: number): void {
    this.#lastActivityAt = now;
  }

  /** The caller spoke: whatever was asked of them has been answered. */
  callerSpoke(now: number): void {
    this.#lastActivityAt = now;
    this.#unansweredPrompts = 0;
  }

  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#idleTimer);
    for (const timer of this.#limitTimers) this.#clock.clearTimeout(timer);
  }

  #scheduleIdleCheck(inMs: number): void {
    this.#idleTimer = this.#clock.setTimeout(() => this.#idleCheck(), inMs);
  }

  #idleCheck(): void {
    if (this.#stopped) return;
    const idleMs = this.#opts.idlePromptMs;
    const silentFor = this.#clock.now() - this.#lastActivityAt;
    if (!this.#act.quiet()) {
      // Busy now: silence can only start after this, so look again a whole period later.
      this.#lastActivityAt = this.#clock.now();
      return this.#scheduleIdleCheck(idleMs);
    }
    if (silentFor < idleMs) return this.#scheduleIdleCheck(idleMs - silentFor);
    this.#lastActivityAt = this.#clock.now();
    if (this.#unansweredPrompts >= this.#opts.idlePromptsBeforeHangup) {
      this.#act.record('idle', `no answer to ${this.#unansweredPrompts} prompts: hanging up`);
      this.#act.say(POLICY_TEXT.idleGoodbye, 'default');
      return this.#act.hangUpAfterPlayback('idle', `the caller was silent through ${this.#unansweredPrompts} prompts`);
    }
    this.#unansweredPrompts++;
    this.#act.record('idle', `silence for ${Math.round(silentFor)} ms: prompt ${this.#unansweredPrompts} of ${this.#opts.idlePromptsBeforeHangup}`);
    this.#act.say(POLICY_TEXT.idlePrompt, 'default');
    this.#scheduleIdleCheck(idleMs);
  }

  #closing(): void {
    if (this.#stopped) return;
    this.#act.record('time_limit', `closing: ${closingNoticeMs(this.#opts.maxCallDurationMs)} ms before the time limit`);
    this.#act.say(POLICY_TEXT.closing, 'queue');
    this.#act.hangUpAfterPlayback('max_duration', 'the call reached its time limit');
  }
}
