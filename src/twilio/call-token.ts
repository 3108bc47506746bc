// A per-call token, defence in depth behind the handshake signature: the signature-checked webhook
// hands one to Twilio as a <Parameter>, and a stream's `start` must carry the token for its own
// CallSid before any audio is bridged. Stateless (an HMAC of the CallSid and an expiry), so it
// holds no memory per call and survives a restart or a second instance that shares the secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CALL_TOKEN_PARAMETER = 'callToken';
/** Twilio opens the stream right after the webhook answers; a token older than this is stale. */
export const CALL_TOKEN_TTL_MS = 10 * 60_000;

export class CallTokens {
  readonly #key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CALL_TOKEN_TTL_MS,
  ) {
    // A key of its own, so a token never doubles as anything signed with the secret itself.
    this.#key = createHmac('sha256', secret).update('phone-agent call token v1').digest();
  }

  issue(callSid: string): string {
    const expires = this.now() + this.ttlMs;
    return `${expires}.${this.#mac(callSid, expires)}`;
  }

  verify(callSid: string, token: string | undefined): boolean {
    const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires < this.now()) return false;
    const expected = Buffer.from(this.#mac(callSid, expires));
    const presented = Buffer.from(match[2]!);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  #mac(callSid: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${callSid}\n${expires}`).digest('base64url');
  }
}
