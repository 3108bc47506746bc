// What the caller hears when the agent cannot be reached any more: synthesized once per process with
// the offline text-to-speech, so it needs no agent and no network.
import { mulawEncode } from '../../audio/mulaw.js';
import { DEFAULT_AGENT_VOICE, synthesizeSpeech } from './flite.js';

export const APOLOGY_TEXT = "I'm sorry, I'm having technical trouble and can't continue this call right now.";

export function apologyAudio(text = APOLOGY_TEXT): () => Promise<Buffer | undefined> {
  let clip: Promise<Buffer | undefined> | undefined;
  return () => {
    clip ??= synthesizeSpeech(text, DEFAULT_AGENT_VOICE).then(
      (pcm) => Buffer.from(mulawEncode(pcm)),
      () => undefined,
    );
    return clip;
  };
}
