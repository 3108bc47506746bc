// Outbound calls, whatever the carrier: POST /api/calls asks a Dialer to place a call; the carrier's
// own webhooks then bring it in like any other call. A carrier's progress reports are kept as status
// callbacks on the call's record.

export interface OutboundCallRequest {
  /** E.164 */
  to: string;
  /** Detect an answering machine: leave `message` after the beep, or hang up when there is none. */
  voicemail?: { message?: string };
}

export interface PlacedCall {
  callSid: string;
  status: string;
  to: string;
  from: string;
}

export interface Dialer {
  /** The carrier's name as a person reads it: `Twilio`. */
  readonly name: string;
  /** What it still needs to place calls (missing credentials, a public URL), or undefined when it can. */
  missing(): string | undefined;
  /** Places the call; rejects with the carrier's reason when the carrier refuses it. */
  place(request: OutboundCallRequest): Promise<PlacedCall>;
}

/** One progress report of a call from its carrier (ringing, answered, completed, ...). */
export interface StatusCallback {
  callSid: string;
  status: string;
  at: number;
  /** The webhook's fields, as the carrier sent them. */
  payload: Record<string, string>;
}
