// Outbound calls through SignalWire: it dials `to` from `from` and, once answered, fetches
// /signalwire/incoming-call like any inbound call. A URL rather than inline cXML, because the stream's
// bearer token is bound to a CallSid that only exists once the call does, and the webhook that issues
// it is the signature-checked one. Progress callbacks go to /signalwire/status.
import type { SignalWireCall, SignalWireRestClient } from './rest-client.js';
import { CALL_STATUS_PATH, INCOMING_CALL_PATH } from './paths.js';

export interface OutboundSignalWireCall {
  to: string;
  from: string;
  /** Where SignalWire reaches this server (PUBLIC_URL). */
  publicUrl: string;
}

export function placeSignalWireCall(client: SignalWireRestClient, call: OutboundSignalWireCall): Promise<SignalWireCall> {
  return client.createCall([
    ['To', call.to],
    ['From', call.from],
    ['Url', `${call.publicUrl}${INCOMING_CALL_PATH}`],
    ['Method', 'POST'],
    ['StatusCallback', `${call.publicUrl}${CALL_STATUS_PATH}`],
    ['StatusCallbackMethod', 'POST'],
    ...(['initiated', 'ringing', 'answered', 'completed'] as const).map((e): [string, string] => ['StatusCallbackEvent', e]),
  ]);
}
