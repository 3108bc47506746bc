// The agent cannot be reached any more: the caller hears an apology (when there is one to play), then
// goes to staff if the call can be transferred, and is hung up on otherwise.
import { sleep, type Clock } from '../domain/clock.js';

/** How long past the apology's own length its playback may take to be confirmed. */
const APOLOGY_PLAYBACK_MARGIN_MS = 3000;
const BYTES_PER_MS = 8; // mu-law, 8 kHz

export interface GiveUpSteps {
  apologyAudio?: () => Promise<Buffer | undefined>;
  /** Plays the apology; resolves once the caller has heard it. */
  play(apology: Buffer): Promise<void>;
  transfer(): Promise<void>;
  hangUp(): void;
  clock: Clock;
  /** The call's: once it aborts (the call ended), nothing more happens. */
  signal: AbortSignal;
}

export async function giveUpOnAgent(steps: GiveUpSteps): Promise<void> {
  const { signal } = steps;
  const apology = await steps.apologyAudio?.().catch(() => undefined);
  if (signal.aborted) return;
  if (apology && apology.length > 0) {
    const timeout = sleep(steps.clock, apology.length / BYTES_PER_MS + APOLOGY_PLAYBACK_MARGIN_MS, signal).catch(() => undefined);
    await Promise.race([steps.play(apology), timeout]);
  }
  if (signal.aborted) return;
  try {
    await steps.transfer();
  } catch {
    steps.hangUp();
  }
}
