// The calls in progress on this server, by CallSid, for whatever acts on a call from outside it: the
// keypad rule, a carrier's callbacks (answering-machine detection), the admin API. A callback may come
// before the call's media has started: what it asks is kept briefly and done when the call starts.
import type { CallOutcome } from './call.js';
import type { CallControl, ControlledCall } from './call-control.js';
import type { Clock } from './clock.js';
import type { CallCommand, CommandResult } from './shared-state.js';

export interface LiveCall extends ControlledCall {
  readonly control: CallControl;
  readonly ended: boolean;
  /** The agent says this (InjectAgentMessage): `interrupt` cuts in, `queue` waits, `default` is refused while anyone speaks. */
  say(text: string, behavior: 'default' | 'queue' | 'interrupt'): void;
  /** Hang up with this outcome once what is being said has been heard. */
  hangUpAfterPlayback(reason: string, outcome?: CallOutcome): void;
  end(outcome: CallOutcome, reason: string): void;
}

/** How long an action for a call that has not started yet is kept. */
const PENDING_MS = 60_000;

export class LiveCalls {
  readonly #calls = new Map<string, LiveCall>();
  readonly #pending = new Map<string, { at: number; actions: Array<(call: LiveCall) => void> }>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#calls.size;
  }

  get(callSid: string): LiveCall | undefined {
    return this.#calls.get(callSid);
  }

  add(call: LiveCall): void {
    const callSid = call.info.callSid;
    this.#calls.set(callSid, call);
    const pending = this.#pending.get(callSid);
    this.#pending.delete(callSid);
    for (const action of pending?.actions ?? []) action(call);
  }

  remove(call: LiveCall): void {
    if (this.#calls.get(call.info.callSid) === call) this.#calls.delete(call.info.callSid);
  }

  /** An administrator's command (POST /api/calls/:callSid/hangup|transfer) for a call on this server. */
  async execute(callSid: string, command: CallCommand, instance: string): Promise<CommandResult> {
    const call = this.#calls.get(callSid);
    if (!call || call.ended) return { ok: false, status: 404, error: `no call ${callSid} is live` };
    if (command.action === 'hangup') {
      call.control.hangUpAfterPlayback('hung up by an administrator');
      return { ok: true, instance };
    }
    try {
      await call.control.transfer('transferred by an administrator', command.to);
      return { ok: true, instance };
    } catch (err) {
      return { ok: false, status: 409, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Acts on the call now if it is live, or as soon as it starts (within a minute). */
  whenLive(callSid: string, action: (call: LiveCall) => void): void {
    const live = this.#calls.get(callSid);
    if (live) return action(live);
    const now = this.#clock.now();
    for (const [sid, entry] of this.#pending) if (now - entry.at > PENDING_MS) this.#pending.delete(sid);
    const entry = this.#pending.get(callSid) ?? { at: now, actions: [] };
    entry.actions.push(action);
    this.#pending.set(callSid, entry);
  }
}
