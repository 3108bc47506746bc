// A redis-server of the run's own (Debian's package, installed by `npm test`'s bootstrap), on a free
// port and bound only to loopback and the given addresses, keeping nothing on disk: tests and
// benchmarks need no Redis running on the machine, and can kill theirs mid-call and start it again
// without touching anyone else's.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/bench/server-process.js';

export class RedisServer {
  readonly port: number;
  readonly #bind: string[];
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(port: number, bind: string[]) {
    this.port = port;
    this.#bind = bind;
  }

  /** Starts redis-server listening on 127.0.0.1 and on every address of `bind` (a test's own links). */
  static async start(bind: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), [...new Set(['127.0.0.1', ...bind])]);
    await server.restart();
    return server;
  }

  /** redis://127.0.0.1:port */
  get url(): string {
    return this.urlAt('127.0.0.1');
  }

  /** The URL for clients that reach it at `address` (one of the addresses it was bound to). */
  urlAt(address: string): string {
    return `redis://${address}:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts it (again, on the same port, empty as a Redis without persistence comes back) and waits until it answers. */
  async restart(): Promise<void> {
    await this.stop();
    const args = ['--port', String(this.port), '--bind', ...this.#bind, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#output = '';
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString('utf8')).slice(-2000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('error', (err) => {
      keep(Buffer.from(`${err.message} (is redis-server installed? npm test's bootstrap installs it)`));
      if (this.#child === child) this.#child = undefined;
    });
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    for (let attempt = 0; attempt < 100 && this.#child === child; attempt++) {
      if (await this.#answersPing()) return;
      await sleep(50);
    }
    await this.stop();
    throw new Error(`redis-server did not start on port ${this.port}: ${this.#output}`);
  }

  /** Ends it outright (SIGKILL: it vanishes mid-command, as in a crash) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    this.#child = undefined;
  }

  async #answersPing(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port });
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString('latin1').startsWith('+PONG'));
      });
    });
  }
}
