// Who may open /media-stream and have a call bridged, when TWILIO_AUTH_TOKEN is set:
//  1. the WebSocket handshake is signed by Twilio (X-Twilio-Signature over the exact wss:// URL of
//     the TwiML, no parameters), or presents a softphone ticket as its only query parameter; anything
//     else is refused before the upgrade;
//  2. the stream's `start` carries, in customParameters.callToken, the per-call token for its CallSid
//     that only the signature-checked webhook (or the admin-only ticket route) hands out;
//  3. a stream that resumes a call after an unanswered transfer (customParameters.resume) carries a
//     token for that too, which only the webhook Twilio was sent back to (?resume=...) hands out.
// Without an auth token there is nothing to verify against: every check passes (a warning at startup).
//
// THE SOFTPHONE CONTRACT (a browser cannot sign like Twilio):
//   POST /api/softphone/ticket, admin-authenticated (ADMIN_TOKEN as Authorization: Bearer, cookie or
//   ?token=), no body, answers 200
//     { "url": "ws[s]://<host>/media-stream?ticket=<ticket>", "ticket": "<ticket>", "expiresInMs": 60000,
//       "callSid": "CA…", "callToken": "<token>" (only when checks are on),
//       "customParameters": { "callToken": "<token>" } (empty when checks are off) }
//   The browser opens `url` (single use, within expiresInMs), then speaks the Media Streams protocol:
//   `connected`, then `start` whose start.callSid is `callSid` and whose start.customParameters
//   include every entry of `customParameters` (it may add From, To, ...).
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TwilioStart } from './media-messages.js';
import { CALL_TOKEN_PARAMETER, CallTokens } from './call-token.js';
import type { TicketBook } from '../domain/shared-state.js';
import { SoftphoneTickets } from './softphone-tickets.js';
import { hasValidSignature, publicBaseUrl } from './signature.js';
import { streamUrlFor } from './twiml.js';
import { RESUME_AFTER_UNANSWERED, RESUME_PARAMETER } from './warm-transfer.js';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

/** What a resume token signs: never valid as the call token itself. */
const resumeSubject = (callSid: string) => `${callSid}#${RESUME_AFTER_UNANSWERED}`;

export interface SoftphoneTicket {
  url: string;
  ticket: string;
  expiresInMs: number;
  callSid: string;
  callToken?: string;
  customParameters: Record<string, string>;
}

export interface StreamSecurityOptions {
  authToken: string | undefined;
  publicUrl: string | undefined;
  now?: () => number;
  ticketTtlMs?: number;
  /** Where softphone tickets live; this process's memory by default. */
  tickets?: TicketBook;
}

export class StreamSecurity {
  readonly #authToken: string | undefined;
  readonly #publicUrl: string | undefined;
  readonly #tokens: CallTokens | undefined;
  readonly #tickets: TicketBook;

  constructor(options: StreamSecurityOptions) {
    this.#authToken = options.authToken;
    this.#publicUrl = options.publicUrl;
    this.#tokens = options.authToken ? new CallTokens(options.authToken, options.now) : undefined;
    this.#tickets = options.tickets ?? new SoftphoneTickets(options.now, options.ticketTtlMs);
  }

  /** The <Parameter>s the webhook adds to a call's stream: its token, when checks are on. */
  callParameters(callSid: string): Record<string, string> {
    return this.#tokens && callSid ? { [CALL_TOKEN_PARAMETER]: this.#tokens.issue(callSid) } : {};
  }

  /** The <Parameter> that tells the call's new stream it resumes after an unanswered transfer: signed when checks are on. */
  resumeParameters(callSid: string): Record<string, string> {
    const proof = this.#tokens ? `:${this.#tokens.issue(resumeSubject(callSid))}` : '';
    return { [RESUME_PARAMETER]: `${RESUME_AFTER_UNANSWERED}${proof}` };
  }

  /** A preValidation hook on the WebSocket route: refuses the upgrade (403) unless Twilio signed it or a ticket opens it. */
  verifyHandshake() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      if (!this.#authToken) return limitUnchecked(request, reply);
      const refusal = await this.#handshakeRefusal(request, this.#authToken);
      if (!refusal) return undefined;
      request.log.warn({ url: request.url, refusal }, 'refused a media stream handshake');
      return refuseUnsigned(request, reply, refusal);
    };
  }

  async #handshakeRefusal(request: FastifyRequest, authToken: string): Promise<string | undefined> {
    const query = request.url.indexOf('?');
    if (query >= 0) {
      // Twilio never sends a query string (its <Stream url> cannot carry one): only a ticket may.
      const params = new URLSearchParams(request.url.slice(query + 1));
      const ticket = params.get('ticket');
      if ([...params.keys()].length !== 1 || !ticket) return 'a query string is only accepted as ?ticket=<softphone ticket>';
      try {
        return (await this.#tickets.redeem(ticket)) ? undefined : 'the softphone ticket is unknown, used or expired';
      } catch {
        // Tickets kept in the shared state (Redis) cannot be checked while it is unreachable: the state's own log says why.
        return 'the softphone ticket cannot be checked just now (the shared state is unreachable)';
      }
    }
    const url = streamUrlFor(publicBaseUrl(request, this.#publicUrl));
    return hasValidSignature(authToken, request, url, {}) ? undefined : 'missing or invalid X-Twilio-Signature';
  }

  /** The `start` to bridge (its token removed, so it is never recorded), or why the call is refused. */
  admit(start: TwilioStart): TwilioStart | { refused: string } {
    const { [CALL_TOKEN_PARAMETER]: token, [RESUME_PARAMETER]: resume, ...parameters } = start.start.customParameters;
    const { callSid } = start.start;
    if (this.#tokens && !this.#tokens.verify(callSid, token)) return { refused: 'missing or invalid call token' };
    if (resume !== undefined) {
      const [what, proof] = resume.split(':', 2);
      const valid = what === RESUME_AFTER_UNANSWERED && (!this.#tokens || this.#tokens.verify(resumeSubject(callSid), proof));
      if (!valid) return { refused: 'invalid resume parameter' };
      // Only a checked resumption reaches the leg, without its proof.
      parameters[RESUME_PARAMETER] = RESUME_AFTER_UNANSWERED;
    }
    return { ...start, start: { ...start.start, customParameters: parameters } };
  }

  /** What POST /api/softphone/ticket answers (see the contract above). */
  async softphoneTicket(request: FastifyRequest): Promise<SoftphoneTicket> {
    const ticket = await this.#tickets.issue();
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const customParameters = this.callParameters(callSid);
    // The browser's own origin, not PUBLIC_URL: a local softphone reaches the server over plain ws://.
    const url = `${streamUrlFor(`${request.protocol}://${request.host}`)}?ticket=${ticket}`;
    const callToken = customParameters[CALL_TOKEN_PARAMETER];
    return { url, ticket, expiresInMs: this.#tickets.ttlMs, callSid, ...(callToken ? { callToken } : {}), customParameters };
  }
}
