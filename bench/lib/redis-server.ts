// A redis-server of the run's own (Debian's package), on a port of its own and bound only to the given
// addresses, keeping nothing on disk: it can be stopped and started again mid-run without touching
// the machine's shared Redis.
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

  /** Starts redis-server listening on every address of `bind` (127.0.0.1 always among them). */
  static async start(bind: string[]): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), [...new Set(['127.0.0.1', ...bind])]);
    await server.restart();
    return server;
  }

  /** redis://address:port for clients that reach it at `address`. */
  url(address: string): string {
    return `redis://${address}:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts it again (empty, as a Redis without persistence comes back) and waits until it answers. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error('redis-server is already running');
    const args = ['--port', String(this.port), '--bind', ...this.#bind, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#output = '';
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString('utf8')).slice(-2000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await this.#answersPing()) return;
      if (!this.#child) break;
      await sleep(50);
    }
    await this.stop();
    throw new Error(`redis-server did not start on port ${this.port}: ${this.#output}`);
  }

  /** Stops it outright (SIGKILL: an outage, not a shutdown) and waits until it is gone. */
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
