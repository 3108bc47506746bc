// One phone call: one telephony leg bridged to one Voice Agent V1 link. The session is the wiring: it
// passes caller audio to the agent and agent audio to the caller, and keeps the call's parts in step
// (the turn tracker, the playback ledger, the recording, the hang-up policy). When either side ends,
// it closes the other, emits what it recorded and releases everything.
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import { TRANSFER_TEXT, type CallControl } from '../domain/call-control.js';
import type { LiveCall } from '../domain/live-calls.js';
import {
  DEFAULT_AGENT,
  type CallEventKind,
  type CallInfo,
  type CallOutcome,
  type FunctionCallRecord,
  type TranscriptTurn,
} from '../domain/call.js';
import type { LegEvents, TelephonyLeg } from '../domain/telephony-leg.js';
import type { ServerMessage } from '../agent/messages.js';
import { AgentLink } from './agent-link.js';
import { InboundChunker } from './inbound-chunker.js';
import { PlaybackLedger } from './playback-ledger.js';
import { TurnTracker } from './turn-tracker.js';
import { CallStats } from './call-stats.js';
import { RecordingTimeline } from './recording-timeline.js';
import { HangUpAfterPlayback, HeardWaits } from './hang-up-after-playback.js';
import { giveUpOnAgent } from './give-up.js';
import { FunctionCalls } from './function-calls.js';
import { CallPolicies, DEFAULT_CALL_POLICIES } from './call-policies.js';
import { StaffMessage } from './staff-message.js';
import type { CallSessionOptions } from './session-options.js';

const DEFAULT_MAX_CALLER_BUFFERED = 256 * 1024;

export class CallSession implements LegEvents, LiveCall {
  readonly info: CallInfo;
  readonly log: Logger;
  readonly leg: TelephonyLeg;
  readonly ledger: PlaybackLedger;
  readonly turns = new TurnTracker();
  readonly #opts: CallSessionOptions;
  readonly #clock: Clock;
  readonly #metrics: Metrics;
  readonly #agent: AgentLink;
  readonly #chunker: InboundChunker;
  readonly #stats: CallStats;
  readonly #abort = new AbortController();
  /** What acts on this call: the carrier's API, or the stream alone. */
  readonly control: CallControl;
  readonly transferNumber: string | undefined;
  readonly #hangUp: HangUpAfterPlayback;
  readonly #recording: RecordingTimeline | undefined;
  readonly #maxCallerBuffered: number;
  readonly #policies: CallPolicies;
  #ended = false;
  /** A transfer's coming stream end is not a hang-up. */
  #transferring = false;
  #replyHeard: (() => void) | undefined;
  readonly #heardWaits: HeardWaits;
  readonly #functions: FunctionCalls;
  readonly #staffMessage: StaffMessage;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(leg: TelephonyLeg, opts: CallSessionOptions) {
    this.leg = leg;
    this.#opts = opts;
    this.#clock = opts.clock;
    this.#metrics = opts.metrics;
    this.ledger = new PlaybackLedger({ markEveryMs: opts.markEveryMs });
    this.transferNumber = opts.transferNumber;
    this.info = { ...leg.call, carrier: leg.carrier, startedAt: Math.round(opts.clock.now()), agent: opts.agentName ?? DEFAULT_AGENT };
    this.log = opts.logger.child({ callSid: this.info.callSid, streamSid: this.info.streamSid, ...opts.logFields?.(this.info) });
    this.#stats = new CallStats(opts.metrics, this.log);
    this.#chunker = new InboundChunker(opts.inboundChunkMs);
    this.#maxCallerBuffered = opts.maxCallerBufferedBytes ?? DEFAULT_MAX_CALLER_BUFFERED;
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
    const recording = opts.recording?.(this.info);
    this.#recording = recording && new RecordingTimeline(recording);
    this.#hangUp = new HangUpAfterPlayback({
      clock: opts.clock,
      graceMs: opts.hangupGraceMs,
      allHeard: () => this.#allHeard(),
      hangUp: (outcome, reason) => this.end(outcome, reason),
    });
    this.#heardWaits = new HeardWaits({ clock: opts.clock, graceMs: opts.hangupGraceMs, allHeard: () => this.#allHeard() });
    this.control = leg.control?.(this) ?? this.#streamOnlyControl();
    const resumed = leg.call.resumes === 'transfer_unanswered';

    opts.metrics.callStarted();
    opts.events.emit({ type: 'call_started', call: this.info });
    this.log.info({ carrier: leg.carrier, from: this.info.from, to: this.info.to, direction: this.info.direction, agent: this.info.agent }, 'call started');
    this.#agent = new AgentLink(
      {
        endpoint: opts.agent,
        settings: opts.settings,
        log: this.log,
        clock: opts.clock,
        keepAliveMs: opts.keepAliveMs,
        reconnectDelaysMs: opts.reconnectDelaysMs,
        sessionMaxMs: opts.agentSessionMaxMs,
        // After an unanswered transfer the agent carries on the same conversation (empty when it was kept elsewhere).
        history: resumed ? (opts.handoffs?.take(this.info.callSid) ?? []) : undefined,
      },
      {
        onMessage: (m) => this.#onAgentMessage(m),
        onAudio: (chunk) => this.#onAgentAudio(chunk),
        onMalformed: (reason, unknownType) => this.#stats.malformed('agent', unknownType ? `unknown:${unknownType}` : reason, reason),
        onAudioDropped: (bytes, reason) => this.#stats.dropped(bytes, reason),
        onLost: (reason, attempt) => this.#onAgentLost(reason, attempt),
        onReconnected: (gapMs, attempt, reason) => {
          this.#emitEvent('agent_reconnect', `agent reconnected after ${gapMs} ms (attempt ${attempt}): ${reason}`);
          this.log.info({ gapMs, attempt, reason }, 'agent reconnected');
        },
        onGaveUp: (reason, connections) => void this.#giveUp(reason, connections),
        isQuiet: () => this.turns.quiet && this.ledger.pendingMarks === 0,
      },
    );
    this.#policies = new CallPolicies(opts.policies ?? DEFAULT_CALL_POLICIES, opts.clock, {
      quiet: () => this.turns.quiet && this.ledger.pendingMarks === 0 && this.#functions.running === 0,
      say: (message, behavior) => this.say(message, behavior),
      hangUpAfterPlayback: (outcome, reason) => this.#requestHangUp(reason, outcome),
      end: (outcome, reason) => this.end(outcome, reason),
      record: (policy, detail) => {
        this.#metrics.policyAction(policy);
        this.#emitEvent('policy', `${policy}: ${detail}`);
        this.log.info({ policy, detail }, 'call policy');
      },
    });
    this.#functions = new FunctionCalls({
      ...opts,
      call: this.info,
      control: this.control,
      signal: this.#abort.signal,
      agent: this.#agent,
      log: this.log,
      ended: () => this.#ended,
      activity: (now) => this.#policies.activity(now),
    });
    this.#staffMessage = new StaffMessage({
      call: this.info,
      events: opts.events,
      say: (text, behavior) => this.say(text, behavior),
      note: (kind, detail) => this.note(kind, detail),
      hangUpAfterPlayback: (reason) => this.#requestHangUp(reason, 'agent_hangup'),
    });
    if (resumed) this.takeMessageForStaff(TRANSFER_TEXT.unanswered);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves once the call has ended and everything it holds is released. */
  get done(): Promise<void> {
    return this.#done;
  }

  // ---- the leg's events -----------------------------------------------------------------------

  audio(frame: Buffer, timestampMs: number, arrivedAt: number): void {
    if (this.#ended) return;
    this.#recording?.callerAudio(frame, timestampMs, arrivedAt);
    this.#stats.callerFrame(frame.length);
    const ready = this.#chunker.push(frame, arrivedAt);
    if (ready && this.#agent.sendAudio(ready.chunk)) this.#metrics.frameLatency('inbound', ready.oldestAt, this.#clock);
  }

  played(checkpoint: string): void {
    if (this.#ended) return;
    const now = this.#clock.now();
    const outcome = this.ledger.markEchoed(checkpoint, now);
    if (outcome.kind !== 'played') return;
    this.#recording?.agentPlayed(outcome.audio, now);
    this.#heardWaits.check();
    if (outcome.replyFinished) {
      this.#policies.activity(now);
      this.#replyHeard?.();
      this.#emitTurn(this.turns.replyHeard(now, outcome.allPlayed));
    }
    this.#hangUp.check();
    this.#agent.maybeRotate();
  }

  dtmf(digit: string): void {
    if (this.#ended) return;
    this.#emitEvent('dtmf', digit);
    this.log.info({ digit }, 'dtmf');
    this.#agent.send({ type: 'InjectUserMessage', content: this.#opts.keypadText(digit) });
  }

  stopped(): void {
    this.end(this.#transferring ? 'transferred' : 'completed', `${this.leg.carrier} ended the stream`);
  }

  closed(code: number): void {
    // Twilio's outcome keeps its name from before there were other carriers.
    const lost = this.leg.carrier === 'twilio' ? 'twilio_disconnected' : 'carrier_disconnected';
    this.end(this.#transferring ? 'transferred' : lost, `${this.leg.carrier} connection closed (${code}) without a stream end`);
  }

  malformed(kind: string, detail: string): void {
    this.#stats.malformed(this.leg.carrier, kind, detail);
  }

  failed(reason: string): void {
    this.log.warn({ reason }, 'closing the media stream');
    this.end('rejected', reason);
  }

  // ---- the agent ------------------------------------------------------------------------------

  #onAgentMessage(m: ServerMessage): void {
    if (this.#ended) return;
    switch (m.type) {
      case 'UserStartedSpeaking':
        return this.#onCallerStartedSpeaking();
      case 'ConversationText':
        return m.role === 'user' ? this.#onCallerText(m.content) : this.#onAgentText(m.content);
      case 'AgentThinking':
        return this.turns.agentMovedOn();
      case 'AgentStartedSpeaking':
        this.#metrics.agentReportedLatency({ total: m.total_latency, ttt: m.ttt_latency, tts: m.tts_latency });
        return this.turns.agentStartedSpeaking({ agentTotalMs: toMs(m.total_latency), agentTtsMs: toMs(m.tts_latency), agentTttMs: toMs(m.ttt_latency) });
      case 'LatencyReport':
        return this.turns.agentReportedLatency({ agentTotalMs: toMs(m.total_latency), agentTtsMs: toMs(m.tts_latency) });
      case 'AgentAudioDone':
        if (!this.turns.agentAudioDone()) return;
        this.leg.checkpoint(this.ledger.replyComplete());
        return this.#agent.maybeRotate();
      case 'FunctionCallRequest':
        this.turns.agentMovedOn();
        return this.#functions.dispatch(m);
      case 'Warning':
        this.#emitEvent('warning', `${m.code}: ${m.description}`);
        this.log.warn({ code: m.code, description: m.description }, 'agent warning');
        return;
      case 'Error':
        // V1 errors are fatal to the agent session: start over with a new one that knows the conversation.
        this.#metrics.agentError(m.code);
        this.#emitEvent('error', `${m.code}: ${m.description}`);
        return this.#agent.replace(`agent error ${m.code}: ${m.description}`);
      case 'InjectionRefused':
        this.log.info({ message: m.message }, 'agent refused an injected message');
        return;
      case 'Welcome':
      case 'SettingsApplied':
      case 'PromptUpdated':
      case 'SpeakUpdated':
      case 'ThinkUpdated':
      case 'ListenUpdated':
      case 'History': // the link keeps its own history: it must survive the agent connection
      case 'FunctionCallResponse':
        return;
    }
  }

  #onCallerStartedSpeaking(): void {
    const now = this.#clock.now();
    this.#policies.callerSpoke(now);
    this.#cutOff(now, 'caller');
  }

  /** Stops what the caller hears: the caller barged in, or the call itself must say something at once. */
  #cutOff(now: number, by: 'caller' | 'call'): void {
    // Clear first, bookkeeping after: the clear must reach the carrier in this same turn of the event loop.
    this.leg.clear();
    const cut = this.ledger.interrupt(now);
    // The recording keeps what the caller heard of the interrupted audio, up to the moment of the clear.
    this.#recording?.agentPlayed(cut.heardAudio, now);
    const { bargeIn, finished } = by === 'caller' ? this.turns.callerStartedSpeaking(now, cut) : this.turns.cutOff(now, cut);
    if (bargeIn && by === 'caller') {
      this.#metrics.bargeIn();
      this.#emitEvent('barge_in', `caller interrupted after ${Math.round(bargeIn.heardMs)} of ${Math.round(bargeIn.sentMs)} ms`);
    }
    this.#emitTurn(bargeIn?.turn ?? finished);
  }

  #onCallerText(text: string): void {
    this.#agent.remember({ type: 'History', role: 'user', content: text });
    const now = this.#clock.now();
    this.#policies.callerSpoke(now);
    this.#emitTurn(this.turns.callerSaid(text, now));
    this.#staffMessage.callerSaid(text, now);
  }

  #onAgentText(text: string): void {
    this.#agent.remember({ type: 'History', role: 'assistant', content: text });
    if (this.turns.agentSaid(text, this.#clock.now()).startsTurn) this.ledger.startTurn();
  }

  #onAgentAudio(chunk: Buffer): void {
    if (this.#ended) return;
    const now = this.#clock.now();
    if (!this.turns.acceptsAudio) return this.#stats.dropped(chunk.length, 'barge_in');
    if (this.leg.bufferedBytes > this.#maxCallerBuffered) return this.#stats.dropped(chunk.length, 'backpressure');
    this.#policies.activity(now);
    const reply = this.turns.agentAudio(now);
    if (reply.startsTurn) this.ledger.startTurn();
    if (reply.latency) {
      this.#metrics.turnLatency(reply.latency.responseMs! / 1000);
      this.#opts.events.emit({ type: 'latency', callSid: this.info.callSid, latency: reply.latency });
    }
    this.leg.play(chunk, this.ledger.audioSent(chunk.length, now, this.#recording ? chunk : undefined));
    this.#stats.agentFrame(chunk.length);
    this.#metrics.frameLatency('outbound', now, this.#clock);
  }

  /** The agent connection was lost and is being replaced: whatever it was saying is over. */
  #onAgentLost(reason: string, attempt: number): void {
    if (this.#ended) return;
    this.#metrics.agentError('connection_lost');
    this.log.warn({ reason, attempt }, 'agent connection lost; reconnecting');
    // What was sent of the lost reply gets its mark, so its playback is still confirmed.
    const mark = this.ledger.markSent();
    if (mark) this.leg.checkpoint(mark);
    this.#emitTurn(this.turns.agentLost(this.#clock.now()));
  }

  async #giveUp(reason: string, connections: number): Promise<void> {
    if (this.#ended) return;
    this.#emitEvent('error', `agent unreachable after ${connections} attempts: ${reason}`);
    this.log.error({ reason }, 'giving up on the agent');
    const heard = new Promise<void>((resolve) => (this.#replyHeard = resolve));
    await giveUpOnAgent({
      apologyAudio: this.#opts.apologyAudio,
      play: (apology) => {
        this.leg.play(apology, this.ledger.audioSent(apology.length, this.#clock.now()));
        this.leg.checkpoint(this.ledger.replyComplete());
        return heard;
      },
      clock: this.#clock,
      signal: this.#abort.signal,
      transfer: async () => {
        await this.control.transfer('the voice agent is unavailable');
        this.markTransferring();
        this.#emitEvent('info', 'caller handed to staff after the agent became unavailable');
      },
      hangUp: () => this.end(this.#agent.everReady ? 'agent_error' : 'agent_unavailable', `agent unavailable: ${reason}`),
    });
  }

  // ---- call control ---------------------------------------------------------------------------

  /** Marks the stream's coming end as the result of a transfer, not a hang-up (false: the transfer failed). */
  markTransferring(transferring = true): void {
    this.#transferring = transferring;
  }

  /** Hang up once the agent's reply in progress (or the one about to start) has been heard in full. */
  hangUpAfterPlayback(reason: string, outcome: CallOutcome = 'agent_hangup'): void {
    this.#requestHangUp(reason, outcome);
  }

  say(text: string, behavior: 'default' | 'queue' | 'interrupt'): void {
    if (this.#ended) return;
    // The agent stops its reply for this; what the carrier still buffers of it must go too.
    if (behavior === 'interrupt') this.#cutOff(this.#clock.now(), 'call');
    this.#agent.send({ type: 'InjectAgentMessage', message: text, behavior });
  }

  note(kind: CallEventKind, detail: string): void {
    this.#emitEvent(kind, detail);
  }

  get functionCalls(): readonly FunctionCallRecord[] {
    return this.#functions.records;
  }

  whenHeard(): Promise<void> {
    return this.#ended ? Promise.resolve() : this.#heardWaits.wait();
  }

  takeMessageForStaff(apology: string): void {
    if (!this.#ended) this.#staffMessage.ask(apology);
  }

  /** Nothing is being said or waits to be played. */
  #allHeard(): boolean {
    return !this.turns.sending && this.ledger.pendingMarks === 0;
  }

  #requestHangUp(reason: string, outcome: CallOutcome): void {
    if (this.#ended || !this.#hangUp.request(reason, outcome)) return;
    this.log.info({ reason, outcome }, 'hang-up requested');
  }

  #streamOnlyControl(): CallControl {
    return {
      hangUpAfterPlayback: (reason) => this.hangUpAfterPlayback(reason),
      transfer: async () => {
        throw new Error(`transfer is not possible on this ${this.leg.carrier} call`);
      },
    };
  }

  // ---- plumbing -------------------------------------------------------------------------------

  #emitTurn(turn: TranscriptTurn | undefined): void {
    if (turn) this.#opts.events.emit({ type: 'turn', callSid: this.info.callSid, turn });
  }

  #emitEvent(kind: CallEventKind, detail: string): void {
    this.#opts.events.emit({ type: 'event', callSid: this.info.callSid, at: Math.round(this.#clock.now()), kind, detail });
  }

  /** Ends the call once: closes both sides, clears timers, emits the summary. Safe to call repeatedly. */
  end(outcome: CallOutcome, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const tail = this.#chunker.flush();
    if (tail && outcome === 'completed') this.#agent.sendAudio(tail.chunk);
    this.#hangUp.cancel();
    this.#policies.stop();
    this.#replyHeard?.();
    this.#heardWaits.releaseAll();
    // Kept for the caller's return, should nobody answer the transfer.
    if (outcome === 'transferred') this.#opts.handoffs?.keep(this.info.callSid, this.#agent.history);
    this.#abort.abort(new Error(`call ended: ${reason}`));
    this.#agent.close(reason);
    this.leg.close(outcome);
    const endedAt = Math.round(this.#clock.now());
    this.#emitTurn(this.turns.finish(endedAt));
    const { turns, interruptions } = this.turns;
    const durationMs = endedAt - this.info.startedAt;
    const summary = this.#stats.summary({ durationMs, turns, interruptions, functionCalls: this.#functions.count, outcome, reason });
    this.#metrics.callEnded(outcome);
    this.#opts.events.emit({ type: 'call_ended', callSid: this.info.callSid, endedAt, summary });
    this.log.info(summary, 'call ended');
    // `done` waits for the recording's file to be complete, so a draining server never exits mid-write.
    void (this.#recording?.close().then(
      (r) => this.log.info({ path: r.path, durationMs: r.durationMs }, 'recording saved'),
      (err: unknown) => this.log.error({ err }, 'recording failed'),
    ) ?? Promise.resolve()).then(this.#resolveDone);
  }
}

function toMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
