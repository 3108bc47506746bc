// Staff could not be reached (a warm transfer nobody answered): the agent apologises and asks for a
// message, and the caller's next words are that message, stored for staff; then the agent says it has
// been taken and the call ends once that has been heard.
import { TRANSFER_TEXT } from '../domain/call-control.js';
import { DEFAULT_AGENT, type CallEventKind, type CallEventSink, type CallInfo } from '../domain/call.js';

export interface StaffMessageSteps {
  call: CallInfo;
  events: CallEventSink;
  say(text: string, behavior: 'queue'): void;
  note(kind: CallEventKind, detail: string): void;
  hangUpAfterPlayback(reason: string): void;
}

export class StaffMessage {
  readonly #steps: StaffMessageSteps;
  #waiting = false;

  constructor(steps: StaffMessageSteps) {
    this.#steps = steps;
  }

  /** Apologises (the text says why) and asks for the message. */
  ask(apology: string): void {
    this.#waiting = true;
    this.#steps.note('policy', 'transfer: the agent takes a message for staff');
    this.#steps.say(apology, 'queue');
  }

  /** The caller's words of a turn: the message, when one was asked for. */
  callerSaid(text: string, now: number): void {
    const words = text.trim();
    if (!this.#waiting || !words) return;
    this.#waiting = false;
    const { callSid, from, agent } = this.#steps.call;
    const message = { callSid, from, agent: agent ?? DEFAULT_AGENT, text: words, createdAt: Math.round(now) };
    this.#steps.events.emit({ type: 'staff_message', callSid, message });
    this.#steps.note('policy', `transfer: message for staff taken: "${words}"`);
    this.#steps.say(TRANSFER_TEXT.messageTaken, 'queue');
    this.#steps.hangUpAfterPlayback('a message for staff was taken');
  }
}
