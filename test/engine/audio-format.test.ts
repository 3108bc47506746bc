import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alawDecode, alawEncode } from '../../src/audio/alaw.js';
import { mulawEncode } from '../../src/audio/mulaw.js';
import { StreamingResampler } from '../../src/audio/resample.js';
import { readWav } from '../../src/audio/wav.js';
import {
  InputAudioDecoder,
  OutputAudioEncoder,
  UnsupportedAudioFormatError,
  unsupportedInputReason,
  unsupportedOutputReason,
} from '../../src/engine/audio-format.js';

function sine(hz: number, rate: number, ms: number, amplitude = 8000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  return Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
}

// Correlation with a reference sine of the given frequency: ~1 when the tone is there.
function toneStrength(samples: Int16Array, hz: number, rate: number): number {
  let re = 0, im = 0, energy = 0;
  for (let i = 0; i < samples.length; i++) {
    re += samples[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im += samples[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
    energy += samples[i]! ** 2;
  }
  return Math.sqrt((2 * (re * re + im * im)) / samples.length / Math.max(1, energy));
}

function linear16Bytes(samples: Int16Array): Uint8Array {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => out.writeInt16LE(s, i * 2));
  return new Uint8Array(out);
}

test('A-law: every byte survives decode then encode, and samples stay within one quantisation step', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(alawEncode(alawDecode(bytes)), bytes);
  const samples = Int16Array.from({ length: 2000 }, (_, i) => (i - 1000) * 31);
  const back = alawDecode(alawEncode(samples));
  samples.forEach((s, i) => assert.ok(Math.abs(back[i]! - s) <= Math.max(16, Math.abs(s) / 16), `${s} -> ${back[i]}`));
});

test('the streaming resampler gives the same output however the input is chunked', () => {
  const input = sine(440, 24000, 500);
  const whole = new StreamingResampler(24000, 8000).process(input);
  const chunked = new StreamingResampler(24000, 8000);
  const parts: number[] = [];
  for (let i = 0; i < input.length; i += 373) parts.push(...chunked.process(input.subarray(i, i + 373)));
  assert.deepEqual(parts, [...whole]);
  assert.ok(Math.abs(whole.length - input.length / 3) <= 1);
});

test('input: mulaw at 8 kHz decodes to the same PCM as the codec', () => {
  const pcm = sine(1000, 8000, 100);
  const decoded = new InputAudioDecoder({ encoding: 'mulaw', sample_rate: 8000 }).decode(mulawEncode(pcm));
  assert.equal(decoded.length, pcm.length);
  assert.ok(toneStrength(decoded, 1000, 8000) > 0.95);
});

test('input: linear16 at 24 kHz becomes 8 kHz with the tone kept, even with samples split across messages', () => {
  const pcm = sine(700, 24000, 400);
  const bytes = linear16Bytes(pcm);
  const decoder = new InputAudioDecoder({ encoding: 'linear16', sample_rate: 24000 });
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 101) out.push(...decoder.decode(bytes.subarray(i, i + 101)));
  assert.ok(Math.abs(out.length - pcm.length / 3) <= 2, `length ${out.length}`);
  assert.ok(toneStrength(Int16Array.from(out), 700, 8000) > 0.9);
});

test('input: alaw at 16 kHz', () => {
  const decoded = new InputAudioDecoder({ encoding: 'alaw', sample_rate: 16000 }).decode(alawEncode(sine(500, 16000, 200)));
  assert.ok(Math.abs(decoded.length - 1600) <= 1);
  assert.ok(toneStrength(decoded, 500, 8000) > 0.9);
});

test('output: linear16 at 24 kHz in a WAV container starts with one header and reads back', () => {
  const encoder = new OutputAudioEncoder({ encoding: 'linear16', sample_rate: 24000, container: 'wav' });
  const first = encoder.encode(sine(600, 8000, 100));
  const second = encoder.encode(sine(600, 8000, 100));
  assert.equal(Buffer.from(first.subarray(0, 4)).toString('ascii'), 'RIFF');
  assert.notEqual(Buffer.from(second.subarray(0, 4)).toString('ascii'), 'RIFF');
  const wav = readWav(Buffer.concat([first, second]));
  assert.equal(wav.sampleRate, 24000);
  // The resampler holds back the last input sample (3 output samples) until more audio comes.
  assert.ok(Math.abs(wav.samples.length - 4800) <= 3, `length ${wav.samples.length}`);
  assert.ok(toneStrength(wav.samples, 600, 24000) > 0.9);
});

test('output: mulaw and alaw at 8 kHz, no container, default rates', () => {
  const pcm = sine(900, 8000, 100);
  const mulaw = new OutputAudioEncoder({ encoding: 'mulaw', container: 'none' });
  assert.equal(mulaw.sampleRate, 8000);
  assert.deepEqual(mulaw.encode(pcm), mulawEncode(pcm));
  const alaw = new OutputAudioEncoder({ encoding: 'alaw', sample_rate: 8000, container: 'wav' }).encode(pcm);
  const wav = readWav(Buffer.from(alaw));
  assert.ok(toneStrength(wav.samples, 900, 8000) > 0.95);
  assert.equal(new OutputAudioEncoder({ encoding: 'linear16', container: 'none' }).sampleRate, 24000);
});

test('unsupported formats are explained and refused', () => {
  assert.equal(unsupportedInputReason({ encoding: 'mulaw', sample_rate: 8000 }), undefined);
  assert.match(unsupportedInputReason({ encoding: 'opus', sample_rate: 48000 }) ?? '', /opus/);
  assert.match(unsupportedInputReason({ encoding: 'linear16', sample_rate: 96000 }) ?? '', /96000/);
  assert.match(unsupportedOutputReason({ encoding: 'mp3', container: 'none' }) ?? '', /mp3/);
  assert.match(unsupportedOutputReason({ encoding: 'linear16', container: 'ogg' }) ?? '', /ogg/);
  assert.throws(() => new InputAudioDecoder({ encoding: 'flac', sample_rate: 16000 }), UnsupportedAudioFormatError);
});
