// Outbound calls through Telnyx's TeXML Calls API: Telnyx dials `to` from TELNYX_PHONE_NUMBER and, once
// answered, fetches /telnyx/incoming-call like any inbound call. A URL rather than inline TeXML,
// because the stream's token is bound to a call id that only exists once the call does, and the
// webhook that issues it is the signature-checked one. With `voicemail`, TeXML's asynchronous
// answering-machine detection (MachineDetection=DetectMessageEnd, AsyncAmd) posts its result to /telnyx/amd.
import type { Env } from '../config/env.js';
import type { Dialer } from '../domain/dialer.js';
import type { VoicemailDetections } from '../domain/voicemail.js';
import type { CreatedCall, TelnyxRestClient } from './rest-client.js';
import { TELNYX_AMD_CALLBACK_PATH, TELNYX_INCOMING_CALL_PATH, TELNYX_STATUS_CALLBACK_PATH } from './carrier.js';

export interface TelnyxOutboundConfig {
  accountSid: string;
  /** The TeXML application whose settings (and outbound voice profile) the call uses. */
  applicationId: string;
  from: string;
  /** Where Telnyx reaches this server. */
  publicUrl: string;
}

type OutboundEnv = Pick<Env, 'TELNYX_API_KEY' | 'TELNYX_ACCOUNT_SID' | 'TELNYX_TEXML_APP_ID' | 'TELNYX_PHONE_NUMBER' | 'PUBLIC_URL'>;

/** The outbound settings, or every variable still missing (for a 503 that names them). */
export function telnyxOutboundConfig(env: OutboundEnv): { config: TelnyxOutboundConfig } | { missing: string[] } {
  const { TELNYX_API_KEY: apiKey, TELNYX_ACCOUNT_SID: accountSid, TELNYX_TEXML_APP_ID: applicationId, TELNYX_PHONE_NUMBER: from, PUBLIC_URL: publicUrl } = env;
  if (apiKey && accountSid && applicationId && from && publicUrl) return { config: { accountSid, applicationId, from, publicUrl } };
  const missing = [
    !apiKey && 'TELNYX_API_KEY',
    !accountSid && 'TELNYX_ACCOUNT_SID',
    !applicationId && 'TELNYX_TEXML_APP_ID',
    !from && 'TELNYX_PHONE_NUMBER',
    !publicUrl && 'PUBLIC_URL (where Telnyx reaches this server)',
  ];
  return { missing: missing.filter((m): m is string => typeof m === 'string') };
}

/**
 * Places a call to `to` (E.164); resolves with Telnyx's call sid once Telnyx accepted the request.
 * `detectMachine` asks for answering-machine detection that waits for the end of the greeting.
 */
export function placeTelnyxCall(client: TelnyxRestClient, config: TelnyxOutboundConfig, to: string, detectMachine = false): Promise<CreatedCall> {
  const detection = {
    MachineDetection: 'DetectMessageEnd',
    AsyncAmd: true,
    AsyncAmdStatusCallback: `${config.publicUrl}${TELNYX_AMD_CALLBACK_PATH}`,
    AsyncAmdStatusCallbackMethod: 'POST',
  };
  return client.createTexmlCall(config.accountSid, {
    ApplicationSid: config.applicationId,
    To: to,
    From: config.from,
    Url: `${config.publicUrl}${TELNYX_INCOMING_CALL_PATH}`,
    Method: 'POST',
    StatusCallback: `${config.publicUrl}${TELNYX_STATUS_CALLBACK_PATH}`,
    StatusCallbackMethod: 'POST',
    StatusCallbackEvent: 'initiated ringing answered completed',
    ...(detectMachine ? detection : {}),
  });
}

export interface TelnyxDialerOptions {
  env: OutboundEnv;
  /** Undefined without TELNYX_API_KEY. */
  client: TelnyxRestClient | undefined;
  /** Where calls placed with `voicemail` wait for their detection result (the carrier's /telnyx/amd reports it). */
  detections: VoicemailDetections;
}

export function telnyxDialer({ env, client, detections }: TelnyxDialerOptions): Dialer {
  const outbound = telnyxOutboundConfig(env);
  return {
    carrier: 'telnyx',
    name: 'Telnyx',
    detectsVoicemail: true,
    missing: () => ('missing' in outbound ? outbound.missing.join(', ') : undefined),
    async place({ to, voicemail }) {
      if (!('config' in outbound) || !client) throw new Error('Telnyx outbound calls are not configured');
      const call = await placeTelnyxCall(client, outbound.config, to, voicemail !== undefined);
      if (voicemail) detections.expect(call.sid, voicemail);
      return { carrier: 'telnyx', callSid: call.sid, status: call.status, to, from: outbound.config.from };
    },
  };
}
