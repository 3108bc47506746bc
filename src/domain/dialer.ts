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
  /** The dialer's carrier id: `twilio`. */
  carrier: string;
  /** The carrier's id of the call (Plivo: its request_uuid, as the call's CallUUID exists only once it is answered). */
  callSid: string;
  status: string;
  to: string;
  from: string;
}

export interface Dialer {
  /** The carrier's id, as POST /api/calls names it and records carry it: `twilio`. */
  readonly carrier: string;
  /** The carrier's name as a person reads it: `Twilio`. */
  readonly name: string;
  /** The carrier detects answering machines, so `voicemail` may be asked for. */
  readonly detectsVoicemail: boolean;
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

/** A dialer's missing(): the needs that are not met (the strings among `needs`), or undefined when all are. */
export function unmetNeeds(needs: Array<string | false>): string | undefined {
  const unmet = needs.filter((need): need is string => typeof need === 'string');
  return unmet.length > 0 ? unmet.join(', ') : undefined;
}
