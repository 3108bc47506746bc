// Which think provider a connection gets: a real model when one is configured (the Settings'
// think.endpoint, or OPENAI_API_KEY), otherwise the built-in clinic dialog, so the agent always
// answers, with no account anywhere.
import type { ThinkSettings } from '../../agent/settings.js';
import type { ThinkProvider } from '../types.js';
import { ClinicDialog, type ClinicDialogOptions } from './dialog/clinic-dialog.js';
import { clinicPhrases } from './dialog/phrases.js';
import { OpenAiThinkProvider, resolveOpenAiOptions, type Environment, type OpenAiThinkOptions } from './openai.js';

export { ClinicDialog, type ClinicDialogOptions } from './dialog/clinic-dialog.js';
export { OpenAiThinkProvider, ThinkRequestError, resolveOpenAiOptions, type OpenAiThinkOptions, type Environment } from './openai.js';
export { SentenceSplitter, splitSentences } from './sentences.js';
export { dtmfText, parseDtmf } from './dtmf.js';

export interface ThinkProviderOptions {
  /** Clock and time zone of the built-in dialog. Its zone defaults to CLINIC_TIMEZONE, then the server's. */
  dialog?: ClinicDialogOptions;
  /** Timeouts of the model provider. */
  model?: Pick<OpenAiThinkOptions, 'connectTimeoutMs' | 'idleTimeoutMs'>;
}

/** One provider per connection: each keeps that call's conversation state. */
export function createThinkProvider(think: ThinkSettings, env: Environment = process.env, options: ThinkProviderOptions = {}): ThinkProvider {
  const endpoint = resolveOpenAiOptions(think, env);
  // Callers of a model-backed clinic agent say the same things, so the dialog's phrases still help the recogniser.
  if (endpoint) return new OpenAiThinkProvider({ ...endpoint, ...options.model, expectedPhrases: clinicPhrases() });
  const timeZone = options.dialog?.timeZone ?? (env.CLINIC_TIMEZONE?.trim() || undefined);
  return new ClinicDialog({ ...options.dialog, timeZone });
}
