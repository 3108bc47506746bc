// A real server on loopback with the AudioSocket carrier listening on a free port, a scripted V1 agent,
// and a log that tests can read: what the bridge's tests have, for simulated Asterisk callers.
import { Writable } from 'node:stream';
import { connect, type Socket } from 'node:net';
import { createLogger } from '../../src/observability/log.js';
import { AudioSocketCarrier } from '../../src/audiosocket/carrier.js';
import { AudioSocketCaller } from '../../src/simulate/audiosocket-caller.js';
import { startBridge, type BridgeHarness } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import type { ServerOptions } from '../../src/server.js';

export interface AudioSocketHarness extends BridgeHarness {
  port: number;
  /** Every log line the server wrote at warn and above, parsed. */
  logs: Array<Record<string, unknown>>;
  caller(uuid?: string): Promise<AudioSocketCaller>;
  /** A caller whose agent connection has its Settings: both ends ready to talk. */
  connectedCaller(uuid?: string): Promise<{ caller: AudioSocketCaller; agent: AgentConnection }>;
  /** A bare TCP connection to the listener, for bytes no well-behaved Asterisk would send. */
  rawSocket(): Promise<Socket>;
}

export function logSink(level = 'warn'): { logs: Array<Record<string, unknown>>; logger: ReturnType<typeof createLogger> } {
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logs, logger: createLogger({ level }, destination) };
}

export async function startAudioSocketBridge(options: Partial<Omit<ServerOptions, 'env' | 'settings'>> = {}): Promise<AudioSocketHarness> {
  const carrier = new AudioSocketCarrier({ host: '127.0.0.1', port: 0 });
  const { logs, logger } = logSink();
  const h = await startBridge({ logger, ...options, carriers: [carrier.register] });
  const port = carrier.port!;
  return {
    ...h,
    port,
    logs,
    caller: (uuid) => AudioSocketCaller.connect({ port, uuid }),
    async connectedCaller(uuid) {
      const index = h.agent.connections.length;
      const caller = await AudioSocketCaller.connect({ port, uuid });
      const agent = await h.agent.connection(index);
      await agent.waitFor((m) => m.type === 'Settings');
      return { caller, agent };
    },
    rawSocket: () =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.once('error', reject);
      }),
  };
}

/** Resolves when the socket has closed; with every byte the server sent before closing it. */
export function received(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}
