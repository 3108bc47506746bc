// Prometheus metrics. One registry per server instance (no global state), so tests can run several
// servers in one process and read each one's numbers exactly.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export type FrameDirection = 'inbound' | 'outbound';

/** One frame in this many has its time in the bridge observed. */
export const FRAME_LATENCY_SAMPLE = 8;
export type AgentLatencyPart = 'total' | 'ttt' | 'tts';
export type TransferMode = 'warm' | 'cold';
/** A cold transfer is `dialled` (or `failed`); a warm one ends `answered`, `unanswered` or `failed`. */
export type TransferResult = 'dialled' | 'answered' | 'unanswered' | 'failed';

/**
 * Every number changes through a method named for what happened, so the hot path's plain counters and
 * the metric names stay in one place. Per-frame counts are plain numbers, handed to prom-client when
 * scraped; per-frame latency observes a cached child, never a label lookup.
 */
export class Metrics {
  readonly registry = new Registry();
  #framesInPending = 0;
  #framesOutPending = 0;
  /** How many V1 sessions the embedded engine serves right now, when it runs in this process. */
  #engineSessions: () => number = () => 0;
  readonly #activeCalls: Gauge;
  readonly #callsTotal: Counter<'outcome'>;
  readonly #framesDropped: Counter<'reason'>;
  readonly #bargeIns: Counter;
  readonly #agentErrors: Counter<'code'>;
  readonly #malformedMessages: Counter<'source'>;
  readonly #functionCalls: Counter<'name' | 'ok'>;
  readonly #policyActions: Counter<'policy'>;
  readonly #transfers: Counter<'mode' | 'result'>;
  readonly #turnLatency: Histogram;
  readonly #agentReportedLatency: Histogram<'part'>;
  readonly #frameLatency: Record<FrameDirection, { observe(seconds: number): void }>;
  readonly #framesSeen: Record<FrameDirection, number> = { inbound: 0, outbound: 0 };
  readonly #storeWriteLatency: Histogram;
  readonly #storeEventsDropped: Counter<'reason'>;
  readonly #loopDelay: IntervalHistogram;
  readonly #webhookAttempts: Counter<'result'>;
  readonly #webhookBacklog: Gauge<'status'>;
  readonly #sharedStateUp: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#activeCalls = new Gauge({ name: 'phone_agent_active_calls', help: 'Calls in progress', registers });
    this.#callsTotal = new Counter({ name: 'phone_agent_calls_total', help: 'Calls ended, by outcome', labelNames: ['outcome'], registers });
    const engineSessions = () => this.#engineSessions();
    /** A counter fed by a plain number on the audio path, folded in (and reset) when scraped. */
    const drainedCounter = (name: string, help: string, take: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.inc(take());
        },
      });
    drainedCounter('phone_agent_frames_in_total', 'Caller audio frames received from the carrier', () => {
      const n = this.#framesInPending;
      this.#framesInPending = 0;
      return n;
    });
    drainedCounter('phone_agent_frames_out_total', 'Agent audio frames sent to the carrier', () => {
      const n = this.#framesOutPending;
      this.#framesOutPending = 0;
      return n;
    });
    this.#framesDropped = new Counter({
      name: 'phone_agent_frames_dropped_total',
      help: 'Audio frames dropped, by reason (barge_in: stale agent audio; backpressure; before_settings_overflow)',
      labelNames: ['reason'],
      registers,
    });
    this.#bargeIns = new Counter({ name: 'phone_agent_barge_ins_total', help: 'Caller interruptions of agent speech', registers });
    this.#agentErrors = new Counter({
      name: 'phone_agent_agent_errors_total',
      help: 'Error messages and failures of the agent connection',
      labelNames: ['code'],
      registers,
    });
    this.#malformedMessages = new Counter({
      name: 'phone_agent_malformed_messages_total',
      help: 'Messages that could not be parsed or were unknown, by source (twilio, agent)',
      labelNames: ['source'],
      registers,
    });
    this.#policyActions = new Counter({
      name: 'phone_agent_policy_actions_total',
      help: 'Times a call policy acted (idle: a silence prompt or the idle hang-up; time_limit: closing before the limit)',
      labelNames: ['policy'],
      registers,
    });
    this.#transfers = new Counter({
      name: 'phone_agent_transfers_total',
      help: 'Transfers to staff, by mode (warm, cold) and result (answered, unanswered, failed; dialled for cold transfers)',
      labelNames: ['mode', 'result'],
      registers,
    });
    this.#functionCalls = new Counter({ name: 'phone_agent_function_calls_total', help: 'Client-side function calls', labelNames: ['name', 'ok'], registers });
    this.#turnLatency = new Histogram({
      name: 'phone_agent_turn_latency_seconds',
      help: "Caller's end of turn to the agent's first audio, measured at the bridge",
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    this.#agentReportedLatency = new Histogram({
      name: 'phone_agent_agent_reported_latency_seconds',
      help: "Per-turn latency as the agent reports it (AgentStartedSpeaking): total, and its think (ttt) and speak (tts) parts",
      labelNames: ['part'],
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    new Gauge({
      name: 'phone_agent_engine_sessions',
      help: 'Voice Agent V1 sessions served by the embedded engine in this process',
      registers,
      collect() {
        this.set(engineSessions());
      },
    });
    const frameLatency = new Histogram({
      name: 'phone_agent_frame_latency_seconds',
      help: 'Time a frame spends inside the bridge, by direction (inbound: carrier to agent, outbound: agent to carrier); one frame in 8 is timed',
      labelNames: ['direction'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    });
    this.#frameLatency = { inbound: frameLatency.labels('inbound'), outbound: frameLatency.labels('outbound') };
    this.#storeWriteLatency = new Histogram({
      name: 'phone_agent_store_write_seconds',
      help: 'Time to write one batch of call records to the store',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.#storeEventsDropped = new Counter({
      name: 'phone_agent_store_events_dropped_total',
      help: 'Call events never written to the store, by reason (queue_full, write_failed)',
      labelNames: ['reason'],
      registers,
    });
    this.#webhookAttempts = new Counter({
      name: 'phone_agent_webhook_attempts_total',
      help: 'Attempts to deliver post-call reports, by result (delivered; retry: failed, to be retried; failed: given up)',
      labelNames: ['result'],
      registers,
    });
    this.#webhookBacklog = new Gauge({
      name: 'phone_agent_webhook_backlog',
      help: 'Post-call reports in the outbox not delivered, by status (pending, failed), as last seen',
      labelNames: ['status'],
      registers,
      // Every worker reads the same outbox: summing would count each report once per worker.
      aggregator: 'max',
    });
    this.#sharedStateUp = new Gauge({
      name: 'phone_agent_shared_state_up',
      help: 'Whether the state shared with the other instances (Redis, with REDIS_URL) is reachable: 1 or 0; always 1 without REDIS_URL',
      registers,
      aggregator: 'min',
    });
    this.#sharedStateUp.set(1);
    this.#loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.#loopDelay.enable();
    const loopDelay = this.#loopDelay;
    new Gauge({
      name: 'phone_agent_event_loop_lag_seconds',
      help: 'Event-loop delay p99 since the previous scrape (the worst worker, with WORKERS > 1)',
      registers,
      aggregator: 'max',
      collect() {
        this.set(loopDelay.percentile(99) / 1e9);
        loopDelay.reset();
      },
    });
  }

  webhookAttempt(result: 'delivered' | 'retry' | 'failed'): void {
    this.#webhookAttempts.labels(result).inc();
  }

  webhookBacklog(backlog: { pending: number; failed: number }): void {
    this.#webhookBacklog.labels('pending').set(backlog.pending);
    this.#webhookBacklog.labels('failed').set(backlog.failed);
  }

  sharedStateUp(up: boolean): void {
    this.#sharedStateUp.set(up ? 1 : 0);
  }

  callStarted(): void {
    this.#activeCalls.inc();
  }

  callEnded(outcome: string): void {
    this.#activeCalls.dec();
    this.#callsTotal.labels(outcome).inc();
  }

  frameIn(): void {
    this.#framesInPending++;
  }

  frameOut(): void {
    this.#framesOutPending++;
  }

  framesDropped(reason: string, frames: number): void {
    this.#framesDropped.labels(reason).inc(frames);
  }

  /** Seconds a frame spent inside the bridge. */
  /**
   * Time a frame spent in the bridge, from `startedAt` to now on `clock`. Sampled: one frame in
   * FRAME_LATENCY_SAMPLE per direction is timed, which keeps the distribution and most of the cost off
   * the per-frame path.
   */
  frameLatency(direction: FrameDirection, startedAt: number, clock: { now(): number }): void {
    if (++this.#framesSeen[direction] % FRAME_LATENCY_SAMPLE !== 0) return;
    this.#frameLatency[direction].observe((clock.now() - startedAt) / 1000);
  }

  bargeIn(): void {
    this.#bargeIns.inc();
  }

  agentError(code: string): void {
    this.#agentErrors.labels(code).inc();
  }

  malformed(source: string): void {
    this.#malformedMessages.labels(source).inc();
  }

  functionCall(name: string, ok: boolean): void {
    this.#functionCalls.labels(name, String(ok)).inc();
  }

  policyAction(policy: 'idle' | 'time_limit'): void {
    this.#policyActions.labels(policy).inc();
  }

  transfer(mode: TransferMode, result: TransferResult): void {
    this.#transfers.labels(mode, result).inc();
  }

  turnLatency(seconds: number): void {
    this.#turnLatency.observe(seconds);
  }

  /** The agent's own account of a turn, in seconds: whichever parts it gave. */
  agentReportedLatency(parts: Partial<Record<AgentLatencyPart, number>>): void {
    for (const [part, seconds] of Object.entries(parts)) if (seconds !== undefined) this.#agentReportedLatency.labels(part).observe(seconds);
  }

  /** Where the engine's live session count is read from when /metrics is scraped. */
  watchEngineSessions(count: () => number): void {
    this.#engineSessions = count;
  }

  /** Seconds one batch of call records took to write to the store. */
  storeWrite(seconds: number): void {
    this.#storeWriteLatency.observe(seconds);
  }

  storeEventsDropped(reason: 'queue_full' | 'write_failed', count = 1): void {
    this.#storeEventsDropped.labels(reason).inc(count);
  }

  close(): void {
    this.#loopDelay.disable();
  }
}
