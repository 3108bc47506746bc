// The Voice Agent V1 `Settings` message (Deepgram AsyncAPI `AgentV1_AgentV1Settings`).
// Structural objects are strict so that a typo in config/agent.json is reported with its path rather
// than silently dropped. One schema serves both ends: the bridge validates config/agent.json with it at startup, and the
// embedded engine validates what clients send (answering INVALID_SETTINGS with the same explanation).
import { z } from 'zod';
import { explainIssues } from '../protocol/explain-issues.js';

export const INPUT_ENCODINGS = ['linear16', 'linear32', 'flac', 'alaw', 'mulaw', 'amr-nb', 'amr-wb', 'opus', 'ogg-opus', 'speex', 'g729'] as const;
export const OUTPUT_ENCODINGS = ['linear16', 'mulaw', 'alaw', 'mp3', 'opus', 'flac', 'aac'] as const;

const sampleRate = z.number().int().min(8000).max(48000);

export const AudioInputSchema = z.strictObject({
  encoding: z.enum(INPUT_ENCODINGS),
  sample_rate: sampleRate,
});

export const AudioOutputSchema = z.strictObject({
  encoding: z.enum(OUTPUT_ENCODINGS).default('linear16'),
  sample_rate: sampleRate.optional(),
  bitrate: z.number().int().positive().optional(),
  container: z.enum(['none', 'wav', 'ogg']).default('none'),
});

export const FunctionSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().default(''),
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  endpoint: z
    .object({ url: z.string().url(), method: z.string().optional(), headers: z.record(z.string(), z.string()).optional() })
    .optional(),
});

// Provider objects stay open: each provider type has fields of its own (voice, reasoning_mode, ...).
const ThinkProviderSchema = z.looseObject({
  type: z.string().min(1),
  model: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
});

export const ThinkSchema = z.strictObject({
  provider: ThinkProviderSchema,
  endpoint: z.object({ url: z.string().url(), headers: z.record(z.string(), z.string()).optional() }).optional(),
  prompt: z.string().max(100_000).optional(),
  context_length: z.union([z.number().int().positive(), z.literal('max')]).optional(),
  functions: z.array(FunctionSchema).max(128).optional(),
});

export const SpeakSchema = z.strictObject({
  provider: z.looseObject({ type: z.string().min(1), model: z.string().optional() }),
  endpoint: z.object({ url: z.string().url(), headers: z.record(z.string(), z.string()).optional() }).optional(),
});

export const ListenSchema = z.strictObject({
  provider: z.looseObject({ type: z.string().min(1), model: z.string().optional(), keyterms: z.array(z.string()).optional() }),
});

export const HistoryItemSchema = z.union([
  z.object({ type: z.literal('History').optional(), role: z.enum(['user', 'assistant']), content: z.string() }),
  z.object({
    type: z.literal('History').optional(),
    function_calls: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        client_side: z.boolean(),
        arguments: z.string(),
        response: z.string(),
      }),
    ),
  }),
]);

export const SettingsSchema = z.strictObject({
  type: z.literal('Settings'),
  tags: z.array(z.string()).optional(),
  experimental: z.boolean().optional(),
  mip_opt_out: z.boolean().optional(),
  flags: z.object({ history: z.boolean().optional() }).optional(),
  audio: z.strictObject({
    input: AudioInputSchema.default({ encoding: 'linear16', sample_rate: 24000 }),
    output: AudioOutputSchema.default({ encoding: 'linear16', container: 'none' }),
  }),
  agent: z.strictObject({
    language: z.string().optional(),
    context: z.object({ messages: z.array(HistoryItemSchema) }).optional(),
    listen: ListenSchema.optional(),
    think: z.union([ThinkSchema, z.array(ThinkSchema).min(1)]),
    speak: z.union([SpeakSchema, z.array(SpeakSchema).min(1)]).optional(),
    greeting: z.string().optional(),
  }),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type ThinkSettings = z.infer<typeof ThinkSchema>;
export type SpeakSettings = z.infer<typeof SpeakSchema>;
export type AgentFunction = z.infer<typeof FunctionSchema>;
export type HistoryItem = z.infer<typeof HistoryItemSchema>;

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; error: string };

export function parseSettings(value: unknown): SettingsResult {
  const r = SettingsSchema.safeParse(value);
  return r.success ? { ok: true, settings: r.data } : { ok: false, error: explainIssues(r.error) };
}

/** The primary think/speak provider: V1 accepts either one object or an ordered list of fallbacks. */
export function primaryThink(settings: Settings): ThinkSettings {
  const t = settings.agent.think;
  return Array.isArray(t) ? t[0]! : t;
}

export function primarySpeak(settings: Settings): SpeakSettings | undefined {
  const s = settings.agent.speak;
  return Array.isArray(s) ? s[0] : s;
}
