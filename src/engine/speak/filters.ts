// Second-order Butterworth sections (RBJ audio-EQ cookbook), cascaded for steeper edges. Used offline
// on whole clips: before decimating 16 kHz voices to 8 kHz and to imitate a telephone channel.

type Kind = 'lowpass' | 'highpass';

function coefficients(kind: Kind, cutoffHz: number, sampleRate: number): number[] {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const cos = Math.cos(w0);
  const b1 = kind === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'lowpass' ? b1 / 2 : -b1 / 2;
  const a0 = 1 + alpha;
  return [b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0];
}

function biquad(input: Float64Array, [b0, b1, b2, a1, a2]: number[]): Float64Array {
  const out = new Float64Array(input.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    const y = b0! * x + b1! * x1 + b2! * x2 - a1! * y1 - a2! * y2;
    x2 = x1; x1 = x; y2 = y1; y1 = y;
    out[i] = y;
  }
  return out;
}

export interface BandLimit {
  /** Cut below this frequency (Hz); omit for none. */
  lowHz?: number;
  /** Cut above this frequency (Hz); omit for none. */
  highHz?: number;
  /** Cascaded second-order sections per edge: 2 gives 24 dB/octave. */
  sections?: number;
}

export function bandLimit(samples: Int16Array, sampleRate: number, { lowHz, highHz, sections = 2 }: BandLimit): Int16Array {
  let signal: Float64Array = Float64Array.from(samples);
  for (let s = 0; s < sections; s++) {
    if (highHz !== undefined) signal = biquad(signal, coefficients('lowpass', highHz, sampleRate));
    if (lowHz !== undefined) signal = biquad(signal, coefficients('highpass', lowHz, sampleRate));
  }
  const out = new Int16Array(samples.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(signal[i]!)));
  return out;
}
