// Asterisk AudioSocket as a carrier: a raw TCP listener, not an HTTP route. Asterisk's AudioSocket()
// application (or its AudioSocket channel) connects here once per call. The protocol has no
// authentication at all, so the listener binds loopback unless told otherwise, and says so loudly
// when it is not.
import { createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { CarrierContext } from '../domain/telephony-leg.js';
import { ConfigError } from '../config/env.js';
import { acceptAudioSocketConnection } from './connection.js';

export interface AudioSocketOptions {
  /** AUDIOSOCKET_HOST: the address to bind (127.0.0.1 unless Asterisk runs on another machine). */
  host: string;
  /** AUDIOSOCKET_PORT: 0 picks a free port (see `port` once registered). */
  port: number;
}

/** How long shutdown waits for Asterisk to close each connection after its hangup. */
const SHUTDOWN_GRACE_MS = 1_000;

export class AudioSocketCarrier {
  readonly #options: AudioSocketOptions;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  /** UUIDs of the calls on this listener: a dialplan that reuses one would mix two calls' records. */
  readonly #liveUuids = new Set<string>();

  constructor(options: AudioSocketOptions) {
    this.#options = options;
  }

  /** The bound port, once registered (the one chosen when AUDIOSOCKET_PORT=0). */
  get port(): number | undefined {
    return (this.#server?.address() as AddressInfo | null)?.port;
  }

  /** The carrier's registration (ServerOptions.carriers): listens at once, stops with the app. */
  readonly register = async (app: FastifyInstance, context: CarrierContext): Promise<void> => {
    const { host, port } = this.#options;
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      acceptAudioSocketConnection(socket, {
        ...context,
        claim: (uuid) => {
          if (this.#liveUuids.has(uuid)) return false;
          this.#liveUuids.add(uuid);
          return true;
        },
        release: (uuid) => this.#liveUuids.delete(uuid),
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', (err) => context.logger.error({ err }, 'audiosocket listener error'));
    this.#server = server;
    context.logger.info({ host, port: this.port }, 'audiosocket listening');
    if (!isLoopback(host)) {
      context.logger.warn({ host }, 'AudioSocket has no authentication: keep AUDIOSOCKET_HOST on a private network only Asterisk can reach');
    }
    app.addHook('onClose', () => this.#close());
  };

  async #close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // The server's shutdown has ended every call (each sent its hangup): give Asterisk a moment to close.
    const grace = setTimeout(() => this.#sockets.forEach((s) => s.destroy()), SHUTDOWN_GRACE_MS);
    for (const socket of this.#sockets) socket.end();
    await closed;
    clearTimeout(grace);
  }
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `AUDIOSOCKET_PORT: cannot listen on ${host}:${port}`;
  if (err.code === 'EADDRINUSE') return new ConfigError(`${where}: the address is in use (another server is running there?)`);
  if (err.code === 'EACCES') return new ConfigError(`${where}: permission denied`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new ConfigError(`AUDIOSOCKET_HOST: ${host} is not an address of this machine`);
  return err;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
