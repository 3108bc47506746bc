// A per-call token, behind the handshake's JWT: the signature-checked answer webhook puts one in the
// NCCO's websocket `headers`, Vonage echoes them in `websocket:connected`, and no audio is bridged
// until the token matches the call uuid beside it. The handshake JWT proves the socket comes from
// Vonage; this binds it to a call that our own webhook answered. Stateless (an HMAC of the uuid and an
// expiry), so it survives a restart and works across workers that share the secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Vonage opens the socket right after the answer; a token older than this is stale. */
export const CALL_TOKEN_TTL_MS = 10 * 60_000;

export class VonageCallTokens {
  readonly #key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CALL_TOKEN_TTL_MS,
  ) {
    // A key of its own, so a token is never mistaken for anything Vonage signs with the secret.
    this.#key = createHmac('sha256', secret).update('phone-agent vonage call token v1').digest();
  }

  issue(callUuid: string): string {
    const expires = this.now() + this.ttlMs;
    return `${expires}.${this.#mac(callUuid, expires)}`;
  }

  verify(callUuid: string, token: string | undefined): boolean {
    const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires < this.now()) return false;
    const expected = Buffer.from(this.#mac(callUuid, expires));
    const presented = Buffer.from(match[2]!);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  #mac(callUuid: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${callUuid}\n${expires}`).digest('base64url');
  }
}
