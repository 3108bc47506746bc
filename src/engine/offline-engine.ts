// The engine as shipped: offline parts only. Silero VAD and pocketsphinx (in worker threads) listen,
// after RNNoise when noise suppression is on; the built-in clinic dialog or any OpenAI-compatible model
// thinks; flite speaks.
import type { SpeakSettings } from '../agent/settings.js';
import type { Logger } from '../observability/log.js';
import type { Clock } from '../domain/clock.js';
import { Engine } from './engine.js';
import { PocketsphinxSpeechToText, type PocketsphinxSttOptions } from './listen/pocketsphinx-stt.js';
import { createRnnoiseSuppressor } from './listen/noise-suppression.js';
import { createSileroVad } from './listen/vad.js';
import type { EngineSessionOptions } from './session.js';
import { DEFAULT_AGENT_VOICE, FLITE_VOICES, FliteTextToSpeech, type FliteVoice } from './speak/flite.js';
import { createThinkProvider, type ThinkProviderOptions } from './think/index.js';

export interface OfflineEngineOptions {
  logger?: Logger;
  clock?: Clock;
  /** The server's model (instead of the built-in dialog) and its timeouts; the built-in dialog's calendar clock and zone. */
  think?: ThinkProviderOptions;
  stt?: Partial<PocketsphinxSttOptions>;
  session?: Partial<EngineSessionOptions>;
  /** RNNoise on each call's audio before the VAD and the recogniser (the server sets it from NOISE_SUPPRESSION). Default off. */
  noiseSuppression?: boolean;
}

export function createOfflineEngine(options: OfflineEngineOptions = {}): Engine {
  const speechToText = new PocketsphinxSpeechToText(options.stt);
  return new Engine({
    parts: {
      speechToText,
      createVad: () => createSileroVad(),
      createNoiseSuppressor: options.noiseSuppression ? createRnnoiseSuppressor : undefined,
      createTextToSpeech: (speak) => new FliteTextToSpeech({ voice: fliteVoice(speak) }),
      createThinkProvider: (think) => createThinkProvider(think, options.think),
    },
    logger: options.logger,
    clock: options.clock,
    session: options.session,
    closeParts: () => speechToText.close(),
  });
}

/**
 * Settings name hosted voices (aura-2-thalia-en) that do not exist here: those get the default agent voice.
 * A Settings that asks for a flite voice by name (speak.provider.voice or model, e.g. "kal") gets it.
 */
function fliteVoice(speak: SpeakSettings | undefined): FliteVoice {
  const provider = speak?.provider as { voice?: unknown; model?: unknown } | undefined;
  for (const wanted of [provider?.voice, provider?.model]) {
    if (typeof wanted === 'string' && (FLITE_VOICES as readonly string[]).includes(wanted)) return wanted as FliteVoice;
  }
  return DEFAULT_AGENT_VOICE;
}
