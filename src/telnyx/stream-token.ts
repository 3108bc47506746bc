// Telnyx signs its webhooks but not the WebSocket it opens for a TeXML <Stream>. So the signature-
// checked webhook puts a per-call token in the stream URL's path: the upgrade is refused (403) unless
// the token is ours and fresh, and the stream's `start` must be for the very call the token names.
// Stateless (the call id, an expiry and an HMAC), so any process sharing the secret can check it.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Telnyx opens the stream right after the webhook answers; a token older than this is stale. */
export const STREAM_TOKEN_TTL_MS = 10 * 60_000;

const TOKEN = /^([A-Za-z0-9_-]{1,400})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

export class StreamTokens {
  readonly #key: Buffer;

  constructor(
    secret: string | Buffer,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = STREAM_TOKEN_TTL_MS,
  ) {
    // A key of its own, so a token never doubles as anything signed with the secret itself.
    this.#key = createHmac('sha256', secret).update('phone-agent telnyx stream token v1').digest();
  }

  /** URL-safe: it travels as a path segment of the stream URL. */
  issue(callControlId: string): string {
    const id = Buffer.from(callControlId, 'utf8').toString('base64url');
    const expires = this.now() + this.ttlMs;
    return `${id}.${expires}.${this.#mac(id, expires)}`;
  }

  /** The call the token was issued for, or undefined when it is forged, malformed or expired. */
  callOf(token: string): string | undefined {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, id, expiresText, mac] = match as unknown as [string, string, string, string];
    const expires = Number(expiresText);
    if (expires < this.now()) return undefined;
    const expected = Buffer.from(this.#mac(id, expires));
    const presented = Buffer.from(mac);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    return Buffer.from(id, 'base64url').toString('utf8');
  }

  #mac(id: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${id}\n${expires}`).digest('base64url');
  }
}
