import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mulawDecode, MULAW_SILENCE } from '../../src/audio/mulaw.js';
import { readWav } from '../../src/audio/wav.js';
import { CallRecording } from '../../src/recording/call-recording.js';

const dir = mkdtempSync(join(tmpdir(), 'phone-agent-recording-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LOUD = 0x80; // mu-law for a large positive sample
const LOUD_SAMPLE = mulawDecode(Uint8Array.of(LOUD))[0]!;
const FRAME_MS = 20;
const frame = (byte: number, ms = FRAME_MS) => new Uint8Array(ms * 8).fill(byte);

interface Wav {
  channels: number;
  sampleRate: number;
  bits: number;
  riffSize: number;
  dataSize: number;
  left: Int16Array;
  right: Int16Array;
  fileSize: number;
}

function readStereo(path: string): Wav {
  const buf = readFileSync(path);
  const frames = (buf.length - 44) / 4;
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = buf.readInt16LE(44 + i * 4);
    right[i] = buf.readInt16LE(46 + i * 4);
  }
  return {
    channels: buf.readUInt16LE(22),
    sampleRate: buf.readUInt32LE(24),
    bits: buf.readUInt16LE(34),
    riffSize: buf.readUInt32LE(4),
    dataSize: buf.readUInt32LE(40),
    left,
    right,
    fileSize: buf.length,
  };
}

/** The write stream opens the file asynchronously: until then it holds nothing. */
const sizeOnDisk = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

/** [start, end) sample ranges where the channel is not silent. */
function loudRanges(samples: Int16Array): [number, number][] {
  const ranges: [number, number][] = [];
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) < 100) continue;
    const last = ranges.at(-1);
    if (last && last[1] === i) last[1] = i + 1;
    else ranges.push([i, i + 1]);
  }
  return ranges;
}

describe('CallRecording', () => {
  it('writes a 2-channel 8 kHz 16-bit WAV, caller left and agent right, aligned on the caller timeline', async () => {
    const path = join(dir, 'aligned.wav');
    const recording = new CallRecording(path);
    // 6 s of caller frames, loud from 1000 to 1100 ms; frames 3000-3200 ms never arrive (a gap).
    for (let t = 0; t < 6000; t += FRAME_MS) {
      if (t >= 3000 && t < 3200) continue;
      recording.addCallerAudio(t, frame(t >= 1000 && t < 1100 ? LOUD : MULAW_SILENCE));
      if (t === 2000) recording.addAgentAudio(2000, frame(LOUD, 100));
      if (t === 4000) recording.addAgentAudio(4500, frame(LOUD, 40));
    }
    const result = await recording.close();

    const wav = readStereo(path);
    assert.deepEqual([wav.channels, wav.sampleRate, wav.bits], [2, 8000, 16]);
    assert.equal(wav.dataSize, wav.fileSize - 44, 'data size fixed on close');
    assert.equal(wav.riffSize, wav.fileSize - 8, 'RIFF size fixed on close');
    assert.equal(wav.left.length, 6000 * 8);
    assert.deepEqual(result, { path, durationMs: 6000, bytes: wav.fileSize });
    assert.deepEqual(loudRanges(wav.left), [[8000, 8800]]);
    assert.deepEqual(loudRanges(wav.right), [[16000, 16800], [36000, 36320]]);
    assert.ok(wav.left.subarray(24000, 25600).every((s) => s === 0), 'the missing caller frames are silence');
    assert.equal(wav.left[8000], LOUD_SAMPLE);
    assert.equal(readWav(readFileSync(path)).samples.length, 6000 * 8, 'a standard reader agrees');
  });

  it('appends audio stamped inside what a channel already holds instead of overwriting it', async () => {
    const path = join(dir, 'overlap.wav');
    const recording = new CallRecording(path);
    // An agent that stamps three chunks with the same playback time: they play one after another.
    for (let i = 0; i < 3; i++) recording.addAgentAudio(500, frame(LOUD, 100));
    recording.addCallerAudio(0, frame(MULAW_SILENCE, 2000));
    await recording.close();
    assert.deepEqual(loudRanges(readStereo(path).right), [[4000, 6400]]);
  });

  it('streams to disk during the call, with a header a reader accepts before close', async () => {
    const path = join(dir, 'streaming.wav');
    const recording = new CallRecording(path, { settleMs: 1000 });
    for (let t = 0; t < 10_000; t += FRAME_MS) recording.addCallerAudio(t, frame(MULAW_SILENCE));
    const finalBytes = 44 + 9000 * 8 * 4; // everything but the last settleMs
    // Waits for the write stream to reach the disk; a recording that buffers the call never gets there.
    for (let i = 0; sizeOnDisk(path) < finalBytes; i++) {
      assert.ok(i < 2000, `only ${sizeOnDisk(path)} bytes on disk before close`);
      await sleep(5);
    }
    assert.equal(statSync(path).size, finalBytes, 'the last second is held back until it is final');
    assert.equal(readWav(readFileSync(path)).samples.length, 9000 * 8);
    await recording.close();
    assert.equal(readStereo(path).left.length, 10_000 * 8);
  });

  it('moves the file forward when one channel runs far ahead, so memory stays bounded', async () => {
    const path = join(dir, 'agent-only.wav');
    const recording = new CallRecording(path, { maxPendingMs: 2000 });
    recording.addAgentAudio(0, frame(LOUD, 100));
    recording.addAgentAudio(60_000, frame(LOUD, 100));
    for (let i = 0; sizeOnDisk(path) < 44 + 58_100 * 8 * 4; i++) {
      assert.ok(i < 2000, 'the minute of silence was not written before close');
      await sleep(5);
    }
    await recording.close();
    const wav = readStereo(path);
    assert.deepEqual(loudRanges(wav.right), [[0, 800], [480_000, 480_800]]);
    assert.equal(loudRanges(wav.left).length, 0);
  });

  it('reports a file it cannot write on close, without throwing at the caller', async () => {
    const recording = new CallRecording(join(dir, 'missing-folder', 'x.wav'));
    recording.addCallerAudio(0, frame(LOUD, 2000));
    await assert.rejects(recording.close(), /ENOENT/);
  });
});
