// The engine works on 8 kHz PCM; V1 clients negotiate their own formats in Settings.audio. These
// converters sit at the edge of a connection, one pair per connection (they keep resampler state).
import { ENGINE_SAMPLE_RATE } from './types.js';
import type { Settings } from '../agent/settings.js';
import { alawDecode, alawEncode } from '../audio/alaw.js';
import { mulawDecode, mulawEncode } from '../audio/mulaw.js';
import { StreamingResampler } from '../audio/resample.js';

export type InputAudioFormat = Settings['audio']['input'];
export type OutputAudioFormat = Settings['audio']['output'];

const CODECS = ['linear16', 'mulaw', 'alaw'] as const;
type Codec = (typeof CODECS)[number];
const MIN_RATE = 8000;
const MAX_RATE = 48000;

function isCodec(encoding: string): encoding is Codec {
  return (CODECS as readonly string[]).includes(encoding);
}

/** Why the engine cannot handle this format, or undefined when it can. */
export function unsupportedInputReason(format: InputAudioFormat): string | undefined {
  if (!isCodec(format.encoding)) return `input encoding ${format.encoding} is not supported (use ${CODECS.join(', ')})`;
  return rateProblem('input', format.sample_rate);
}

/** Why the engine cannot produce this format, or undefined when it can. */
export function unsupportedOutputReason(format: OutputAudioFormat): string | undefined {
  if (!isCodec(format.encoding)) return `output encoding ${format.encoding} is not supported (use ${CODECS.join(', ')})`;
  if (format.container !== 'none' && format.container !== 'wav') {
    return `output container ${format.container} is not supported (use none or wav)`;
  }
  return rateProblem('output', outputRate(format));
}

function rateProblem(side: string, rate: number): string | undefined {
  if (!Number.isInteger(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    return `${side} sample_rate ${rate} is not supported (use ${MIN_RATE}-${MAX_RATE} Hz)`;
  }
  return undefined;
}

/** V1 leaves output.sample_rate optional: mulaw/alaw default to telephone rate, linear16 to 24 kHz. */
export function outputRate(format: OutputAudioFormat): number {
  if (format.sample_rate !== undefined) return format.sample_rate;
  return format.encoding === 'linear16' ? 24000 : ENGINE_SAMPLE_RATE;
}

export class UnsupportedAudioFormatError extends Error {}

/** Turns the client's audio bytes into engine PCM. Stateful: one per connection. */
export class InputAudioDecoder {
  private readonly resampler: StreamingResampler;
  // A linear16 sample can straddle two messages; its first byte waits here.
  private pendingByte: number | undefined;

  constructor(readonly format: InputAudioFormat) {
    const problem = unsupportedInputReason(format);
    if (problem) throw new UnsupportedAudioFormatError(problem);
    this.resampler = new StreamingResampler(format.sample_rate, ENGINE_SAMPLE_RATE);
  }

  decode(bytes: Uint8Array): Int16Array {
    return this.resampler.process(this.toPcm(bytes));
  }

  private toPcm(bytes: Uint8Array): Int16Array {
    switch (this.format.encoding as Codec) {
      case 'mulaw':
        return mulawDecode(bytes);
      case 'alaw':
        return alawDecode(bytes);
      case 'linear16':
        return this.linear16(bytes);
    }
  }

  private linear16(bytes: Uint8Array): Int16Array {
    let data = bytes;
    if (this.pendingByte !== undefined) {
      data = new Uint8Array(bytes.length + 1);
      data[0] = this.pendingByte;
      data.set(bytes, 1);
      this.pendingByte = undefined;
    }
    const count = data.length >> 1;
    if (data.length & 1) this.pendingByte = data[data.length - 1];
    const view = new DataView(data.buffer, data.byteOffset, count * 2);
    const out = new Int16Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
    return out;
  }
}

/** Turns engine PCM into the client's negotiated bytes. Stateful: one per connection. */
export class OutputAudioEncoder {
  readonly sampleRate: number;
  private readonly resampler: StreamingResampler;
  private headerSent: boolean;

  constructor(readonly format: OutputAudioFormat) {
    const problem = unsupportedOutputReason(format);
    if (problem) throw new UnsupportedAudioFormatError(problem);
    this.sampleRate = outputRate(format);
    this.resampler = new StreamingResampler(ENGINE_SAMPLE_RATE, this.sampleRate);
    this.headerSent = format.container !== 'wav';
  }

  encode(samples: Int16Array): Uint8Array {
    const body = this.fromPcm(this.resampler.process(samples));
    if (this.headerSent) return body;
    this.headerSent = true;
    const header = streamingWavHeader(this.format.encoding as Codec, this.sampleRate);
    const out = new Uint8Array(header.length + body.length);
    out.set(header, 0);
    out.set(body, header.length);
    return out;
  }

  private fromPcm(samples: Int16Array): Uint8Array {
    switch (this.format.encoding as Codec) {
      case 'mulaw':
        return mulawEncode(samples);
      case 'alaw':
        return alawEncode(samples);
      case 'linear16': {
        const out = new Uint8Array(samples.length * 2);
        const view = new DataView(out.buffer);
        for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
        return out;
      }
    }
  }
}

const WAV_FORMAT_CODE: Record<Codec, number> = { linear16: 1, alaw: 6, mulaw: 7 };

// The length of a stream is unknown when its header goes out: the sizes say 0xffffffff, which readers
// of streamed WAV (and src/audio/wav.ts) take as "to the end of the data".
function streamingWavHeader(codec: Codec, sampleRate: number): Uint8Array {
  const bytesPerSample = codec === 'linear16' ? 2 : 1;
  const buf = Buffer.alloc(44);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(0xffffffff, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(WAV_FORMAT_CODE[codec], 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * bytesPerSample, 28);
  buf.writeUInt16LE(bytesPerSample, 32);
  buf.writeUInt16LE(bytesPerSample * 8, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(0xffffffff, 40);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}
