// Request/response over a worker's message port: the bench's main thread directs its peer and driver
// threads phase by phase and collects their numbers at the end.
import { Worker, parentPort, type TransferListItem } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';

type Handlers = Record<string, (arg: never) => unknown>;

interface Request {
  id: number;
  command: string;
  arg: unknown;
}

interface Response {
  id: number;
  result?: unknown;
  error?: string;
}

/** Runs inside a worker: answers each request with its handler's (awaited) result. */
export function serveRequests(handlers: Handlers): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests must run in a worker thread');
  port.on('message', async ({ id, command, arg }: Request) => {
    try {
      const handler = handlers[command];
      if (!handler) throw new Error(`unknown command ${command}`);
      const result = await handler(arg as never);
      port.postMessage({ id, result } satisfies Response, transferablesOf(result));
    } catch (err) {
      port.postMessage({ id, error: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies Response);
    }
  });
}

/** Typed samples travel by transfer: a million latencies should not be copied between threads. */
function transferablesOf(value: unknown): TransferListItem[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap((v) => (v instanceof Float64Array ? [v.buffer as ArrayBuffer] : []));
}

export class WorkerClient {
  readonly #worker: Worker;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(file: URL, workerData: unknown) {
    this.#worker = new Worker(file, { workerData });
    this.#worker.on('message', ({ id, result, error }: Response) => {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      if (error !== undefined) pending?.reject(new Error(error));
      else pending?.resolve(result);
    });
    this.#worker.on('error', (err) => this.#failAll(err));
    this.#worker.on('exit', (code) => this.#failAll(new Error(`bench worker exited (${code})`)));
  }

  request<T>(command: string, arg?: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, command, arg } satisfies Request);
    });
  }

  /** How busy the thread's event loop has been since `since` (0..1): whether the bench kept up. */
  utilization(since?: EventLoopUtilization): EventLoopUtilization {
    return this.#worker.performance.eventLoopUtilization(since);
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
