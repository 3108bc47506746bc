// Process entry: the "null bridge" of the socket floor (bench/socket-floor.ts). Plain node:net, no
// WebSocket, no parsing: for each caller that connects it dials the agent side and copies every chunk
// it reads from one socket to the other, as it came. The one exception: a read that is exactly one
// mark echo (its length is the mark size and its first byte 'M') is dropped, as the bridge consumes
// Twilio's mark echoes rather than forwarding them; a mark that shares a read with a frame goes on.
//   node null-forwarder.js <agent port>[,<agent port>...] <mark bytes, 0: drop nothing>
// Listens on one caller port per agent port (a caller on the i-th is paired with the i-th agent
// listener), reports them over the IPC channel, and answers 'counts' there.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';

export interface ForwarderCounts {
  calls: number;
  callerReads: number;
  agentReads: number;
  agentWrites: number;
  callerWrites: number;
  marksDropped: number;
  /** Raw event-loop utilization (cumulative idle/active ms): differences of two give the busy share. */
  elu: { idle: number; active: number };
}

const MARK = 0x4d;

async function main(): Promise<void> {
  const agentPorts = (process.argv[2] ?? '').split(',').map(Number);
  const markBytes = Number(process.argv[3] ?? 0);
  if (agentPorts.some((p) => !Number.isInteger(p) || p <= 0) || !process.send) {
    process.stderr.write('usage: null-forwarder.js <agent port,...> <mark bytes>  (started with an IPC channel)\n');
    process.exit(2);
  }
  const counts = { calls: 0, callerReads: 0, agentReads: 0, agentWrites: 0, callerWrites: 0, marksDropped: 0 };

  const bridge = (caller: Socket, agentPort: number): void => {
    counts.calls++;
    const agent = connect({ host: '127.0.0.1', port: agentPort, noDelay: true });
    caller.on('data', (chunk: Buffer) => {
      counts.callerReads++;
      if (chunk.length === markBytes && chunk[0] === MARK) {
        counts.marksDropped++;
        return;
      }
      counts.agentWrites++;
      agent.write(chunk);
    });
    agent.on('data', (chunk: Buffer) => {
      counts.agentReads++;
      counts.callerWrites++;
      caller.write(chunk);
    });
    const end = () => {
      caller.destroy();
      agent.destroy();
    };
    for (const s of [caller, agent]) {
      s.on('error', end);
      s.on('close', end);
    }
  };

  const servers: Server[] = [];
  for (const agentPort of agentPorts) {
    const server = createServer({ noDelay: true }, (caller) => bridge(caller, agentPort));
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
    await once(server, 'listening');
    servers.push(server);
  }
  process.on('message', (m) => {
    if (m === 'counts') process.send!({ ...counts, elu: performance.eventLoopUtilization() } satisfies ForwarderCounts);
  });
  // The load generator going away (or closing the channel) ends the forwarder.
  process.on('disconnect', () => process.exit(0));
  process.send({ callerPorts: servers.map((s) => (s.address() as AddressInfo).port) });
}

await main();
