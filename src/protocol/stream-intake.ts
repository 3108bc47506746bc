// What every carrier's media stream does around its call, whatever its wire format: wait for the
// stream's start and close with a reason when none comes, count bad input and log it once per kind,
// close a peer that sends nothing but bad messages, and hand the stream to a call or refuse it. Each
// carrier's leg keeps its own messages; the rules about bad input are the same on every carrier.
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { LegEvents, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';

/** A peer that sends this many bad messages in a row is not the carrier. */
const MAX_CONSECUTIVE_BAD = 50;
const START_TIMEOUT_MS = 10_000;
/** The policy-violation close code: what a refused stream is closed with. */
const POLICY_VIOLATION = 1008;

/** What a carrier's message parser says of one text frame. */
export type ParsedMessage<M> = { kind: 'ok'; message: M } | { kind: 'unknown'; event: string } | { kind: 'invalid'; reason: string };

export interface StreamIntakeOptions {
  /** The carrier's name, as metrics and logs label it. */
  carrier: string;
  logger: Logger;
  metrics: Metrics;
  /** Closes the stream's connection with a reason. */
  close(code: number, reason: string): void;
  /** The carrier's name for its first message (default `start`). */
  startMessage?: string;
  /** How long a stream may take to say it (default 10 s). */
  startTimeoutMs?: number;
}

export class StreamIntake {
  readonly #opts: StreamIntakeOptions;
  readonly #logged = new Set<string>();
  readonly #startTimer: NodeJS.Timeout;
  #consecutiveBad = 0;
  #call: LegEvents | undefined;

  constructor(opts: StreamIntakeOptions) {
    this.#opts = opts;
    this.#startTimer = setTimeout(() => this.refuse(`no ${opts.startMessage ?? 'start'} message`), opts.startTimeoutMs ?? START_TIMEOUT_MS);
  }

  /** The call the stream was handed to, once it started. */
  get call(): LegEvents | undefined {
    return this.#call;
  }

  /** Parses one frame of a JSON text protocol; binary, oversized, unknown and invalid frames are reported as bad. */
  parseFrame<M>(data: Buffer, isBinary: boolean, limits: { maxBytes: number }, parse: (frame: Buffer) => ParsedMessage<M>): M | undefined {
    if (isBinary) return this.bad('binary', `binary frame (${this.#opts.carrier} sends JSON text frames only)`);
    if (data.length > limits.maxBytes) return this.bad('oversized', `message of ${data.length} bytes`);
    const parsed = parse(data);
    if (parsed.kind === 'unknown') return this.bad(`unknown:${parsed.event}`, `unknown event "${parsed.event}"`);
    if (parsed.kind === 'invalid') return this.bad(`invalid:${parsed.reason.split(':')[0]}`, parsed.reason);
    return parsed.message;
  }

  /**
   * A message the stream could not use: counted, logged once per kind, and fatal only after many in a
   * row; one that is not `fatal` (an event the carrier may have added since) never closes the stream.
   */
  bad(kind: string, detail: string, fatal = true): undefined {
    if (this.#call) this.#call.malformed(kind, detail);
    else {
      this.#opts.metrics.malformed(this.#opts.carrier);
      if (!this.#logged.has(kind)) {
        this.#logged.add(kind);
        this.#opts.logger.warn({ carrier: this.#opts.carrier, detail }, 'ignored a malformed media stream message (logged once per kind)');
      }
    }
    if (!fatal || ++this.#consecutiveBad < MAX_CONSECUTIVE_BAD) return undefined;
    const reason = `${MAX_CONSECUTIVE_BAD} invalid messages in a row`;
    if (this.#call) this.#call.failed(reason);
    else this.refuse(reason);
    return undefined;
  }

  /** A message the stream could use: the run of bad ones is over. */
  good(): void {
    this.#consecutiveBad = 0;
  }

  /** The stream said `start`: no more waiting for it, whatever the admission decides. */
  started(): void {
    clearTimeout(this.#startTimer);
  }

  /** Hands an admitted stream to a call; false (and the stream closed with the reason) when none takes it. */
  begin(leg: TelephonyLeg, startCall: StartCall): boolean {
    this.started();
    const started = startCall(leg);
    if ('refused' in started) {
      this.refuse(started.refused);
      return false;
    }
    this.#call = started;
    return true;
  }

  /** Closes the stream with a reason, before it became a call. */
  refuse(reason: string): void {
    clearTimeout(this.#startTimer);
    this.#opts.logger.warn({ carrier: this.#opts.carrier, reason }, 'closing media stream');
    this.#opts.close(POLICY_VIOLATION, reason);
  }

  /** The connection closed; the call, if there is one, learns it from the leg. */
  closed(): void {
    clearTimeout(this.#startTimer);
  }

  /** A socket error: logged; the close that follows ends the stream. */
  socketError(err: Error): void {
    this.#opts.logger.warn({ carrier: this.#opts.carrier, err: err.message }, 'media stream socket error');
  }
}
