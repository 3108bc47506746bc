// What may act on a live call: the functions the agent calls (hang up, hand to staff), the keypad rule
// and the admin API. Each carrier implements it with its own REST API; the call core supplies the
// stream-only fallback.

export interface CallControl {
  /** Hang up once everything the agent has said so far has been heard. */
  hangUpAfterPlayback(reason: string): void;
  /** Hand the call to a person. Resolves when the transfer was requested. */
  transfer(reason: string): Promise<void>;
}
