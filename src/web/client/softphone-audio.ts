// The softphone's sound: the microphone as 8 kHz mu-law 20 ms frames, and the agent's mu-law played
// through an AudioWorklet that reports marks as they are reached. Codecs and resampling are the
// server's own modules (src/audio), compiled for the browser too.
import { mulawDecode, mulawEncode } from '../../audio/mulaw.js';
import { StreamingResampler } from '../../audio/resample.js';
import type { PlaybackCommand, PlaybackReport } from './worklets.js';

export const PHONE_RATE = 8000;
export const FRAME_BYTES = 160;
const WORKLETS_URL = new URL('./worklets.js', import.meta.url);

export interface SoftphoneAudioEvents {
  /** One 20 ms frame of caller audio, mu-law. */
  frame(mulaw: Uint8Array): void;
  /** The playhead passed a mark (or `clear` dropped the audio before it). */
  mark(name: string): void;
  /** Microphone loudness, 0..1, about fifty times a second. */
  level(rms: number): void;
}

export class SoftphoneAudio {
  /** Agent audio played so far, counted in 8 kHz samples. */
  playedSamples = 0;
  readonly #context: AudioContext;
  readonly #microphone: MediaStream;
  readonly #playback: AudioWorkletNode;
  readonly #toPhone: StreamingResampler;
  readonly #fromPhone: StreamingResampler;
  #pending = new Uint8Array(0);

  private constructor(context: AudioContext, microphone: MediaStream, capture: AudioWorkletNode, playback: AudioWorkletNode, events: SoftphoneAudioEvents) {
    this.#context = context;
    this.#microphone = microphone;
    this.#playback = playback;
    this.#toPhone = new StreamingResampler(context.sampleRate, PHONE_RATE);
    this.#fromPhone = new StreamingResampler(PHONE_RATE, context.sampleRate);
    capture.port.onmessage = (event: MessageEvent<Float32Array>) => this.#onMicrophone(event.data, events);
    playback.port.onmessage = (event: MessageEvent<PlaybackReport>) => {
      const report = event.data;
      if (report.type === 'played') this.playedSamples += (report.frames * PHONE_RATE) / this.#context.sampleRate;
      else events.mark(report.name);
    };
  }

  /** Asks for the microphone; rejects when it is refused or missing. */
  static async open(events: SoftphoneAudioEvents): Promise<SoftphoneAudio> {
    const microphone = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const context = new AudioContext({ latencyHint: 'interactive' });
    try {
      await context.audioWorklet.addModule(WORKLETS_URL);
      const capture = new AudioWorkletNode(context, 'softphone-capture', { numberOfInputs: 1, numberOfOutputs: 0 });
      context.createMediaStreamSource(microphone).connect(capture);
      const playback = new AudioWorkletNode(context, 'softphone-playback', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
      playback.connect(context.destination);
      await context.resume();
      return new SoftphoneAudio(context, microphone, capture, playback, events);
    } catch (err) {
      microphone.getTracks().forEach((t) => t.stop());
      await context.close();
      throw err;
    }
  }

  /** Queues agent audio (mu-law, 8 kHz) behind what is already playing. */
  play(mulaw: Uint8Array): void {
    const samples = this.#fromPhone.process(mulawDecode(mulaw));
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! / 32768;
    this.#command({ type: 'audio', samples: floats }, [floats.buffer]);
  }

  mark(name: string): void {
    this.#command({ type: 'mark', name });
  }

  /** Stops what is playing now; pending marks come back through events.mark. */
  clear(): void {
    this.#command({ type: 'clear' });
  }

  async close(): Promise<void> {
    this.#microphone.getTracks().forEach((t) => t.stop());
    await this.#context.close();
  }

  #command(command: PlaybackCommand, transfer: Transferable[] = []): void {
    this.#playback.port.postMessage(command, transfer);
  }

  #onMicrophone(batch: Float32Array, events: SoftphoneAudioEvents): void {
    const pcm = new Int16Array(batch.length);
    let energy = 0;
    for (let i = 0; i < batch.length; i++) {
      const s = Math.max(-1, Math.min(1, batch[i]!));
      energy += s * s;
      pcm[i] = Math.round(s * 32767);
    }
    events.level(Math.sqrt(energy / Math.max(batch.length, 1)));
    const encoded = mulawEncode(this.#toPhone.process(pcm));
    const joined = new Uint8Array(this.#pending.length + encoded.length);
    joined.set(this.#pending);
    joined.set(encoded, this.#pending.length);
    let offset = 0;
    for (; offset + FRAME_BYTES <= joined.length; offset += FRAME_BYTES) events.frame(joined.slice(offset, offset + FRAME_BYTES));
    this.#pending = joined.slice(offset);
  }
}
