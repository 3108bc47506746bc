// Worker thread hosting pocketsphinx decoders for many recognisers: each message is handled to
// completion in order, so a recogniser's audio is always decoded before its finish request.
import { parentPort } from 'node:worker_threads';
import { StreamingResampler } from '../../audio/resample.js';
import { errorMessage } from '../../observability/error-message.js';
import { ENGINE_SAMPLE_RATE } from '../types.js';
import { spokenCaller } from '../speak/phone-channel.js';
import { PocketsphinxDecoder, POCKETSPHINX_SAMPLE_RATE } from './pocketsphinx.js';
import { PronunciationDictionary } from './pronunciations.js';
import { prepareRecognizerModel } from './recognizer-model.js';
import type { WorkerReply, WorkerRequest } from './stt-protocol.js';

// A fresh decoder's cepstral mean normalisation starts cold and garbles its first utterance; one
// throw-away utterance of telephone speech warms it.
const WARM_UP_TEXT = 'Hello, I would like to make an appointment for Tuesday morning, please.';

interface Recognizer {
  decoder: PocketsphinxDecoder;
  resampler: StreamingResampler;
  /** The first failure while decoding the current utterance, reported by its finish. */
  failure?: string;
}

const port = parentPort;
if (!port) throw new Error('stt-worker.js must run as a worker thread');

let dictionary: PronunciationDictionary | undefined;
let warmUpAudio: Promise<Int16Array> | undefined;
const recognizers = new Map<number, Recognizer>();
// Creation awaits the warm-up clip; later messages for the same recogniser wait behind it.
let queue: Promise<void> = Promise.resolve();

function reply(message: WorkerReply): void {
  port!.postMessage(message);
}

function upsampler(): StreamingResampler {
  return new StreamingResampler(ENGINE_SAMPLE_RATE, POCKETSPHINX_SAMPLE_RATE);
}

async function create(id: number, phrases: readonly string[], lmOrder: number): Promise<void> {
  dictionary ??= PronunciationDictionary.load();
  warmUpAudio ??= spokenCaller(WARM_UP_TEXT, 'kal');
  const files = prepareRecognizerModel(phrases, dictionary, { order: lmOrder });
  const decoder = new PocketsphinxDecoder(files);
  const warmUp = await warmUpAudio;
  decoder.startUtterance();
  decoder.process(upsampler().process(warmUp));
  decoder.endUtterance();
  recognizers.set(id, { decoder, resampler: upsampler() });
}

function handle(message: WorkerRequest): void {
  const recognizer = recognizers.get(message.id);
  switch (message.type) {
    case 'begin':
      if (!recognizer) return;
      recognizer.resampler = upsampler();
      recognizer.failure = undefined;
      recognizer.decoder.startUtterance();
      return;
    case 'audio':
      if (!recognizer || recognizer.failure) return;
      try {
        recognizer.decoder.process(recognizer.resampler.process(message.samples));
      } catch (err) {
        recognizer.failure = errorMessage(err);
      }
      return;
    case 'finish': {
      const { id, seq } = message;
      if (!recognizer) return reply({ type: 'failed', id, seq, message: 'recognizer is closed' });
      try {
        const text = recognizer.decoder.endUtterance();
        if (recognizer.failure) throw new Error(recognizer.failure);
        return reply({ type: 'text', id, seq, text });
      } catch (err) {
        return reply({ type: 'failed', id, seq, message: errorMessage(err) });
      } finally {
        recognizer.failure = undefined;
      }
    }
    case 'close':
      recognizer?.decoder.free();
      recognizers.delete(message.id);
      return;
    case 'create':
      return;
  }
}

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'create') {
    queue = queue.then(() =>
      create(message.id, message.phrases, message.lmOrder).then(
        () => reply({ type: 'created', id: message.id, seq: 0 }),
        (err: unknown) => reply({ type: 'failed', id: message.id, seq: 0, message: errorMessage(err) }),
      ),
    );
    return;
  }
  // handle() reports its own failures; a throw here would be a bug, and must not stall the queue.
  queue = queue.then(() => handle(message)).catch((err: unknown) => console.error('stt-worker:', err));
});
