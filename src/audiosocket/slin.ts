// AudioSocket carries signed linear 16-bit little-endian samples; the call core speaks mu-law. One
// conversion per frame each way, through the table-driven codec in src/audio.
import { mulawDecode, mulawEncode } from '../audio/mulaw.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Mu-law bytes as slin little-endian bytes (two per sample). */
export function mulawToSlin(mulaw: Uint8Array): Buffer {
  const samples = mulawDecode(mulaw);
  const out = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return LITTLE_ENDIAN_HOST ? out : out.swap16();
}

/** slin little-endian bytes (an even count) as mu-law bytes, one per sample. */
export function slinToMulaw(slin: Uint8Array): Buffer {
  // Copied into an aligned array: the payload sits at any offset of the socket's chunk.
  const samples = new Int16Array(slin.length >> 1);
  const bytes = new Uint8Array(samples.buffer);
  bytes.set(slin.subarray(0, bytes.length));
  if (!LITTLE_ENDIAN_HOST) Buffer.from(samples.buffer).swap16();
  const mulaw = mulawEncode(samples);
  return Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength);
}
