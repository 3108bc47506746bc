// Turn-taking on the caller's side: the VAD decides when the caller speaks; the recogniser hears each
// stretch of speech (with a little audio from before the onset, which the VAD detects late) and turns
// it into text when the VAD says the caller has stopped.
import { ByteQueue } from '../audio/byte-queue.js';
import type { Clock } from '../domain/clock.js';
import { ENGINE_SAMPLE_RATE, type SpeechRecognizer, type VoiceActivityDetector } from './types.js';

export interface Utterance {
  text: string;
  /** When the caller stopped speaking, on the clock's scale (estimated from the audio position). */
  endedAt: number;
  /** When the text was ready. */
  recognizedAt: number;
}

export interface UserSpeechEvents {
  speechStarted(): void;
  /** A finished utterance; text may be '' (noise, a cough): then it was not a turn. */
  utterance(utterance: Utterance): void;
  recognitionFailed(error: unknown): void;
}

export interface UserSpeechOptions {
  /** Audio kept from before the VAD's onset and given to the recogniser with the utterance. */
  prerollMs: number;
  /** An utterance this long ends here, so one caller cannot make the recogniser hold unbounded audio. */
  maxUtteranceMs: number;
}

export const DEFAULT_USER_SPEECH: UserSpeechOptions = { prerollMs: 300, maxUtteranceMs: 30_000 };

const SAMPLES_PER_MS = ENGINE_SAMPLE_RATE / 1000;
/** A VAD boundary further back than this is a bug or a stall, not the caller's silence. */
const MAX_END_OFFSET_MS = 3000;

export class UserSpeech {
  #speaking = false;
  #closed = false;
  /** Audio fed so far, in ms: the VAD's time scale. */
  #fedMs = 0;
  #utteranceMs = 0;
  readonly #preroll: ByteQueue<Int16Array>;
  /** Keeps results in utterance order even if the recogniser answers out of order. */
  #delivery: Promise<void> = Promise.resolve();
  /** A recogniser for a new vocabulary, waiting for the current utterance to end. */
  #next: SpeechRecognizer | undefined;

  constructor(
    private readonly vad: VoiceActivityDetector,
    private recognizer: SpeechRecognizer,
    private readonly clock: Clock,
    private readonly events: UserSpeechEvents,
    private readonly options: UserSpeechOptions = DEFAULT_USER_SPEECH,
  ) {
    this.#preroll = new ByteQueue({ bytes: options.prerollMs * SAMPLES_PER_MS * Int16Array.BYTES_PER_ELEMENT, keep: 'at-least' });
  }

  /** True from the caller's speech onset until the VAD hears the end of it. */
  get speaking(): boolean {
    return this.#speaking;
  }

  /** Caller audio, 8 kHz PCM, in arrival order. */
  push(samples: Int16Array): void {
    if (this.#closed || samples.length === 0) return;
    this.#remember(samples);
    if (this.#speaking) this.#write(samples);
    for (const event of this.vad.process(samples)) {
      if (event.type === 'speech_start' && !this.#speaking) this.#begin();
      else if (event.type === 'speech_end' && this.#speaking) this.#end(event.atMs);
    }
    if (this.#speaking && this.#utteranceMs >= this.options.maxUtteranceMs) this.#end();
  }

  /** Ends the current utterance now (V1 ForceEndTurn). */
  forceEnd(): void {
    if (this.#speaking) this.#end();
  }

  /** Recognises from now on with `next` (a new prompt's vocabulary); an utterance under way finishes with the old one. */
  useRecognizer(next: SpeechRecognizer): void {
    if (this.#closed) return next.close();
    this.#next?.close();
    this.#next = next;
    if (!this.#speaking) this.#swapRecognizer();
  }

  close(): void {
    this.#closed = true;
    this.#preroll.clear();
    this.vad.close();
    this.recognizer.close();
    this.#next?.close();
  }

  #swapRecognizer(): void {
    if (!this.#next) return;
    // A finish() already asked of the old recogniser is answered before its close (the worker keeps order).
    this.recognizer.close();
    this.recognizer = this.#next;
    this.#next = undefined;
  }

  #begin(): void {
    this.#speaking = true;
    this.#utteranceMs = 0;
    this.recognizer.begin();
    for (const chunk of this.#preroll) this.#write(chunk);
    this.events.speechStarted();
  }

  #write(samples: Int16Array): void {
    this.recognizer.write(samples);
    this.#utteranceMs += samples.length / SAMPLES_PER_MS;
  }

  /** `atMs` is the VAD's end boundary in audio time; audio arrives in real time, so it maps to the clock. */
  #end(atMs?: number): void {
    this.#speaking = false;
    const quietForMs = atMs === undefined ? 0 : Math.min(Math.max(this.#fedMs - atMs, 0), MAX_END_OFFSET_MS);
    const endedAt = this.clock.now() - quietForMs;
    const text = this.recognizer.finish();
    this.#swapRecognizer();
    this.#delivery = this.#delivery.then(async () => {
      try {
        const recognized = (await text).trim();
        if (!this.#closed) this.events.utterance({ text: recognized, endedAt, recognizedAt: this.clock.now() });
      } catch (error) {
        if (!this.#closed) this.events.recognitionFailed(error);
      }
    });
  }

  #remember(samples: Int16Array): void {
    this.#fedMs += samples.length / SAMPLES_PER_MS;
    this.#preroll.push(samples);
  }
}
