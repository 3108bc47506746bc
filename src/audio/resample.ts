// Sample-rate conversion for 16-bit mono PCM. Linear interpolation: enough for telephone-band speech
// going to a recogniser or a phone line, and cheap enough to run per frame.

export function resampleLinear(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || input.length === 0) return input;
  const outLength = Math.max(1, Math.round((input.length * toRate) / fromRate));
  const out = new Int16Array(outLength);
  const step = fromRate / toRate;
  const last = input.length - 1;
  for (let i = 0; i < outLength; i++) {
    const pos = i * step;
    const idx = Math.floor(pos);
    const frac = pos - idx;
    const a = input[Math.min(idx, last)]!;
    const b = input[Math.min(idx + 1, last)]!;
    out[i] = Math.round(a + (b - a) * frac);
  }
  return out;
}

/**
 * Downsampling by an integer-ish ratio with a box filter first, so that a 16/22/44 kHz source does not
 * alias into the telephone band. Used for WAV files and browser audio, not on the bridge's hot path.
 */
export function downsample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (toRate >= fromRate) return resampleLinear(input, fromRate, toRate);
  const width = Math.max(1, Math.round(fromRate / toRate));
  if (width === 1) return resampleLinear(input, fromRate, toRate);
  const smoothed = new Int16Array(input.length);
  let acc = 0;
  for (let i = 0; i < input.length; i++) {
    acc += input[i]!;
    if (i >= width) acc -= input[i - width]!;
    smoothed[i] = Math.round(acc / Math.min(i + 1, width));
  }
  return resampleLinear(smoothed, fromRate, toRate);
}

/**
 * resampleLinear/downsample for a stream cut into chunks of any size: the read position and the last
 * samples carry over between chunks, so how the stream is chunked never changes the output (stateless
 * per-chunk resampling clicks at every chunk edge and drifts when a chunk is not a whole number of
 * output samples). Downsampling averages over a box of fromRate/toRate samples first, like downsample().
 */
export class StreamingResampler {
  private readonly boxWidth: number;
  private readonly box: Int32Array;
  private boxSum = 0;
  private inputCount = 0;
  private outputCount = 0;
  private previous = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    this.boxWidth = toRate < fromRate ? Math.max(1, Math.round(fromRate / toRate)) : 1;
    this.box = new Int32Array(this.boxWidth);
  }

  process(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return input;
    const smoothed = this.smooth(input);
    const first = this.inputCount;
    const last = first + smoothed.length - 1;
    // Output k sits at input position k * from / to; it needs the sample after it, so the final one of
    // a chunk waits for the next chunk (one input sample of delay).
    const capacity = Math.max(0, Math.ceil(((last - first + 1) * this.toRate) / this.fromRate) + 1);
    const out = new Int16Array(capacity);
    let n = 0;
    for (;;) {
      const pos = (this.outputCount * this.fromRate) / this.toRate;
      const idx = Math.floor(pos);
      if (idx + 1 > last) break;
      const a = idx < first ? this.previous : smoothed[idx - first]!;
      const b = smoothed[idx + 1 - first]!;
      out[n++] = Math.round(a + (b - a) * (pos - idx));
      this.outputCount++;
    }
    if (smoothed.length > 0) this.previous = smoothed[smoothed.length - 1]!;
    this.inputCount += smoothed.length;
    return out.subarray(0, n);
  }

  private smooth(input: Int16Array): Int16Array {
    if (this.boxWidth === 1) return input;
    const out = new Int16Array(input.length);
    const width = this.boxWidth;
    for (let i = 0; i < input.length; i++) {
      const t = this.inputCount + i;
      const slot = t % width;
      this.boxSum += input[i]! - this.box[slot]!;
      this.box[slot] = input[i]!;
      out[i] = Math.round(this.boxSum / Math.min(t + 1, width));
    }
    return out;
  }
}
