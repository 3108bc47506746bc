// Vonage from the validated environment: what the composition root (src/app.ts) adds to the server.
// Without VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY calls are still answered, but hang-up only
// closes the socket, transfer is refused and no outbound call can be placed.
import { createPrivateKey } from 'node:crypto';
import { ConfigError, type Env } from '../config/env.js';
import type { Logger } from '../observability/log.js';
import { vonageCallControl } from './call-control.js';
import { VonageClient } from './rest-client.js';
import { vonageCarrier } from './routes.js';

export { placeVonageCall, vonageCarrier, VONAGE_ANSWER_PATH, VONAGE_EVENT_PATH, VONAGE_MEDIA_PATH } from './routes.js';
export { VonageClient } from './rest-client.js';

type VonageEnv = Pick<Env, 'VONAGE_APPLICATION_ID' | 'VONAGE_PRIVATE_KEY' | 'VONAGE_SIGNATURE_SECRET' | 'PUBLIC_URL'>;

/** The REST client, when both halves of the application's credentials are set; a ConfigError when only one is. */
export function vonageClientFromEnv(env: VonageEnv, options: { apiBaseUrl?: string } = {}): VonageClient | undefined {
  const { VONAGE_APPLICATION_ID: applicationId, VONAGE_PRIVATE_KEY: privateKey } = env;
  if (!applicationId && !privateKey) return undefined;
  if (!applicationId || !privateKey) {
    const missing = applicationId ? 'VONAGE_PRIVATE_KEY' : 'VONAGE_APPLICATION_ID';
    throw new ConfigError(`invalid environment:\n  ${missing}: is required with ${applicationId ? 'VONAGE_APPLICATION_ID' : 'VONAGE_PRIVATE_KEY'}`);
  }
  return new VonageClient({ applicationId, privateKey: createPrivateKey(privateKey) }, options);
}

export function vonageFromEnv(
  env: VonageEnv,
  options: { client: VonageClient | undefined; transferNumber: string | undefined; logger: Logger },
) {
  return vonageCarrier({
    signatureSecret: env.VONAGE_SIGNATURE_SECRET,
    publicUrl: env.PUBLIC_URL,
    applicationId: env.VONAGE_APPLICATION_ID,
    control: options.client && vonageCallControl({ client: options.client, transferNumber: options.transferNumber, logger: options.logger }),
  });
}
