// Outbound calls through SignalWire: it dials `to` from SIGNALWIRE_PHONE_NUMBER and, once answered,
// fetches /signalwire/incoming-call like any inbound call. A URL rather than inline cXML, because the
// stream's bearer token is bound to a CallSid that only exists once the call does, and the webhook
// that issues it is the signature-checked one. Progress callbacks go to /signalwire/status. With
// `voicemail`, SignalWire's asynchronous answering-machine detection (the Compatibility API's
// MachineDetection=DetectMessageEnd, AsyncAmd) posts its result to /signalwire/amd.
import type { Env } from '../config/env.js';
import { unmetNeeds, type Dialer } from '../domain/dialer.js';
import type { VoicemailDetections } from '../domain/voicemail.js';
import type { SignalWireCall, SignalWireRestClient } from './rest-client.js';
import { AMD_CALLBACK_PATH, CALL_STATUS_PATH, INCOMING_CALL_PATH } from './paths.js';

export interface OutboundSignalWireCall {
  to: string;
  from: string;
  /** Where SignalWire reaches this server (PUBLIC_URL). */
  publicUrl: string;
  /** Ask for answering-machine detection that waits for the end of the greeting. */
  detectMachine?: boolean;
}

export function placeSignalWireCall(client: SignalWireRestClient, call: OutboundSignalWireCall): Promise<SignalWireCall> {
  const detection: Array<[string, string]> = [
    ['MachineDetection', 'DetectMessageEnd'],
    ['AsyncAmd', 'true'],
    ['AsyncAmdStatusCallback', `${call.publicUrl}${AMD_CALLBACK_PATH}`],
    ['AsyncAmdStatusCallbackMethod', 'POST'],
  ];
  return client.createCall([
    ['To', call.to],
    ['From', call.from],
    ['Url', `${call.publicUrl}${INCOMING_CALL_PATH}`],
    ['Method', 'POST'],
    ['StatusCallback', `${call.publicUrl}${CALL_STATUS_PATH}`],
    ['StatusCallbackMethod', 'POST'],
    ...(['initiated', 'ringing', 'answered', 'completed'] as const).map((e): [string, string] => ['StatusCallbackEvent', e]),
    ...(call.detectMachine ? detection : []),
  ]);
}

export interface SignalWireDialerOptions {
  env: Pick<Env, 'SIGNALWIRE_PHONE_NUMBER' | 'PUBLIC_URL'>;
  /** Undefined without SignalWire's REST variables: the dialer then says what is missing. */
  client: SignalWireRestClient | undefined;
  /** Where calls placed with `voicemail` wait for their detection result (the carrier's /signalwire/amd reports it). */
  detections: VoicemailDetections;
}

export function signalWireDialer({ env, client, detections }: SignalWireDialerOptions): Dialer {
  return {
    carrier: 'signalwire',
    name: 'SignalWire',
    detectsVoicemail: true,
    missing() {
      return unmetNeeds([
        !client && 'SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE_URL',
        !env.SIGNALWIRE_PHONE_NUMBER && 'SIGNALWIRE_PHONE_NUMBER',
        !env.PUBLIC_URL && 'PUBLIC_URL (where SignalWire reaches this server)',
      ]);
    },
    async place({ to, voicemail }) {
      const from = env.SIGNALWIRE_PHONE_NUMBER!;
      const call = await placeSignalWireCall(client!, { to, from, publicUrl: env.PUBLIC_URL!, detectMachine: voicemail !== undefined });
      if (voicemail) detections.expect(call.sid, voicemail);
      return { carrier: 'signalwire', callSid: call.sid, status: call.status, to, from };
    },
  };
}
