// The server under test, as its own process (`node bin/phone-agent serve`, or the bare relay it is
// compared with), so that its CPU and memory can be read from /proc apart from the bench's.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './cpu-affinity.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServerProcessOptions {
  /** Extra environment (AGENT_URL, INBOUND_CHUNK_MS, ...) over the bench's defaults. */
  env: Record<string, string>;
  /** Flags for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** The script node runs and its arguments (default `bin/phone-agent serve`); it must answer GET /readyz on PORT. */
  entry?: string[];
  readyTimeoutMs?: number;
  /** Run the server (and every process it forks) on these CPUs only: a taskset list, e.g. "0". */
  cpus?: string;
}

export class ServerProcess {
  readonly url: string;
  /** The server's store: a bench may read or seed it (SQLite takes a second process). */
  readonly databaseUrl: string;
  readonly #child: ChildProcess;
  readonly #dataDir: string;
  readonly #output: string[];

  private constructor(child: ChildProcess, url: string, dataDir: string, databaseUrl: string, output: string[]) {
    this.#child = child;
    this.url = url;
    this.databaseUrl = databaseUrl;
    this.#dataDir = dataDir;
    this.#output = output;
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'phone-agent-bench-'));
    const databaseUrl = options.env.DATABASE_URL ?? join(dataDir, 'bench.db');
    const nodeArgs = [...(options.nodeArgs ?? []), ...(options.entry ?? [join(PACKAGE_ROOT, 'bin/phone-agent'), 'serve'])];
    // taskset execs node in place, so the child's pid is still the server's.
    const { command, args } =
      options.cpus === undefined ? { command: process.execPath, args: nodeArgs } : pinnedCommand(options.cpus, process.execPath, nodeArgs);
    const child = spawn(command, args, {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...options.env,
        DATABASE_URL: databaseUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kept for the error message if the server dies; warnings under load are not the bench's output.
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.length > 50) output.shift();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`, dataDir, databaseUrl, output);
    await server.#waitReady(options.readyTimeoutMs ?? 30_000);
    return server;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get mediaStreamUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/media-stream`;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The last lines the server wrote, for diagnosing a failed run. */
  get outputTail(): string {
    return this.#output.join('').split('\n').slice(-20).join('\n');
  }

  signal(name: NodeJS.Signals): void {
    this.#child.kill(name);
  }

  /** SIGTERM (the server drains, then exits, writing any --cpu-prof profile), bounded by a SIGKILL. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.alive) {
      const exited = once(this.#child, 'exit');
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.#dataDir, { recursive: true, force: true });
  }

  async #waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the server exited during startup:\n${this.outputTail}`);
      try {
        if ((await fetch(`${this.url}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(`the server was not ready within ${timeoutMs} ms:\n${this.outputTail}`);
  }
}

/** A TCP port free on loopback right now (for a child process that must be told its port). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}
