// Who may open /signalwire/media-stream when SIGNALWIRE_SIGNING_KEY is set. SignalWire signs no
// stream handshake; instead its <Stream authBearerToken> comes back as `Authorization: Bearer` on the
// upgrade. The signature-checked webhook issues that token for its own CallSid: the upgrade is
// refused without a valid, unexpired token, and the stream's `start` must then be for the CallSid
// the token names. Stateless (an HMAC of the CallSid and an expiry), so it survives a restart or a
// second instance that shares the key.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** SignalWire opens the stream right after the webhook answers; a token older than this is stale. */
export const STREAM_TOKEN_TTL_MS = 10 * 60_000;

export class StreamTokens {
  readonly #key: Buffer;

  constructor(
    signingKey: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = STREAM_TOKEN_TTL_MS,
  ) {
    // A key of its own, so a token never doubles as a webhook signature.
    this.#key = createHmac('sha256', signingKey).update('phone-agent signalwire stream token v1').digest();
  }

  issue(callSid: string): string {
    const expires = this.now() + this.ttlMs;
    return `${Buffer.from(callSid).toString('base64url')}.${expires}.${this.#mac(callSid, expires)}`;
  }

  /** The CallSid a valid, unexpired token was issued for; undefined for anything else. */
  callSidOf(token: string | undefined): string | undefined {
    const match = /^([A-Za-z0-9_-]{1,200})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
    if (!match) return undefined;
    const callSid = Buffer.from(match[1]!, 'base64url').toString('utf8');
    const expires = Number(match[2]);
    if (expires < this.now()) return undefined;
    const expected = Buffer.from(this.#mac(callSid, expires));
    const presented = Buffer.from(match[3]!);
    return presented.length === expected.length && timingSafeEqual(presented, expected) ? callSid : undefined;
  }

  #mac(callSid: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${callSid}\n${expires}`).digest('base64url');
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}
