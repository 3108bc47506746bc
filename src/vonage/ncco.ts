// NCCOs (Vonage's call scripts, JSON arrays of actions). JSON.stringify does all the escaping there is.
//
// The answer connects the caller to our media WebSocket. `eventType: synchronous` makes a socket that
// fails to connect (or drops) post `failed`/`unanswered`/`disconnected` to the event webhook, whose
// answer could carry a fallback NCCO; `authorization: {type: "vonage"}` has Vonage sign the handshake
// with the same JWT as its webhooks. Nothing follows the connect: when the socket closes, the call ends.
import type { VonageRate } from './l16-audio.js';

/** Vonage caps the endpoint's headers at 512 bytes; phone numbers and uuids fit, a long SIP URI may not. */
const MAX_HEADER_VALUE = 100;

export interface ConnectNccoOptions {
  /** The wss:// URL Vonage opens. */
  mediaUrl: string;
  /** Where the connect action reports the socket's fate. */
  eventUrl: string;
  rate: VonageRate;
  /** Echoed in `websocket:connected`: the caller's uuid, numbers, direction and the per-call token. */
  headers: Record<string, string>;
}

export type Ncco = Array<Record<string, unknown>>;

export function connectNcco(options: ConnectNccoOptions): Ncco {
  const headers = Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k, v.slice(0, MAX_HEADER_VALUE)]));
  return [
    {
      action: 'connect',
      eventType: 'synchronous',
      eventUrl: [options.eventUrl],
      endpoint: [{ type: 'websocket', uri: options.mediaUrl, 'content-type': `audio/l16;rate=${options.rate}`, headers, authorization: { type: 'vonage' } }],
    },
  ];
}

/** Vonage writes phone numbers in E.164 without the plus. */
export function vonageNumber(e164: string): string {
  return e164.replace(/^\+/, '');
}

/** Dials a person: what a transfer replaces the caller's NCCO with. `from` is the caller id shown, one of our numbers. */
export function dialNcco(number: string, from: string | undefined): Ncco {
  return [{ action: 'connect', ...(from ? { from: vonageNumber(from) } : {}), endpoint: [{ type: 'phone', number: vonageNumber(number) }] }];
}
