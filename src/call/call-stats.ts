// What one call counts for its summary line and the server's metrics: audio both ways, drops by
// reason, malformed messages (each kind logged once per call, so a noisy peer cannot flood the log).
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { CallSummary } from '../domain/call.js';

const FRAME_BYTES = 160; // 20 ms of mu-law

export class CallStats {
  bytesIn = 0;
  bytesOut = 0;
  framesIn = 0;
  framesOut = 0;
  framesDropped = 0;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #malformedLogged = new Set<string>();

  constructor(metrics: Metrics, log: Logger) {
    this.#metrics = metrics;
    this.#log = log;
  }

  callerFrame(bytes: number): void {
    this.framesIn++;
    this.bytesIn += bytes;
    this.#metrics.frameIn();
  }

  agentFrame(bytes: number): void {
    this.framesOut++;
    this.bytesOut += bytes;
    this.#metrics.frameOut();
  }

  /** Drop policy, everywhere: count the frames, never queue them (stale, or for a socket that does not drain). */
  dropped(bytes: number, reason: string): void {
    const frames = Math.max(1, Math.round(bytes / FRAME_BYTES));
    this.framesDropped += frames;
    this.#metrics.framesDropped(reason, frames);
  }

  malformed(source: string, kind: string, detail: string): void {
    this.#metrics.malformed(source);
    const key = `${source}:${kind}`;
    if (this.#malformedLogged.has(key)) return;
    this.#malformedLogged.add(key);
    this.#log.warn({ source, detail }, 'ignored a malformed or unknown message (logged once per kind per call)');
  }

  /** The call's summary: these counts and what the caller of this method knows of the call. */
  summary(call: Pick<CallSummary, 'durationMs' | 'turns' | 'interruptions' | 'functionCalls' | 'outcome' | 'reason'>): CallSummary {
    const { bytesIn, bytesOut, framesIn, framesOut, framesDropped } = this;
    return { ...call, bytesIn, bytesOut, framesIn, framesOut, framesDropped };
  }
}
