import { test } from 'node:test';
import assert from 'node:assert/strict';
import { babbleNoise, mixAtSnr, noisyCaller, parseNoiseKind, pinkNoise } from '../../bench/lib/noise.js';
import { spokenCaller } from '../../src/engine/speak/phone-channel.js';

function power(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return sum / samples.length;
}

/** Mean power at one frequency (Goertzel) over consecutive blocks of `block` samples. */
function powerAt(samples: Float32Array, hz: number, sampleRate: number, block = 2048): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let total = 0;
  let blocks = 0;
  for (let start = 0; start + block <= samples.length; start += block, blocks++) {
    let s1 = 0;
    let s2 = 0;
    for (let i = start; i < start + block; i++) [s1, s2] = [samples[i]! + coeff * s1 - s2, s1];
    total += s1 * s1 + s2 * s2 - coeff * s1 * s2;
  }
  return total / blocks;
}

test('pink noise has unit RMS, falls 3 dB per octave and repeats for the same seed only', () => {
  const noise = pinkNoise(16000 * 8, 5);
  assert.ok(Math.abs(power(noise) - 1) < 1e-3);
  // Three octaves apart: a 1/f spectrum is 9 dB down; white noise would be level.
  const dropDb = 10 * Math.log10(powerAt(noise, 250, 16000) / powerAt(noise, 2000, 16000));
  assert.ok(dropDb > 6 && dropDb < 12, `drop over three octaves ${dropDb.toFixed(1)} dB`);
  assert.deepEqual(pinkNoise(1000, 5), pinkNoise(1000, 5));
  assert.notDeepEqual(pinkNoise(1000, 5), pinkNoise(1000, 6));
});

test('mixAtSnr puts the noise the asked number of dB under the speech, looping short noise', () => {
  const speech = Int16Array.from({ length: 8000 }, (_, i) => Math.round(3000 * Math.sin(i / 5)));
  const noise = pinkNoise(3000, 2);
  for (const snrDb of [0, 10, 15]) {
    const mixed = mixAtSnr(speech, noise, snrDb);
    const added = Float64Array.from(mixed, (v, i) => v - speech[i]!);
    const measured = 10 * Math.log10(power(speech) / power(added));
    assert.ok(Math.abs(measured - snrDb) < 0.1, `asked ${snrDb} dB, got ${measured.toFixed(2)}`);
    // Looped: the noise after its end is the noise from its start again.
    assert.ok(Math.abs(added[3000 + 17]! - added[17]!) <= 1);
  }
  assert.throws(() => mixAtSnr(new Int16Array(100), noise, 10), /not silent/);
});

test('babble is other voices talking: unit RMS, speech-shaped, and deterministic for a seed', async () => {
  const length = 16000 * 3;
  const a = await babbleNoise(length, 16000, { talkers: 3, exclude: ['rms', 'slt'], seed: 3 });
  assert.equal(a.length, length);
  assert.ok(Math.abs(power(a) - 1) < 1e-3);
  assert.deepEqual(await babbleNoise(length, 16000, { talkers: 3, exclude: ['rms', 'slt'], seed: 3 }), a);
  assert.notDeepEqual(await babbleNoise(length, 16000, { talkers: 3, exclude: ['rms', 'slt'], seed: 4 }), a);
  // Voices carry most of their power below 1 kHz, unlike white noise.
  assert.ok(powerAt(a, 300, 16000) > 5 * powerAt(a, 3500, 16000));
  await assert.rejects(babbleNoise(100, 16000, { exclude: ['kal', 'kal16', 'awb', 'rms', 'slt'] }), /at least one voice/);
});

test('a noisy caller is the clean caller plus noise at the asked SNR, through the phone line', async () => {
  const text = 'I need a refill of my prescription';
  const clean = await spokenCaller(text, 'slt');
  assert.deepEqual(await noisyCaller(text, 'slt', { noise: 'none', snrDb: 10 }), clean);
  const heardSnr = async (noise: 'pink' | 'babble', snrDb: number) => {
    const noisy = await noisyCaller(text, 'slt', { noise, snrDb, seed: 1 });
    assert.equal(noisy.length, clean.length);
    return 10 * Math.log10(power(clean) / power(Float64Array.from(noisy, (v, i) => v - clean[i]!)));
  };
  for (const noise of ['pink', 'babble'] as const) {
    // Mixed before the line, measured in its band: the far end hears the SNR asked for (mu-law adds a little).
    for (const snrDb of [10, 15]) {
      const heard = await heardSnr(noise, snrDb);
      assert.ok(Math.abs(heard - snrDb) < 0.5, `${noise} mixed at ${snrDb} dB: ${heard.toFixed(2)} dB on the line`);
    }
  }
  // A noisy lead-in before the same speech at the same SNR.
  const led = await noisyCaller(text, 'slt', { noise: 'pink', snrDb: 10, seed: 1, leadInMs: 500 });
  assert.equal(led.length, clean.length + 4000);
  assert.ok(power(led.subarray(0, 3900)) > 0, 'the lead-in is noise, not silence');
  const speechPart = led.subarray(4000);
  const snr = 10 * Math.log10(power(clean) / power(Float64Array.from(speechPart, (v, i) => v - clean[i]!)));
  assert.ok(Math.abs(snr - 10) < 0.5, `after a lead-in: ${snr.toFixed(2)} dB`);
  assert.throws(() => parseNoiseKind('traffic'), /unknown noise traffic \(use none, pink, babble\)/);
});
