// Which think provider a connection gets: a real model when one is configured (the Settings'
// think.endpoint, or the server's model account), otherwise the built-in clinic dialog, so the
// agent always answers, with no account anywhere.
import type { ThinkSettings } from '../../agent/settings.js';
import type { ThinkProvider } from '../types.js';
import { ClinicDialog, type ClinicDialogOptions } from './dialog/clinic-dialog.js';
import { clinicPhrases } from './dialog/phrases.js';
import { OpenAiThinkProvider, resolveOpenAiOptions, type OpenAiAccount, type OpenAiThinkOptions } from './openai.js';

export { ClinicDialog, type ClinicDialogOptions } from './dialog/clinic-dialog.js';
export { OpenAiThinkProvider, ThinkRequestError, resolveOpenAiOptions, type OpenAiAccount, type OpenAiThinkOptions } from './openai.js';
export { SentenceSplitter, splitSentences } from './sentences.js';
export { dtmfText, parseDtmf } from './dtmf.js';

export interface ThinkProviderOptions {
  /** The server's own model; without it (and without a Settings endpoint) the built-in dialog answers. */
  account?: OpenAiAccount;
  /** Clock and time zone of the built-in dialog. */
  dialog?: ClinicDialogOptions;
  /** Timeouts of the model provider. */
  model?: Pick<OpenAiThinkOptions, 'connectTimeoutMs' | 'idleTimeoutMs'>;
}

/** One provider per connection: each keeps that call's conversation state. */
export function createThinkProvider(think: ThinkSettings, options: ThinkProviderOptions = {}): ThinkProvider {
  const endpoint = resolveOpenAiOptions(think, options.account);
  // Callers of a model-backed clinic agent say the same things, so the dialog's phrases still help the recogniser.
  if (endpoint) return new OpenAiThinkProvider({ ...endpoint, ...options.model, expectedPhrases: clinicPhrases() });
  return new ClinicDialog(options.dialog);
}
