// A per-call token, defence in depth behind the handshake signature: the signature-checked answer
// hands one to Plivo in <Stream extraHeaders>, and the stream's `start` must carry the token for its
// own CallUUID before any audio is bridged (the nonce of a V3 signature carries no time, so a
// captured handshake could otherwise be replayed). Extra headers allow only [A-Za-z0-9], so the token
// is digits and hex. Stateless (an HMAC of the call id and an expiry): no memory per call, and it
// survives a restart or a second instance that shares the auth token.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CALL_TOKEN_HEADER = 'callToken';
/** Plivo opens the stream right after the answer; a token older than this is stale. */
export const CALL_TOKEN_TTL_MS = 10 * 60_000;

export class CallTokens {
  readonly #key: Buffer;

  constructor(
    authToken: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CALL_TOKEN_TTL_MS,
  ) {
    // A key of its own, so a token never doubles as a signature.
    this.#key = createHmac('sha256', authToken).update('phone-agent plivo call token v1').digest();
  }

  issue(callId: string): string {
    const expires = this.now() + this.ttlMs;
    return `${expires}x${this.#mac(callId, expires)}`;
  }

  verify(callId: string, token: string | undefined): boolean {
    const match = /^(\d{1,15})x([0-9a-f]{64})$/.exec(token ?? '');
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires < this.now()) return false;
    const expected = Buffer.from(this.#mac(callId, expires));
    const presented = Buffer.from(match[2]!);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  #mac(callId: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${callId}\n${expires}`).digest('hex');
  }
}
