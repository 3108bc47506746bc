// What the recogniser should expect to hear from a caller of this agent. The offline recogniser is only
// usable with a language model built for the conversation, so everything in Settings that names the
// agent's world goes in: the think provider's own phrases (its dialog), the prompt (names, places,
// services), the functions (what callers ask for), listen keyterms and any restored conversation.
import type { Settings, ThinkSettings } from '../agent/settings.js';
import { splitSentences } from './think/sentences.js';
import type { ThinkProvider } from './types.js';

export function expectedPhrases(settings: Settings, think: ThinkSettings, provider: ThinkProvider): string[] {
  const phrases = [...provider.expectedPhrases()];
  if (think.prompt) phrases.push(...splitSentences(think.prompt));
  for (const fn of think.functions ?? []) {
    phrases.push(fn.name.replace(/[_-]+/g, ' '));
    if (fn.description) phrases.push(...splitSentences(fn.description));
    phrases.push(...parameterDescriptions(fn.parameters));
  }
  phrases.push(...(settings.agent.listen?.provider.keyterms ?? []));
  for (const item of settings.agent.context?.messages ?? []) {
    if ('role' in item && item.role === 'user') phrases.push(item.content);
  }
  return [...new Set(phrases.map((p) => p.trim()).filter(Boolean))];
}

function parameterDescriptions(schema: Record<string, unknown>): string[] {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    out.push(name.replace(/[_-]+/g, ' '));
    const description = (value as { description?: unknown }).description;
    if (typeof description === 'string') out.push(description);
    const values = (value as { enum?: unknown }).enum;
    if (Array.isArray(values)) out.push(...values.filter((v): v is string => typeof v === 'string'));
  }
  return out;
}
