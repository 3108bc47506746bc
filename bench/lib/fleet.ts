// phone-agent instances, one per host (bench/lib/hosts.ts), each `phone-agent serve` as its own process
// with its own INSTANCE_ID, started together and ended together. Their JSON log lines are kept, so a
// test can tell which instance did what.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT, freePort } from '../../src/bench/server-process.js';
import type { Hosts } from './hosts.js';
import type { BackendServer } from './haproxy.js';

/** Inside a namespace every instance has the host to itself, so each listens where a real one would. */
const NAMESPACE_PORT = 5000;

export class Instance {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** Every JSON log line the instance wrote, parsed. */
  readonly logs: Array<Record<string, unknown>> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  #stderr = '';

  private constructor(id: string, address: string, port: number, child: ChildProcess) {
    this.id = id;
    this.address = address;
    this.port = port;
    this.#child = child;
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        this.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a partial line from a process killed mid-write
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000)));
  }

  static async start(hosts: Hosts, index: number, id: string, env: Record<string, string>): Promise<Instance> {
    const address = hosts.addresses[index]!;
    const port = hosts.kind === 'namespaces' ? NAMESPACE_PORT : await freePort();
    const { command, args } = hosts.command(index, process.execPath, [join(PACKAGE_ROOT, 'bin/phone-agent'), 'serve']);
    const child = spawn(command, args, {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env, HOST: address, PORT: String(port), INSTANCE_ID: id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Instance(id, address, port, child);
  }

  get url(): string {
    return `http://${this.address}:${this.port}`;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get backend(): BackendServer {
    return { name: this.id, address: this.address, port: this.port };
  }

  /** What it wrote to stderr last, for a failure's message. */
  get stderrTail(): string {
    return this.#stderr;
  }

  signal(name: NodeJS.Signals): void {
    this.#child.kill(name);
  }

  /** The log lines with this `msg`. */
  logged(msg: string): Array<Record<string, unknown>> {
    return this.logs.filter((l) => l.msg === msg);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`instance ${this.id} exited while starting: ${this.#stderr}`);
      try {
        if ((await fetch(`${this.url}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`instance ${this.id} was not ready within ${timeoutMs} ms: ${this.#stderr}`);
  }

  /** Ends it at once, if it still runs. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.#child.kill('SIGKILL');
    await this.exited;
  }
}

/** One instance per host, `host-1`..., all ready; if one fails to start, none is left running. */
export async function startFleet(hosts: Hosts, env: (index: number) => Record<string, string>): Promise<Instance[]> {
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < hosts.addresses.length; i++) instances.push(await Instance.start(hosts, i, `host-${i + 1}`, env(i)));
    await Promise.all(instances.map((instance) => instance.waitReady()));
    return instances;
  } catch (err) {
    await Promise.all(instances.map((instance) => instance.kill()));
    throw err;
  }
}
