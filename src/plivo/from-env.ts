// Plivo's REST client from the validated environment: the auth ID and token together, or neither.
import { ConfigError, type Env } from '../config/env.js';
import { PlivoRestClient } from './rest-client.js';

/** Undefined without an auth ID (the token alone still checks signatures); a ConfigError for an ID without its token. */
export function plivoClientFromEnv(env: Pick<Env, 'PLIVO_AUTH_ID' | 'PLIVO_AUTH_TOKEN'>): PlivoRestClient | undefined {
  if (!env.PLIVO_AUTH_ID) return undefined;
  if (!env.PLIVO_AUTH_TOKEN) throw new ConfigError('invalid environment:\n  PLIVO_AUTH_TOKEN: required with PLIVO_AUTH_ID');
  return new PlivoRestClient({ authId: env.PLIVO_AUTH_ID, authToken: env.PLIVO_AUTH_TOKEN });
}
