// What may act on a live call: the functions the agent calls (hang up, hand to staff), the keypad rule
// and the admin API. Each carrier implements it with its own REST API; the call core supplies the
// stream-only fallback.
import type { Logger } from '../observability/log.js';
import type { CallEventKind, FunctionCallRecord } from './call.js';

/** What the agent says when staff cannot take the call. */
export const TRANSFER_TEXT = {
  unanswered: "I'm sorry, nobody at the front desk could take your call just now. Would you like to leave a message? I'll pass it on to the team.",
  failed: "I'm sorry, I couldn't connect you to the front desk just now. Would you like to leave a message? I'll pass it on to the team.",
  messageTaken: "Thank you, I've passed your message on to the team, and someone will get back to you. Goodbye.",
} as const;

export interface CallControl {
  /** Hang up once everything the agent has said so far has been heard. */
  hangUpAfterPlayback(reason: string): void;
  /** Hand the call to a person (at `to`, an E.164 number, instead of the call's transfer number). Resolves when the transfer was requested. */
  transfer(reason: string, to?: string): Promise<void>;
}

/** What a carrier's call control acts on: the live call, as the call core exposes it. */
export interface ControlledCall {
  readonly info: { readonly callSid: string; readonly from: string; readonly to: string };
  /** Where this call's transfers go (its agent's), when it has its own: the carrier's configured number otherwise. */
  readonly transferNumber?: string;
  readonly log: Logger;
  /** Resolves once the call has ended and everything it holds is released. */
  readonly done: Promise<void>;
  /** The media stream's coming end is a transfer, not a hang-up (false: the transfer failed). */
  markTransferring(transferring?: boolean): void;
  /** Hang up once the agent's reply in progress (or the one about to start) has been heard in full. */
  hangUpAfterPlayback(reason: string): void;
  readonly ended: boolean;
  /** The functions the call has run so far: what was done, for the person it is handed to. */
  readonly functionCalls: readonly FunctionCallRecord[];
  /** Resolves once the agent's reply in progress (or the one about to start) has been heard, or the call has ended. */
  whenHeard(): Promise<void>;
  /** Adds an event to the call's record. */
  note(kind: CallEventKind, detail: string): void;
  /** Staff cannot take the call: the agent says `apology` and keeps the caller's next words as a message for staff. */
  takeMessageForStaff(apology: string): void;
}
