// Runs `flite` through the helper process of flite-runner.ts (see there for why), one helper per
// server process, started on first use and again if it dies. While nothing is being synthesised the
// helper does not keep the server alive.
import { fork, type ChildProcess } from 'node:child_process';
import type { FliteAbort, FliteResult, FliteRun } from './flite-runner.js';

interface Pending {
  resolve: (result: FliteResult) => void;
  reject: (err: Error) => void;
}

class FliteProcess {
  #child: ChildProcess | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  /** The helper's pid while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Runs `flite ...args`; aborting kills that run and resolves once it has ended. */
  run(args: string[], signal?: AbortSignal): Promise<FliteResult> {
    const child = this.#helper();
    const id = this.#nextId++;
    const result = new Promise<FliteResult>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    if (this.#pending.size === 1) this.#ref(child, true);
    child.send({ id, args } satisfies FliteRun);
    const abort = () => child.connected && child.send({ id, abort: true } satisfies FliteAbort);
    signal?.addEventListener('abort', abort, { once: true });
    return result.finally(() => signal?.removeEventListener('abort', abort));
  }

  #helper(): ChildProcess {
    if (this.#child?.connected) return this.#child;
    // No inherited node flags: a server run with --inspect or --cpu-prof must not pass them to its helper.
    const child = fork(new URL('./flite-runner.js', import.meta.url), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    child.on('message', (result: FliteResult) => {
      const pending = this.#pending.get(result.id);
      if (!pending) return;
      this.#pending.delete(result.id);
      if (this.#pending.size === 0) this.#ref(child, false);
      pending.resolve(result);
    });
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      const err = new Error(`the flite helper process exited (${signal ?? `code ${code}`})`);
      for (const pending of this.#pending.values()) pending.reject(err);
      this.#pending.clear();
    });
    this.#ref(child, false);
    this.#child = child;
    return child;
  }

  #ref(child: ChildProcess, busy: boolean): void {
    // The IPC channel is what keeps a parent alive; `channel` is typed loosely by @types/node.
    const channel = child.channel as { ref(): void; unref(): void } | undefined;
    if (busy) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  }
}

export const fliteProcess = new FliteProcess();
