// A synthetic caller: flite voices heard through a G.711 telephone line. Tests, benchmarks and the
// `phone-agent call --say` simulator use it so that the recogniser hears what a real line delivers.
import { ENGINE_SAMPLE_RATE } from '../types.js';
import { mulawDecode, mulawEncode } from '../../audio/mulaw.js';
import { resampleLinear } from '../../audio/resample.js';
import { bandLimit } from './filters.js';
import { fliteSpeech, type FliteVoice } from './flite.js';

/** The classic telephone passband. */
export const PHONE_BAND = { lowHz: 300, highHz: 3400 } as const;

/** Band-limits to 300-3400 Hz, resamples to 8 kHz and makes a mu-law round trip. */
export function phoneChannel(samples: Int16Array, sampleRate: number): Int16Array {
  const band = bandLimit(samples, sampleRate, PHONE_BAND);
  return mulawDecode(mulawEncode(resampleLinear(band, sampleRate, ENGINE_SAMPLE_RATE)));
}

/** What a caller speaking `text` with a flite voice sounds like at the far end of a phone line: 8 kHz PCM. */
export async function spokenCaller(text: string, voice: FliteVoice = 'rms', signal?: AbortSignal): Promise<Int16Array> {
  const { samples, sampleRate } = await fliteSpeech(text, voice, signal);
  return phoneChannel(samples, sampleRate);
}
