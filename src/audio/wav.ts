// RIFF/WAVE read and write: PCM 8/16/24/32-bit, IEEE float, mu-law and A-law; any channel count
// (mixed down to mono on read).
import { mulawDecode } from './mulaw.js';
import { alawDecode } from './alaw.js';

export interface PcmAudio {
  sampleRate: number;
  /** Mono 16-bit samples. */
  samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

export class WavFormatError extends Error {}

export function readWav(buf: Buffer): PcmAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format = 0;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let data: Buffer | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    // Streaming writers leave the size as 0 or 0xffffffff: then the chunk runs to the end of the file.
    let size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (size === 0xffffffff || body + size > buf.length) size = buf.length - body;
    if (id === 'fmt ') {
      format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
      if (format === FORMAT_EXTENSIBLE && size >= 26) format = buf.readUInt16LE(body + 24);
    } else if (id === 'data') {
      data = buf.subarray(body, body + (size === 0 ? buf.length - body : size));
    }
    offset = body + size + (size & 1);
  }
  if (!format || !data) throw new WavFormatError('missing fmt or data chunk');
  if (channels < 1) throw new WavFormatError('no channels');
  const bytesPerSample = bits / 8;
  const frames = Math.floor(data.length / (bytesPerSample * channels));
  const samples = new Int16Array(frames);
  const read = sampleReader(format, bits, data);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read((i * channels + c) * bytesPerSample);
    samples[i] = Math.max(-32768, Math.min(32767, Math.round(sum / channels)));
  }
  return { sampleRate, samples };
}

function sampleReader(format: number, bits: number, data: Buffer): (at: number) => number {
  if (format === FORMAT_PCM && bits === 16) return (at) => data.readInt16LE(at);
  if (format === FORMAT_PCM && bits === 8) return (at) => (data[at]! - 128) << 8;
  if (format === FORMAT_PCM && bits === 24) return (at) => data.readIntLE(at, 3) >> 8;
  if (format === FORMAT_PCM && bits === 32) return (at) => data.readInt32LE(at) >> 16;
  if (format === FORMAT_FLOAT && bits === 32) return (at) => data.readFloatLE(at) * 32767;
  if (format === FORMAT_FLOAT && bits === 64) return (at) => data.readDoubleLE(at) * 32767;
  if (format === FORMAT_MULAW && bits === 8) {
    const decoded = mulawDecode(data);
    return (at) => decoded[at]!;
  }
  if (format === FORMAT_ALAW && bits === 8) {
    const decoded = alawDecode(data);
    return (at) => decoded[at]!;
  }
  throw new WavFormatError(`unsupported WAV encoding: format ${format}, ${bits} bits`);
}

/** Marks a size as unknown in a header written before the data: readWav then reads to the end of the file. */
const STREAMING_SIZE = 0xffffffff;

/** The 44-byte header of a 16-bit PCM WAV; without dataBytes, one for a file still being written. */
export function wavHeader(sampleRate: number, channels: number, dataBytes?: number): Buffer {
  const buf = Buffer.alloc(44);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(dataBytes === undefined ? STREAMING_SIZE : 36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(FORMAT_PCM, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes ?? STREAMING_SIZE, 40);
  return buf;
}

/** A 16-bit PCM WAV with one or more interleaved channels of equal length. */
export function writeWav(sampleRate: number, ...channels: Int16Array[]): Buffer {
  const count = channels.length;
  if (count === 0) throw new Error('writeWav needs at least one channel');
  const frames = Math.max(...channels.map((c) => c.length));
  const dataBytes = frames * count * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  wavHeader(sampleRate, count, dataBytes).copy(buf, 0);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < count; c++) buf.writeInt16LE(channels[c]![i] ?? 0, 44 + (i * count + c) * 2);
  }
  return buf;
}
