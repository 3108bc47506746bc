// Outbound calls through Plivo: it dials `to` from PLIVO_PHONE_NUMBER and, once answered, fetches
// /plivo/incoming-call like any inbound call. A URL rather than inline XML, because the stream's call
// token is bound to a CallUUID that only exists once the call does, and the answer that issues it is
// the signature-checked one. The call's end is reported to /plivo/hangup.
//
// No `voicemail`: Plivo's machine detection reports only that a machine answered, never the end of
// its greeting, so a message could not be left after the beep.
import type { Env } from '../config/env.js';
import { unmetNeeds, type Dialer } from '../domain/dialer.js';
import type { PlivoRestClient } from './rest-client.js';
import { HANGUP_PATH, INCOMING_CALL_PATH } from './paths.js';

export interface OutboundPlivoCall {
  to: string;
  from: string;
  /** Where Plivo reaches this server (PUBLIC_URL). */
  publicUrl: string;
}

/** Resolves with Plivo's request_uuid (the CallUUID arrives with the answer webhook). */
export function placePlivoCall(client: PlivoRestClient, call: OutboundPlivoCall): Promise<{ requestUuid: string }> {
  return client.createCall({
    from: call.from,
    to: call.to,
    answer_url: `${call.publicUrl}${INCOMING_CALL_PATH}`,
    answer_method: 'POST',
    hangup_url: `${call.publicUrl}${HANGUP_PATH}`,
    hangup_method: 'POST',
  });
}

export interface PlivoDialerOptions {
  env: Pick<Env, 'PLIVO_PHONE_NUMBER' | 'PUBLIC_URL'>;
  /** Undefined without PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN. */
  client: PlivoRestClient | undefined;
}

export function plivoDialer({ env, client }: PlivoDialerOptions): Dialer {
  return {
    carrier: 'plivo',
    name: 'Plivo',
    detectsVoicemail: false,
    missing: () =>
      unmetNeeds([
        !client && 'PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN',
        !env.PLIVO_PHONE_NUMBER && 'PLIVO_PHONE_NUMBER',
        !env.PUBLIC_URL && 'PUBLIC_URL (where Plivo reaches this server)',
      ]),
    async place({ to }) {
      const from = env.PLIVO_PHONE_NUMBER!;
      const { requestUuid } = await placePlivoCall(client!, { to, from, publicUrl: env.PUBLIC_URL! });
      // Plivo answers "call fired": the call is queued with the carrier, as the other dialers report it.
      return { carrier: 'plivo', callSid: requestUuid, status: 'queued', to, from };
    },
  };
}
