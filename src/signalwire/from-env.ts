// SignalWire's REST client from the validated environment: all three of its variables, or none.
import { ConfigError, type Env } from '../config/env.js';
import { SignalWireRestClient } from './rest-client.js';

type SignalWireEnv = Pick<Env, 'SIGNALWIRE_PROJECT_ID' | 'SIGNALWIRE_API_TOKEN' | 'SIGNALWIRE_SPACE_URL'>;

/** Undefined when none is set; a ConfigError naming the missing ones when only some are. */
export function signalWireClientFromEnv(env: SignalWireEnv): SignalWireRestClient | undefined {
  const { SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: apiToken, SIGNALWIRE_SPACE_URL: spaceUrl } = env;
  if (projectId && apiToken && spaceUrl) return new SignalWireRestClient({ projectId, apiToken, spaceUrl });
  const missing = Object.entries({ SIGNALWIRE_PROJECT_ID: projectId, SIGNALWIRE_API_TOKEN: apiToken, SIGNALWIRE_SPACE_URL: spaceUrl })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length === 3) return undefined;
  throw new ConfigError(`invalid environment:\n${missing.map((name) => `  ${name}: required with the other SignalWire REST variables`).join('\n')}`);
}
