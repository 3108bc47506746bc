// Post-call reports are signed the way receivers already know from payment providers: an HMAC-SHA256,
// keyed by CALL_WEBHOOK_SECRET, over the Unix time of sending, a dot, and the exact body. The time in
// the signed text lets a receiver refuse a replayed old report; the body's bytes must be checked before
// it is parsed.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-phone-agent-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const EVENT_HEADER = 'x-phone-agent-event';

/** How far a signature's time may be from the receiver's clock, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body)}`;
}

/** Why a signature is refused, or undefined when it is good. */
export function signatureProblem(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): string | undefined {
  if (!header) return `no ${SIGNATURE_HEADER} header`;
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1) return `${SIGNATURE_HEADER} is not t=<seconds>,v1=<hex>`;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return `signed at ${t}, more than ${toleranceSeconds} s from now`;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  const given = Buffer.from(v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the signature does not match the body';
  return undefined;
}

function hmac(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
}
