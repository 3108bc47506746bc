// What may act on a live call: the functions the agent calls (hang up, hand to staff), the keypad rule
// and the admin API. Each carrier implements it with its own REST API; the call core supplies the
// stream-only fallback.
import type { Logger } from '../observability/log.js';

export interface CallControl {
  /** Hang up once everything the agent has said so far has been heard. */
  hangUpAfterPlayback(reason: string): void;
  /** Hand the call to a person. Resolves when the transfer was requested. */
  transfer(reason: string): Promise<void>;
}

/** What a carrier's call control acts on: the live call, as the call core exposes it. */
export interface ControlledCall {
  readonly info: { readonly callSid: string };
  /** Where this call's transfers go (its agent's), when it has its own: the carrier's configured number otherwise. */
  readonly transferNumber?: string;
  readonly log: Logger;
  /** Resolves once the call has ended and everything it holds is released. */
  readonly done: Promise<void>;
  /** The media stream's coming end is a transfer, not a hang-up (false: the transfer failed). */
  markTransferring(transferring?: boolean): void;
  /** Hang up once the agent's reply in progress (or the one about to start) has been heard in full. */
  hangUpAfterPlayback(reason: string): void;
}
