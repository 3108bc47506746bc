// Outbound calls through Plivo: it dials `to` from `from` and, once answered, fetches
// /plivo/incoming-call like any inbound call. A URL rather than inline XML, because the stream's call
// token is bound to a CallUUID that only exists once the call does, and the answer that issues it is
// the signature-checked one. The call's end is reported to /plivo/hangup.
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
