// Vonage's Dialer for POST /api/calls: placeVonageCall (routes.ts) from VONAGE_PHONE_NUMBER. The call's
// uuid is the caller's leg, the callSid its media stream will carry.
import type { Env } from '../config/env.js';
import { unmetNeeds, type Dialer } from '../domain/dialer.js';
import type { VonageClient } from './rest-client.js';
import { placeVonageCall } from './routes.js';

export interface VonageDialerOptions {
  env: Pick<Env, 'VONAGE_PHONE_NUMBER' | 'PUBLIC_URL'>;
  /** Undefined without VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY. */
  client: VonageClient | undefined;
}

export function vonageDialer({ env, client }: VonageDialerOptions): Dialer {
  return {
    carrier: 'vonage',
    name: 'Vonage',
    detectsVoicemail: false,
    missing: () =>
      unmetNeeds([
        !client && 'VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY',
        !env.VONAGE_PHONE_NUMBER && 'VONAGE_PHONE_NUMBER',
        !env.PUBLIC_URL && 'PUBLIC_URL (where Vonage reaches this server)',
      ]),
    async place({ to }) {
      const from = env.VONAGE_PHONE_NUMBER!;
      const call = await placeVonageCall(client!, { to, from, publicUrl: env.PUBLIC_URL! });
      return { carrier: 'vonage', callSid: call.uuid, status: call.status, to, from };
    },
  };
}
