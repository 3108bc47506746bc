// What the embedded engine takes from the environment (the server's model account, the built-in
// dialog's time zone, noise suppression), as the engine's own options: the engine itself reads no environment.
import type { z } from 'zod';
import type { OfflineEngineOptions } from './engine/offline-engine.js';
import type { ThinkProviderOptions } from './engine/think/index.js';
import { EnvSchema, parseVariables } from './config/env.js';

// The engine run alone (`phone-agent engine`) checks only the variables it reads: a setting only the
// server uses cannot stop it.
const EngineEnvSchema = EnvSchema.pick({
  OPENAI_API_KEY: true,
  OPENAI_BASE_URL: true,
  OPENAI_MODEL: true,
  CLINIC_TIMEZONE: true,
  LOG_LEVEL: true,
  NOISE_SUPPRESSION: true,
});

export type EngineEnv = z.infer<typeof EngineEnvSchema>;

export function parseEngineEnv(source: Record<string, string | undefined>): EngineEnv {
  return parseVariables(EngineEnvSchema, source);
}

/** `clinicTimeZone`: the clinic config's zone, for when CLINIC_TIMEZONE is unset. */
export function engineThinkOptions(env: EngineEnv, clinicTimeZone?: string): ThinkProviderOptions {
  return {
    account: { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL },
    dialog: { timeZone: env.CLINIC_TIMEZONE ?? clinicTimeZone },
  };
}

/** The engine's options from the environment; `clinicTimeZone` as for engineThinkOptions. */
export function engineOptions(env: EngineEnv, clinicTimeZone?: string): Pick<OfflineEngineOptions, 'think' | 'noiseSuppression'> {
  return { think: engineThinkOptions(env, clinicTimeZone), noiseSuppression: env.NOISE_SUPPRESSION === 'on' };
}
