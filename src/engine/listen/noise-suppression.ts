// RNNoise (a small recurrent network that estimates per-band speech gains) on the caller's audio, before
// the VAD and the recogniser hear it. The WASM build of @echogarden/rnnoise-wasm carries its model and is
// read from the package's own files: nothing is fetched. RNNoise works on 10 ms frames at 48 kHz, so each
// call's 8 kHz audio goes up to 48 kHz, through RNNoise a frame at a time, and back down to 8 kHz.
// Added latency: RNNoise's own 10 ms look-behind plus at most one frame waiting to fill.
import RNNoise, { type RnnoiseModule } from '@echogarden/rnnoise-wasm';
import { StreamingResampler } from '../../audio/resample.js';
import { ENGINE_SAMPLE_RATE, type NoiseSuppressor } from '../types.js';

const RNNOISE_SAMPLE_RATE = 48_000;

let loading: Promise<RnnoiseModule> | undefined;

/** The WASM module, compiled once per process (~40 ms); every call's state lives in its memory. */
export function loadRnnoise(): Promise<RnnoiseModule> {
  loading ??= RNNoise();
  return loading;
}

class RnnoiseSuppressor implements NoiseSuppressor {
  readonly #up = new StreamingResampler(ENGINE_SAMPLE_RATE, RNNOISE_SAMPLE_RATE);
  readonly #down = new StreamingResampler(RNNOISE_SAMPLE_RATE, ENGINE_SAMPLE_RATE);
  readonly #frameSize: number;
  readonly #state: number;
  /** This call's frame inside the module's memory, filled in place (no copy per frame). */
  readonly #frame: number;
  #filled = 0;
  #closed = false;

  constructor(private readonly rnnoise: RnnoiseModule) {
    this.#frameSize = rnnoise._rnnoise_get_frame_size();
    this.#state = rnnoise._rnnoise_create(0);
    this.#frame = rnnoise._malloc(this.#frameSize * Float32Array.BYTES_PER_ELEMENT);
    if (this.#state === 0 || this.#frame === 0) throw new Error('RNNoise could not allocate a denoiser state');
  }

  process(samples: Int16Array): Int16Array {
    if (this.#closed) return samples;
    const upsampled = this.#up.process(samples);
    const size = this.#frameSize;
    const denoised = new Int16Array(Math.floor((this.#filled + upsampled.length) / size) * size);
    let produced = 0;
    // Fetched per call: the module replaces HEAPF32 when its memory grows (when another call starts).
    let heap = this.rnnoise.HEAPF32;
    const base = this.#frame >> 2;
    for (let i = 0; i < upsampled.length; i++) {
      heap[base + this.#filled++] = upsampled[i]!;
      if (this.#filled < size) continue;
      this.rnnoise._rnnoise_process_frame(this.#state, this.#frame, this.#frame);
      heap = this.rnnoise.HEAPF32;
      for (let j = 0; j < size; j++) {
        const v = Math.round(heap[base + j]!);
        denoised[produced++] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      this.#filled = 0;
    }
    return this.#down.process(denoised);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.rnnoise._rnnoise_destroy(this.#state);
    this.rnnoise._free(this.#frame);
  }
}

/** A denoiser for one call; the first loads the module. */
export async function createRnnoiseSuppressor(): Promise<NoiseSuppressor> {
  return new RnnoiseSuppressor(await loadRnnoise());
}
