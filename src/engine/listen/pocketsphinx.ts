// Debian's pocketsphinx 0.8+5prealpha (libpocketsphinx.so.3 + libsphinxbase.so.3) called in-process
// through koffi. Decoding is synchronous CPU work: run this inside a worker thread, never on the
// thread that moves call audio.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import koffi, { type LibraryHandle } from 'koffi';
import { POCKETSPHINX_MODEL_DIR } from './pronunciations.js';

const PACKAGES = 'pocketsphinx pocketsphinx-en-us libpocketsphinx3 libsphinxbase3';

export class PocketsphinxUnavailableError extends Error {
  constructor(what: string, cause?: unknown) {
    super(`${what}: install the Debian packages ${PACKAGES} (apt-get install ${PACKAGES})`, { cause });
  }
}

type Pointer = unknown;

interface Library {
  ps_args(): Pointer;
  cmd_ln_parse_r(inout: Pointer, defs: Pointer, argc: number, argv: string[], strict: number): Pointer;
  cmd_ln_free_r(config: Pointer): number;
  ps_init(config: Pointer): Pointer;
  ps_free(decoder: Pointer): number;
  ps_start_utt(decoder: Pointer): number;
  ps_process_raw(decoder: Pointer, data: Int16Array, samples: number, noSearch: number, fullUtterance: number): number;
  ps_end_utt(decoder: Pointer): number;
  ps_get_hyp(decoder: Pointer, score: [number]): string | null;
}

let library: Library | undefined;

function load(): Library {
  if (library) return library;
  let sphinxbase: LibraryHandle;
  let pocketsphinx: LibraryHandle;
  try {
    sphinxbase = koffi.load('libsphinxbase.so.3');
    pocketsphinx = koffi.load('libpocketsphinx.so.3');
  } catch (err) {
    throw new PocketsphinxUnavailableError('the pocketsphinx libraries could not be loaded', err);
  }
  // The library logs every decoder's configuration to stderr; only errors would matter, and they
  // surface as return codes.
  sphinxbase.func('int err_set_logfile(const char *path)')('/dev/null');
  library = {
    ps_args: pocketsphinx.func('void *ps_args()'),
    cmd_ln_parse_r: sphinxbase.func('void *cmd_ln_parse_r(void *inout, void *defs, int argc, const char **argv, int strict)'),
    cmd_ln_free_r: sphinxbase.func('int cmd_ln_free_r(void *config)'),
    ps_init: pocketsphinx.func('void *ps_init(void *config)'),
    ps_free: pocketsphinx.func('int ps_free(void *decoder)'),
    ps_start_utt: pocketsphinx.func('int ps_start_utt(void *decoder)'),
    ps_process_raw: pocketsphinx.func('int ps_process_raw(void *decoder, const int16_t *data, size_t samples, int no_search, int full_utt)'),
    ps_end_utt: pocketsphinx.func('int ps_end_utt(void *decoder)'),
    ps_get_hyp: pocketsphinx.func('const char *ps_get_hyp(void *decoder, _Out_ int32_t *score)'),
  } as Library;
  return library;
}

/** The only acoustic model Debian ships is 16 kHz: telephone audio must be upsampled before decoding. */
export const POCKETSPHINX_SAMPLE_RATE = 16000;

export interface DecoderFiles {
  lmPath: string;
  dictPath: string;
  /** Acoustic model directory. */
  hmmDir?: string;
}

/** One pocketsphinx decoder: one utterance at a time. */
export class PocketsphinxDecoder {
  private readonly lib: Library;
  private config: Pointer;
  private decoder: Pointer;
  private inUtterance = false;

  constructor({ lmPath, dictPath, hmmDir = join(POCKETSPHINX_MODEL_DIR, 'en-us') }: DecoderFiles) {
    if (!existsSync(join(hmmDir, 'mdef'))) throw new PocketsphinxUnavailableError(`no acoustic model in ${hmmDir}`);
    this.lib = load();
    const argv = [
      '-hmm', hmmDir, '-lm', lmPath, '-dict', dictPath, '-samprate', String(POCKETSPHINX_SAMPLE_RATE),
      // The flat-lexicon second pass runs over the whole utterance inside ps_end_utt: without it the
      // final text arrives in ~4 ms instead of ~70 ms, and with a small domain LM it gained no accuracy
      // (bench/stt-wer.ts: WER 10.3% without, 10.9% with).
      '-fwdflat', 'no',
    ];
    this.config = this.lib.cmd_ln_parse_r(null, this.lib.ps_args(), argv.length, argv, 1);
    if (!this.config) throw new Error(`pocketsphinx rejected its arguments: ${argv.join(' ')}`);
    this.decoder = this.lib.ps_init(this.config);
    if (!this.decoder) {
      this.lib.cmd_ln_free_r(this.config);
      throw new Error(`pocketsphinx could not start a decoder with ${lmPath} and ${dictPath}`);
    }
  }

  startUtterance(): void {
    if (this.inUtterance) this.lib.ps_end_utt(this.decoder);
    if (this.lib.ps_start_utt(this.decoder) < 0) throw new Error('pocketsphinx could not start an utterance');
    this.inUtterance = true;
  }

  /** 16 kHz samples of the current utterance. */
  process(samples: Int16Array): void {
    if (!this.inUtterance || samples.length === 0) return;
    if (this.lib.ps_process_raw(this.decoder, samples, samples.length, 0, 0) < 0) {
      throw new Error('pocketsphinx failed to process audio');
    }
  }

  /** Ends the utterance; its best hypothesis, '' when nothing was recognised. */
  endUtterance(): string {
    if (!this.inUtterance) return '';
    this.inUtterance = false;
    this.lib.ps_end_utt(this.decoder);
    return (this.lib.ps_get_hyp(this.decoder, [0]) ?? '').trim();
  }

  free(): void {
    if (!this.decoder) return;
    this.lib.ps_free(this.decoder);
    this.lib.cmd_ln_free_r(this.config);
    this.decoder = null;
    this.config = null;
  }
}
