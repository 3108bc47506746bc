// Who may open /vonage/media-stream and have a call bridged, when VONAGE_SIGNATURE_SECRET is set:
//  1. the WebSocket handshake carries Vonage's JWT (Authorization: Bearer, HS256 with the secret);
//     anything else is refused before the upgrade;
//  2. `websocket:connected` echoes the headers our signature-checked answer put in the NCCO, and
//     they must include the per-call token for their `call_uuid`.
// Without a secret every check passes (a warning at startup).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VonageCallTokens } from './call-token.js';
import type { VonageConnected } from './media-messages.js';
import { checkVonageToken } from './signature.js';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

/** The NCCO headers (echoed in `websocket:connected`) that describe the call. */
export const CALL_HEADERS = {
  callUuid: 'call_uuid',
  conversationUuid: 'conversation_uuid',
  from: 'from',
  to: 'to',
  direction: 'direction',
  token: 'token',
} as const;

export interface AnsweredCall {
  uuid: string;
  conversationUuid: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
}

export class VonageStreamSecurity {
  readonly #secret: string | undefined;
  readonly #tokens: VonageCallTokens | undefined;
  readonly #now: () => number;

  constructor(options: { signatureSecret: string | undefined; now?: () => number }) {
    this.#secret = options.signatureSecret;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.signatureSecret ? new VonageCallTokens(options.signatureSecret, this.#now) : undefined;
  }

  /** The NCCO endpoint's headers for an answered call: its description, and its token when checks are on. */
  headersFor(call: AnsweredCall): Record<string, string> {
    return {
      [CALL_HEADERS.callUuid]: call.uuid,
      [CALL_HEADERS.conversationUuid]: call.conversationUuid,
      [CALL_HEADERS.from]: call.from,
      [CALL_HEADERS.to]: call.to,
      [CALL_HEADERS.direction]: call.direction,
      ...(this.#tokens ? { [CALL_HEADERS.token]: this.#tokens.issue(call.uuid) } : {}),
    };
  }

  /** A preValidation hook on the WebSocket route: refuses the upgrade (403) unless Vonage signed it. */
  verifyHandshake() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      if (!this.#secret) return limitUnchecked(request, reply);
      const check = checkVonageToken(request, this.#secret, this.#now());
      if (check.ok) return undefined;
      request.log.warn({ url: request.url, refusal: check.reason }, 'refused a Vonage media socket handshake');
      return refuseUnsigned(request, reply, check.reason);
    };
  }

  /** The call's headers (its token removed, so it is never recorded), or why the socket is refused. */
  admit(connected: VonageConnected): Record<string, string> | { refused: string } {
    const { [CALL_HEADERS.token]: token, ...headers } = connected.headers;
    const callUuid = headers[CALL_HEADERS.callUuid];
    if (!callUuid) return { refused: `websocket:connected without the "${CALL_HEADERS.callUuid}" header of our NCCO` };
    if (this.#tokens && !this.#tokens.verify(callUuid, token)) return { refused: 'missing or invalid call token' };
    return headers;
  }
}
