// SpeechToText on pocketsphinx. Decoders live in a small pool of worker threads (each hosts many
// recognisers, ~3% of a core per live stream), so decoding never stalls the thread moving call audio.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SpeechRecognizer, SpeechToText } from '../types.js';
import { DEFAULT_LM_OPTIONS } from './language-model.js';
import type { WorkerReply, WorkerRequest } from './stt-protocol.js';

export interface PocketsphinxSttOptions {
  /** Decoding threads, each hosting any number of recognisers. */
  workers: number;
  /** Language model order: 2 (bigram) or 3 (trigram). */
  lmOrder: number;
}

export const DEFAULT_POCKETSPHINX_STT_OPTIONS: PocketsphinxSttOptions = {
  workers: Math.min(2, availableParallelism()),
  lmOrder: DEFAULT_LM_OPTIONS.order,
};

interface Pending {
  resolve(text: string): void;
  reject(err: Error): void;
}

class DecodingWorker {
  readonly worker: Worker;
  recognizers = 0;
  private readonly pending = new Map<string, Pending>();
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(new URL('./stt-worker.js', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`speech-to-text worker exited with code ${code}`)));
  }

  get dead(): boolean {
    return this.failure !== undefined;
  }

  post(message: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    if (!this.failure) this.worker.postMessage(message, transfer);
  }

  /** Sends a request that the worker answers; the worker keeps the process alive until it does. */
  request(message: WorkerRequest & { id: number }, seq: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(`${message.id}:${seq}`, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage(message);
    });
  }

  private settle(reply: WorkerReply): void {
    const key = `${reply.id}:${reply.seq}`;
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.type === 'failed') pending.reject(new Error(reply.message));
    else pending.resolve(reply.type === 'text' ? reply.text : '');
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
  }
}

class PooledRecognizer implements SpeechRecognizer {
  private seq = 0;
  private inUtterance = false;
  private closed = false;

  constructor(
    private readonly host: DecodingWorker,
    private readonly id: number,
  ) {}

  begin(): void {
    if (this.closed) return;
    this.inUtterance = true;
    this.host.post({ type: 'begin', id: this.id });
  }

  /** Audio outside an utterance starts one. */
  write(samples: Int16Array): void {
    if (this.closed || samples.length === 0) return;
    if (!this.inUtterance) this.begin();
    const copy = samples.slice();
    this.host.post({ type: 'audio', id: this.id, samples: copy }, [copy.buffer]);
  }

  async finish(): Promise<string> {
    if (this.closed || !this.inUtterance) return '';
    this.inUtterance = false;
    return this.host.request({ type: 'finish', id: this.id, seq: ++this.seq }, this.seq);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.recognizers--;
    this.host.post({ type: 'close', id: this.id });
  }
}

export class PocketsphinxSpeechToText implements SpeechToText {
  private readonly options: PocketsphinxSttOptions;
  private readonly workers: DecodingWorker[] = [];
  private nextId = 1;

  constructor(options: Partial<PocketsphinxSttOptions> = {}) {
    this.options = { ...DEFAULT_POCKETSPHINX_STT_OPTIONS, ...options };
  }

  async createRecognizer(expectedPhrases: readonly string[]): Promise<SpeechRecognizer> {
    const host = this.leastLoadedWorker();
    const id = this.nextId++;
    host.recognizers++;
    try {
      await host.request({ type: 'create', id, phrases: [...expectedPhrases], lmOrder: this.options.lmOrder }, 0);
    } catch (err) {
      host.recognizers--;
      throw err;
    }
    return new PooledRecognizer(host, id);
  }

  /** Stops the decoding threads; recognisers still open stop working. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  private leastLoadedWorker(): DecodingWorker {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i]!.dead) this.workers.splice(i, 1);
    if (this.workers.length < this.options.workers) {
      const fresh = new DecodingWorker();
      this.workers.push(fresh);
      return fresh;
    }
    return this.workers.reduce((a, b) => (b.recognizers < a.recognizers ? b : a));
  }
}
