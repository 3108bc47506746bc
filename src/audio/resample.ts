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
