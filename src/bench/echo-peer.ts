// The far end of the bench: a loopback Voice Agent V1 peer that echoes caller audio back as agent
// audio, timing every caller frame on arrival and re-stamping it before it goes back, and that
// interrupts itself on a schedule (UserStartedSpeaking) to time barge-in. For the loopback baseline
// the same peer speaks Twilio's protocol instead and is dialled by the driver directly, with no
// server in between: what remains is the bench's own cost of a hop.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FRAME_BYTES, FrameFlag, monoMs, readStamp, writeStamp } from './frame-stamp.js';
import { LatencySamples, SequenceTracker } from './latency-samples.js';

export type PeerMode = 'agent' | 'twilio';

export interface EchoPeerOptions {
  mode: PeerMode;
  /** Each call is interrupted this often (0: never); calls are spread evenly over the period. */
  bargeInEveryMs: number;
  /** The address it listens on (default 127.0.0.1): instances on other hosts reach it on their link. */
  host?: string;
}

export interface PeerCounts {
  inboundReceived: number;
  outboundSent: number;
}

export interface PeerReport extends PeerCounts {
  connections: number;
  inboundBreaks: number;
  /** Bytes of caller audio that carried no bench stamp: the line's silence after the measured run. */
  unstampedBytes: number;
  inboundLatencyMs: Float64Array;
  onsetLatencyMs: Float64Array;
  /** Per call, when each interruption was sent (UserStartedSpeaking, or `clear` in Twilio mode). */
  bargeInsSentAt: Record<number, number[]>;
  /** The calls (the driver's indices) whose audio reached this peer. */
  calls: number[];
}

interface PeerCall {
  ws: WebSocket;
  /** Learnt from the first stamped frame: the bridge tells the agent nothing about the call. */
  call: number | undefined;
  outSeq: number;
  streamSid: string;
  nextBargeInAt: number;
}

const USER_STARTED_SPEAKING = JSON.stringify({ type: 'UserStartedSpeaking' });
// A new reply begins right after the interruption, so the bridge forwards the echo again at once
// (it drops audio of an interrupted reply until the agent starts another).
const AGENT_STARTED_SPEAKING = JSON.stringify({ type: 'AgentStartedSpeaking', total_latency: 0, tts_latency: 0, ttt_latency: 0 });
const BARGE_IN_TICK_MS = 10;
const MEDIA_PREFIX = '{"event":"media"';
const PAYLOAD_KEY = '"payload":"';

export class EchoPeer {
  readonly #options: EchoPeerOptions;
  readonly #wss: WebSocketServer;
  readonly #calls = new Set<PeerCall>();
  readonly #inbound = new SequenceTracker();
  readonly #inboundLatency = new LatencySamples();
  readonly #onsetLatency = new LatencySamples();
  readonly #bargeIns: Record<number, number[]> = {};
  #bargeInTimer: NodeJS.Timeout | undefined;
  #connections = 0;
  #outboundSent = 0;
  #unstampedBytes = 0;

  private constructor(wss: WebSocketServer, options: EchoPeerOptions) {
    this.#wss = wss;
    this.#options = options;
    wss.on('connection', (ws) => this.#accept(ws));
    if (options.bargeInEveryMs > 0) this.#bargeInTimer = setInterval(() => this.#bargeInTick(), BARGE_IN_TICK_MS);
  }

  static async start(options: EchoPeerOptions): Promise<EchoPeer> {
    const wss = new WebSocketServer({ host: options.host ?? '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096 });
    await once(wss, 'listening');
    return new EchoPeer(wss, options);
  }

  get url(): string {
    const path = this.#options.mode === 'agent' ? '/v1/agent/converse' : '/media-stream';
    const { address, port } = this.#wss.address() as AddressInfo;
    return `ws://${address}:${port}${path}`;
  }

  counts(): PeerCounts {
    return { inboundReceived: this.#inbound.received, outboundSent: this.#outboundSent };
  }

  report(): PeerReport {
    return {
      ...this.counts(),
      connections: this.#connections,
      inboundBreaks: this.#inbound.breaks,
      unstampedBytes: this.#unstampedBytes,
      inboundLatencyMs: this.#inboundLatency.take(),
      onsetLatencyMs: this.#onsetLatency.take(),
      bargeInsSentAt: this.#bargeIns,
      // Every call's first stamped frame opens its (possibly empty) list of interruptions.
      calls: Object.keys(this.#bargeIns).map(Number),
    };
  }

  /** No more interruptions: the run is winding down and every one sent must be answered. */
  quiet(): void {
    clearInterval(this.#bargeInTimer);
  }

  async close(): Promise<void> {
    this.quiet();
    for (const c of this.#calls) c.ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket): void {
    this.#connections++;
    const peerCall: PeerCall = { ws, call: undefined, outSeq: 0, streamSid: '', nextBargeInAt: Number.POSITIVE_INFINITY };
    this.#calls.add(peerCall);
    ws.on('close', () => this.#calls.delete(peerCall));
    ws.on('error', () => ws.terminate());
    if (this.#options.mode === 'agent') {
      ws.send(JSON.stringify({ type: 'Welcome', request_id: `bench-${this.#connections}` }));
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) this.#echo(peerCall, data, (audio) => ws.send(audio));
        else if (data.includes('"Settings"')) ws.send(JSON.stringify({ type: 'SettingsApplied' }));
      });
    } else {
      ws.on('message', (data: Buffer) => this.#onTwilioMessage(peerCall, data.toString('latin1')));
    }
  }

  /** The baseline: the peer stands where the bridge would, so it answers exactly as the bridge does. */
  #onTwilioMessage(peerCall: PeerCall, text: string): void {
    if (text.startsWith(MEDIA_PREFIX)) {
      // Found by string search, as the driver does: the baseline should cost the bench no more than it must.
      const start = text.indexOf(PAYLOAD_KEY) + PAYLOAD_KEY.length;
      const payload = Buffer.from(text.slice(start, text.indexOf('"', start)), 'base64');
      this.#echo(peerCall, payload, (audio) => {
        const sid = JSON.stringify(peerCall.streamSid);
        peerCall.ws.send(`{"event":"media","streamSid":${sid},"media":{"payload":"${audio.toString('base64')}"}}`);
        peerCall.ws.send(`{"event":"mark","streamSid":${sid},"mark":{"name":"b${peerCall.outSeq}"}}`);
      });
      return;
    }
    const m = JSON.parse(text) as { event: string; streamSid?: string };
    if (m.event === 'start') peerCall.streamSid = m.streamSid ?? '';
    else if (m.event === 'stop') peerCall.ws.close(1000, 'completed');
  }

  #echo(peerCall: PeerCall, audio: Buffer, send: (audio: Buffer) => void): void {
    const now = monoMs();
    let stamped = 0;
    for (let offset = 0; offset + FRAME_BYTES <= audio.length; offset += FRAME_BYTES) {
      const stamp = readStamp(audio, offset);
      if (!stamp) {
        this.#unstampedBytes += FRAME_BYTES;
        continue;
      }
      stamped++;
      if (peerCall.call === undefined) this.#firstFrame(peerCall, stamp.call, now);
      this.#inbound.see(stamp.call, stamp.seq);
      if (stamp.flags & FrameFlag.measured) this.#inboundLatency.add(now - stamp.sentAtMs);
      if (stamp.flags & FrameFlag.onset) this.#onsetLatency.add(now - stamp.sentAtMs);
      writeStamp(audio, offset, { call: stamp.call, seq: peerCall.outSeq++, flags: stamp.flags & FrameFlag.measured, sentAtMs: 0 });
    }
    this.#unstampedBytes += audio.length % FRAME_BYTES;
    if (stamped === 0) return;
    // The send time goes in last, as close to the send as it can be.
    const sentAt = monoMs();
    for (let offset = 0; offset + FRAME_BYTES <= audio.length; offset += FRAME_BYTES) {
      if (readStamp(audio, offset)) audio.writeDoubleLE(sentAt, offset + 16);
    }
    send(audio);
    this.#outboundSent += stamped;
  }

  #firstFrame(peerCall: PeerCall, call: number, now: number): void {
    peerCall.call = call;
    this.#bargeIns[call] = [];
    const every = this.#options.bargeInEveryMs;
    // Spread the calls' interruptions over the period so they do not all land in one tick.
    if (every > 0) peerCall.nextBargeInAt = now + every + ((call * 7919) % every);
  }

  #bargeInTick(): void {
    const now = monoMs();
    for (const c of this.#calls) {
      if (c.call === undefined || now < c.nextBargeInAt || c.ws.readyState !== 1) continue;
      c.nextBargeInAt += this.#options.bargeInEveryMs;
      const sentAt = monoMs();
      if (this.#options.mode === 'agent') {
        c.ws.send(USER_STARTED_SPEAKING);
        c.ws.send(AGENT_STARTED_SPEAKING);
      } else {
        c.ws.send(JSON.stringify({ event: 'clear', streamSid: c.streamSid }));
      }
      this.#bargeIns[c.call]!.push(sentAt);
    }
  }
}
