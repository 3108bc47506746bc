// The load generator of the socket floor (bench/socket-floor.ts): plain TCP, no WebSocket, no JSON.
// Each call is a caller socket dialled to the null forwarder and, on the far side, the agent-side
// socket the forwarder dials back to this thread's listener. The traffic is the bridge's, message for
// message: a caller frame every 20 ms (calls spread over the period as real callers are), echoed at
// once by the agent side, and per frame that reaches the caller one small mark echo sent back with
// the caller's next frame. Every message carries the bench stamp (frame-stamp.ts), so frames are
// timed each way on one clock, and per-call sequence numbers show loss.
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FrameFlag, monoMs, readStamp, writeStamp, type FrameStamp } from './frame-stamp.js';
import { LatencySamples, SequenceTracker } from './latency-samples.js';
import { SlotClock } from './slot-clock.js';
import { errorMessage } from '../observability/error-message.js';

/** Message layout: [0] type, [1] 0, [2..3] total length (u16 LE), [4..27] the bench stamp, then filler. */
export const FloorType = { hello: 0x48, caller: 0x43, agent: 0x41, mark: 0x4d } as const;
const HEADER_BYTES = 4;
export const MIN_MESSAGE_BYTES = HEADER_BYTES + 24;
export const MAX_MESSAGE_BYTES = 0xffff;

export interface FloorLoadOptions {
  /** Global indices of this thread's calls: [first, first + count). */
  first: number;
  count: number;
  callerBytes: number;
  agentBytes: number;
  markBytes: number;
  /** Send a mark echo per frame received by the caller. */
  markEcho: boolean;
}

export interface FloorCounts {
  /** Messages by hop: caller -> forwarder (media), forwarder -> agent, agent -> forwarder, forwarder -> caller, caller -> forwarder (marks). */
  callerSent: number;
  agentReceived: number;
  agentSent: number;
  callerReceived: number;
  marksSent: number;
  /** Marks that reached the agent side: the forwarder drops lone marks, not one that shared a read with a frame. */
  marksAtAgent: number;
  /** 'data' events (reads as Node delivers them) on each side: fewer than messages means batching. */
  callerReads: number;
  agentReads: number;
}

export interface FloorReport extends FloorCounts {
  connected: number;
  inboundLatencyMs: Float64Array;
  outboundLatencyMs: Float64Array;
  inboundBreaks: number;
  outboundBreaks: number;
  lateTicks: number;
  maxTickLagMs: number;
  failures: string[];
}

type Phase = 'idle' | 'warmup' | 'measure' | 'quiet';

interface FloorCall {
  index: number;
  caller: Socket;
  agent: Socket | undefined;
  seq: number;
  agentSeq: number;
  markSeq: number;
  pendingMarks: number;
}

const CONNECT_CONCURRENCY = 64;
const PAIRING_TIMEOUT_MS = 30_000;

/** Reassembles messages from a TCP stream: a read may hold several, or part of one. */
class Framer {
  #rest: Buffer | undefined;
  constructor(readonly onMessage: (buf: Buffer, offset: number, length: number) => void) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.#rest) {
      buf = Buffer.concat([this.#rest, chunk]);
      this.#rest = undefined;
    }
    let offset = 0;
    while (buf.length - offset >= HEADER_BYTES) {
      const length = buf.readUInt16LE(offset + 2);
      if (length < MIN_MESSAGE_BYTES) throw new Error(`bad message length ${length}`);
      if (buf.length - offset < length) break;
      this.onMessage(buf, offset, length);
      offset += length;
    }
    if (offset < buf.length) this.#rest = buf.subarray(offset);
  }
}

function template(type: number, bytes: number): Buffer {
  if (bytes < MIN_MESSAGE_BYTES || bytes > MAX_MESSAGE_BYTES) throw new Error(`message size ${bytes} outside ${MIN_MESSAGE_BYTES}..${MAX_MESSAGE_BYTES}`);
  const b = Buffer.alloc(bytes, 0x7f);
  b[0] = type;
  b[1] = 0;
  b.writeUInt16LE(bytes, 2);
  return b;
}

export class FloorLoad {
  readonly #options: FloorLoadOptions;
  readonly #calls: FloorCall[] = [];
  readonly #byIndex = new Map<number, FloorCall>();
  readonly #clock = new SlotClock<FloorCall>((call) => this.#serviceCall(call));
  readonly #templates: Record<'caller' | 'agent' | 'mark' | 'hello', Buffer>;
  readonly #inbound = new SequenceTracker();
  readonly #outbound = new SequenceTracker();
  readonly #inboundLatency = new LatencySamples();
  readonly #outboundLatency = new LatencySamples();
  readonly #counts: FloorCounts = {
    callerSent: 0,
    agentReceived: 0,
    agentSent: 0,
    callerReceived: 0,
    marksSent: 0,
    marksAtAgent: 0,
    callerReads: 0,
    agentReads: 0,
  };
  readonly #failures: string[] = [];
  readonly #server: Server;
  #paired = 0;
  #onPaired: (() => void) | undefined;
  #phase: Phase = 'idle';

  constructor(options: FloorLoadOptions) {
    this.#options = options;
    this.#templates = {
      caller: template(FloorType.caller, options.callerBytes),
      agent: template(FloorType.agent, options.agentBytes),
      mark: template(FloorType.mark, options.markBytes),
      hello: template(FloorType.hello, MIN_MESSAGE_BYTES),
    };
    this.#server = createServer({ noDelay: true }, (socket) => this.#acceptAgentSide(socket));
  }

  /** The agent side's listener, which the forwarder dials once per call. */
  async listen(): Promise<number> {
    this.#server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
    await once(this.#server, 'listening');
    return (this.#server.address() as AddressInfo).port;
  }

  /** Opens every call's caller socket to the forwarder and waits until its agent side has arrived. */
  async connect(forwarderPort: number): Promise<number> {
    const paired = new Promise<void>((resolve) => (this.#onPaired = resolve));
    const indices = Array.from({ length: this.#options.count }, (_, i) => this.#options.first + i);
    await Promise.all(
      Array.from({ length: Math.min(CONNECT_CONCURRENCY, indices.length) }, async () => {
        for (let index = indices.shift(); index !== undefined; index = indices.shift()) {
          try {
            this.#calls.push(await this.#open(index, forwarderPort));
          } catch (err) {
            this.#failures.push(`call ${index}: ${errorMessage(err)}`);
          }
        }
      }),
    );
    if (this.#paired < this.#calls.length) {
      const timeout = sleep(PAIRING_TIMEOUT_MS, undefined, { ref: false });
      await Promise.race([paired, timeout]);
    }
    for (const call of this.#calls) if (call.agent) this.#clock.add(call.index, call);
    return this.#paired;
  }

  setPhase(phase: Exclude<Phase, 'idle'>): void {
    this.#phase = phase;
    if (phase !== 'quiet') this.#clock.start();
  }

  counts(): FloorCounts {
    return { ...this.#counts };
  }

  async finish(): Promise<FloorReport> {
    this.#clock.stop();
    for (const call of this.#calls) {
      call.caller.destroy();
      call.agent?.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    return {
      ...this.counts(),
      connected: this.#paired,
      inboundLatencyMs: this.#inboundLatency.take(),
      outboundLatencyMs: this.#outboundLatency.take(),
      inboundBreaks: this.#inbound.breaks,
      outboundBreaks: this.#outbound.breaks,
      lateTicks: this.#clock.lateTicks,
      maxTickLagMs: this.#clock.maxTickLagMs,
      failures: this.#failures.slice(0, 10),
    };
  }

  async #open(index: number, port: number): Promise<FloorCall> {
    const caller = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      caller.once('connect', resolve);
      caller.once('error', reject);
    });
    const call: FloorCall = { index, caller, agent: undefined, seq: 0, agentSeq: 0, markSeq: 0, pendingMarks: 0 };
    this.#byIndex.set(index, call);
    const framer = new Framer((buf, offset) => this.#onCallerMessage(call, buf, offset));
    caller.on('data', (chunk: Buffer) => {
      this.#counts.callerReads++;
      framer.push(chunk);
    });
    caller.on('error', (err) => this.#failures.push(`call ${index} caller: ${err.message}`));
    caller.write(this.#message(this.#templates.hello, index, 0, 0, 0));
    return call;
  }

  #acceptAgentSide(socket: Socket): void {
    let call: FloorCall | undefined;
    const framer = new Framer((buf, offset) => {
      if (call) return this.#onAgentMessage(call, socket, buf, offset);
      // The first message through the forwarder is the caller's hello: it names the call.
      const stamp = readStamp(buf, offset + HEADER_BYTES);
      call = stamp && buf[offset] === FloorType.hello ? this.#byIndex.get(stamp.call) : undefined;
      if (!call) {
        this.#failures.push('agent side: first message was not a known hello');
        socket.destroy();
        return;
      }
      call.agent = socket;
      if (++this.#paired === this.#options.count) this.#onPaired?.();
    });
    socket.on('data', (chunk: Buffer) => {
      this.#counts.agentReads++;
      framer.push(chunk);
    });
    socket.on('error', (err) => this.#failures.push(`agent side: ${err.message}`));
  }

  /** Each send gets its own buffer: a write Node could not finish at once still holds it. */
  #message(tpl: Buffer, call: number, seq: number, flags: number, sentAtMs: number): Buffer {
    const b = Buffer.allocUnsafe(tpl.length);
    tpl.copy(b);
    writeStamp(b, HEADER_BYTES, { call, seq, flags, sentAtMs });
    return b;
  }

  /** The agent side: time the caller's frame, echo it at once, re-stamped. */
  #onAgentMessage(call: FloorCall, socket: Socket, buf: Buffer, offset: number): void {
    const type = buf[offset];
    if (type === FloorType.mark) {
      this.#counts.marksAtAgent++;
      return;
    }
    if (type !== FloorType.caller) return;
    const stamp = this.#receive(buf, offset, this.#inbound, this.#inboundLatency);
    if (!stamp) return;
    this.#counts.agentReceived++;
    socket.write(this.#message(this.#templates.agent, call.index, call.agentSeq++, stamp.flags & FrameFlag.measured, monoMs()));
    this.#counts.agentSent++;
  }

  /** The caller side: time the agent's frame; a mark echo for it goes back with the next frame. */
  #onCallerMessage(call: FloorCall, buf: Buffer, offset: number): void {
    if (buf[offset] !== FloorType.agent) return;
    if (!this.#receive(buf, offset, this.#outbound, this.#outboundLatency)) return;
    this.#counts.callerReceived++;
    if (this.#options.markEcho) call.pendingMarks++;
  }

  /** Both directions are judged alike (complete and in order per call, timed when measured), each on its own tracker and samples. */
  #receive(buf: Buffer, offset: number, sequence: SequenceTracker, latency: LatencySamples): FrameStamp | undefined {
    // Read the clock before decoding, so the decode is not counted as travel time.
    const now = monoMs();
    const stamp = readStamp(buf, offset + HEADER_BYTES);
    if (!stamp) return undefined;
    sequence.see(stamp.call, stamp.seq);
    if (stamp.flags & FrameFlag.measured) latency.add(now - stamp.sentAtMs);
    return stamp;
  }

  #serviceCall(call: FloorCall): void {
    if (call.caller.destroyed) return;
    // As the bridge bench's caller: the marks whose audio has played, then the next frame, each its own write.
    for (; call.pendingMarks > 0; call.pendingMarks--) {
      call.caller.write(this.#message(this.#templates.mark, call.index, call.markSeq++, 0, 0));
      this.#counts.marksSent++;
    }
    if (this.#phase === 'quiet') return;
    const flags = this.#phase === 'measure' ? FrameFlag.measured : 0;
    call.caller.write(this.#message(this.#templates.caller, call.index, call.seq++, flags, monoMs()));
    this.#counts.callerSent++;
  }
}
