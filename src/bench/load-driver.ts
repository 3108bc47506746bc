// Many simulated Twilio calls from one thread, lean enough for a thousand: one shared clock drives
// every call's 20 ms frames (calls are spread over slots of the 20 ms period, as real callers are
// never in phase), and a cheap playout model echoes each `mark` when the audio before it has played.
// No per-call timers; inbound media is recognised by string search, not JSON.parse.
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { FRAME_BYTES, FRAME_MS, FrameFlag, monoMs, newFrame, readStamp, writeStamp } from './frame-stamp.js';
import { LatencySamples, SequenceTracker } from './latency-samples.js';
import { SlotClock } from './slot-clock.js';
import { errorMessage } from '../observability/error-message.js';

export interface DriverOptions {
  url: string;
  /** Global indices of this driver's calls: [first, first + count). */
  first: number;
  count: number;
  /** Flag one frame in this many as a speech onset (0: none). */
  onsetEveryFrames: number;
}

export interface DriverCounts {
  inboundSent: number;
  outboundReceived: number;
}

export interface DriverReport extends DriverCounts {
  connected: number;
  completed: number;
  failures: string[];
  outboundBreaks: number;
  outboundLatencyMs: Float64Array;
  /** Per call, when each `clear` arrived. */
  clearsAt: Record<number, number[]>;
  /** Per call, the stamped frames it sent: where calls went different ways, each way's loss. */
  framesSentPerCall: Record<number, number>;
  /** Clock ticks that ran more than one frame late, and the worst lateness: the driver's own health. */
  lateTicks: number;
  maxTickLagMs: number;
}

type Phase = 'idle' | 'warmup' | 'measure' | 'quiet';

interface DriverCall {
  index: number;
  ws: WebSocket;
  callSid: string;
  streamSid: string;
  frame: Buffer;
  seq: number;
  /** Stamped frames sent (the line's silence at the end is not counted). */
  stamped: number;
  messageSeq: number;
  /** When the audio received so far will have finished playing. */
  playedUntil: number;
  marks: Array<{ name: string; due: number }>;
  clears: number[];
  /** Why the server ended the call early, if it did. */
  failure: string | undefined;
  stopSent: boolean;
  closed: Promise<number>;
}

/**
 * Twilio's streams reach a server from many media servers; the server limits stream upgrades per client
 * address (a burst of 60, then 10 a second), so a thousand calls from one address would be refused.
 * Calls come from distinct loopback addresses instead (all of 127.0.0.0/8 is loopback), this many each.
 */
const CALLS_PER_SOURCE_ADDRESS = 40;

export function sourceAddressFor(index: number): string {
  const group = Math.floor(index / CALLS_PER_SOURCE_ADDRESS);
  return `127.1.${Math.floor(group / 250)}.${(group % 250) + 1}`;
}

const CONNECT_CONCURRENCY = 64;
const MEDIA_PREFIX = '{"event":"media"';
const SILENCE_PAYLOAD = Buffer.alloc(FRAME_BYTES, 0xff).toString('base64');
const PAYLOAD_KEY = '"payload":"';

/** The next inbound `media` message of a call, carrying frame `seq`. */
function mediaMessage(call: DriverCall, seq: number, payload: string): string {
  return (
    `{"event":"media","sequenceNumber":"${++call.messageSeq}","media":{"track":"inbound","chunk":"${seq + 1}",` +
    `"timestamp":"${seq * FRAME_MS}","payload":"${payload}"},"streamSid":"${call.streamSid}"}`
  );
}

export class LoadDriver {
  readonly #options: DriverOptions;
  readonly #calls: DriverCall[] = [];
  readonly #clock = new SlotClock<DriverCall>((call) => this.#serviceCall(call));
  readonly #outbound = new SequenceTracker();
  readonly #outboundLatency = new LatencySamples();
  #phase: Phase = 'idle';
  #inboundSent = 0;
  readonly #failures: string[] = [];

  constructor(options: DriverOptions) {
    this.#options = options;
  }

  /** Opens every call's stream (a bounded number at a time) and sends `connected` and `start`. */
  async connect(): Promise<number> {
    const indices = Array.from({ length: this.#options.count }, (_, i) => this.#options.first + i);
    const workers = Array.from({ length: Math.min(CONNECT_CONCURRENCY, indices.length) }, async () => {
      for (let index = indices.shift(); index !== undefined; index = indices.shift()) {
        try {
          const call = await this.#open(index);
          this.#calls.push(call);
          this.#clock.add(index, call);
        } catch (err) {
          this.#failures.push(`call ${index}: ${errorMessage(err)}`);
        }
      }
    });
    await Promise.all(workers);
    return this.#calls.length;
  }

  /** Frames flow from now on; only frames sent while measuring are timed. */
  setPhase(phase: Exclude<Phase, 'idle'>): void {
    this.#phase = phase;
    if (phase !== 'quiet') this.#clock.start();
  }

  counts(): DriverCounts {
    return { inboundSent: this.#inboundSent, outboundReceived: this.#outbound.received };
  }

  /** Sends `stop` on every call and waits (bounded) for the server to close each stream. */
  async hangUp(timeoutMs: number): Promise<DriverReport> {
    this.#clock.stop();
    const deadline = sleep(timeoutMs, -1, { ref: false });
    let completed = 0;
    await Promise.all(
      this.#calls.map(async (call) => {
        if (call.failure === undefined && call.ws.readyState === WebSocket.OPEN) {
          call.ws.send(`{"event":"stop","sequenceNumber":"${++call.messageSeq}","streamSid":"${call.streamSid}","stop":{"callSid":"${call.callSid}"}}`);
          call.stopSent = true;
        }
        const code = await Promise.race([call.closed, deadline]);
        if (call.failure === undefined && code === 1000) completed++;
        else {
          this.#failures.push(`call ${call.index}: ${call.failure ?? (code === -1 ? 'not closed after stop' : `closed with ${code}`)}`);
          call.ws.terminate();
        }
      }),
    );
    const clearsAt: Record<number, number[]> = {};
    const framesSentPerCall: Record<number, number> = {};
    for (const call of this.#calls) {
      clearsAt[call.index] = call.clears;
      framesSentPerCall[call.index] = call.stamped;
    }
    return {
      ...this.counts(),
      connected: this.#calls.length,
      completed,
      failures: this.#failures,
      outboundBreaks: this.#outbound.breaks,
      outboundLatencyMs: this.#outboundLatency.take(),
      clearsAt,
      framesSentPerCall,
      lateTicks: this.#clock.lateTicks,
      maxTickLagMs: this.#clock.maxTickLagMs,
    };
  }

  async #open(index: number): Promise<DriverCall> {
    const ws = new WebSocket(this.#options.url, { perMessageDeflate: false, localAddress: sourceAddressFor(index) });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const id = String(index).padStart(10, '0');
    const call: DriverCall = {
      index,
      ws,
      callSid: `CAbench${id}${'0'.repeat(17)}`,
      streamSid: `MZbench${id}${'0'.repeat(17)}`,
      frame: newFrame(),
      seq: 0,
      stamped: 0,
      messageSeq: 0,
      playedUntil: 0,
      marks: [],
      clears: [],
      failure: undefined,
      stopSent: false,
      closed,
    };
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.#onServerMessage(call, data.toString('latin1'));
    });
    ws.once('close', (code, reason) => {
      if (!call.stopSent) call.failure ??= `server closed the stream (${code} ${reason.toString('utf8')})`;
    });
    ws.send('{"event":"connected","protocol":"Call","version":"1.0.0"}');
    ws.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: String(++call.messageSeq),
        streamSid: call.streamSid,
        start: {
          accountSid: 'AC00000000000000000000000000000000',
          streamSid: call.streamSid,
          callSid: call.callSid,
          tracks: ['inbound'],
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
          customParameters: { From: '+15550100', To: '+15550199' },
        },
      }),
    );
    return call;
  }

  // ---- each call's frame, from the shared clock ----------------------------------------------

  #serviceCall(call: DriverCall): void {
    if (call.ws.readyState !== WebSocket.OPEN) return;
    const now = monoMs();
    while (call.marks.length > 0 && call.marks[0]!.due <= now) this.#echoMark(call, call.marks.shift()!.name);
    if (this.#phase === 'quiet') this.#sendSilence(call);
    else this.#sendFrame(call);
  }

  /**
   * Once the run winds down the line still carries silence until the hang-up, as Twilio's does: a
   * bridge that batches caller audio (INBOUND_CHUNK_MS) then delivers its last stamped frames too.
   * Unstamped, so the peer neither times nor echoes it.
   */
  #sendSilence(call: DriverCall): void {
    const seq = call.seq++;
    call.ws.send(mediaMessage(call, seq, SILENCE_PAYLOAD));
  }

  #sendFrame(call: DriverCall): void {
    const seq = call.seq++;
    const onsetEvery = this.#options.onsetEveryFrames;
    let flags = this.#phase === 'measure' ? FrameFlag.measured : 0;
    if (onsetEvery > 0 && (seq + call.index * 7) % onsetEvery === 0) flags |= FrameFlag.onset;
    writeStamp(call.frame, 0, { call: call.index, seq, flags, sentAtMs: monoMs() });
    call.ws.send(mediaMessage(call, seq, call.frame.toString('base64')));
    call.stamped++;
    this.#inboundSent++;
  }

  // ---- what the server sends ------------------------------------------------------------------

  #onServerMessage(call: DriverCall, text: string): void {
    const now = monoMs();
    if (text.startsWith(MEDIA_PREFIX)) {
      const start = text.indexOf(PAYLOAD_KEY) + PAYLOAD_KEY.length;
      const audio = Buffer.from(text.slice(start, text.indexOf('"', start)), 'base64');
      for (let offset = 0; offset + FRAME_BYTES <= audio.length; offset += FRAME_BYTES) {
        const stamp = readStamp(audio, offset);
        if (!stamp) continue;
        this.#outbound.see(stamp.call, stamp.seq);
        if (stamp.flags & FrameFlag.measured) this.#outboundLatency.add(now - stamp.sentAtMs);
      }
      call.playedUntil = Math.max(now, call.playedUntil) + audio.length / 8;
      return;
    }
    const m = JSON.parse(text) as { event?: string; mark?: { name?: string } };
    if (m.event === 'mark' && m.mark?.name !== undefined) {
      call.marks.push({ name: m.mark.name, due: call.playedUntil });
    } else if (m.event === 'clear') {
      call.clears.push(now);
      // Twilio drops what it has buffered and echoes every pending mark at once.
      for (const mark of call.marks) this.#echoMark(call, mark.name);
      call.marks = [];
      call.playedUntil = now;
    }
  }

  #echoMark(call: DriverCall, name: string): void {
    call.ws.send(`{"event":"mark","sequenceNumber":"${++call.messageSeq}","streamSid":"${call.streamSid}","mark":{"name":${JSON.stringify(name)}}}`);
  }
}
