// One phone call: one Twilio media stream bridged to one Voice Agent V1 connection. The session owns
// both sockets' call-level state, its timers, its transcript and its ledger of played audio; when
// either side ends, it closes the other, emits what it recorded and releases everything.
import type WebSocket from 'ws';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Settings } from '../agent/settings.js';
import type { AgentEndpoint } from '../agent/client.js';
import type { ServerMessage, ServerMessageOf } from '../agent/messages.js';
import { clearMessage, markMessage, mediaMessage, type TwilioMedia, type TwilioStart } from '../twilio/media-messages.js';
import type { FunctionRegistry } from '../tools/registry.js';
import type { CallControl } from '../domain/call-control.js';
import { dtmfText } from '../engine/think/dtmf.js';
import type { CallRecording } from '../recording/call-recording.js';
import { AgentLink } from './agent-link.js';
import { InboundChunker } from './inbound-chunker.js';
import { PlaybackLedger } from './playback-ledger.js';
import type { CallDirection, CallEventSink, CallInfo, CallOutcome, TranscriptTurn, TurnLatency } from '../domain/call.js';

export interface CallSessionOptions {
  settings: Settings;
  agent: AgentEndpoint;
  functions: FunctionRegistry;
  metrics: Metrics;
  logger: Logger;
  events: CallEventSink;
  inboundChunkMs: number;
  keepAliveMs?: number;
  /** Agent audio is dropped while this much is already waiting in the Twilio socket (a stalled caller link). */
  maxTwilioBufferedBytes?: number;
  /** Call control for this call (hang up, transfer); the default closes the stream to hang up. */
  control?: (session: CallSession) => CallControl;
  /** Wait this long after a hang-up request for the agent's goodbye to start before hanging up. */
  hangupGraceMs?: number;
  /** Reconnects to the agent after a lost connection: one attempt per delay (ms), then give up. */
  reconnectDelaysMs?: readonly number[];
  /** Replace the agent connection (at a quiet moment) before it reaches this age: Deepgram closes sessions at 2 hours. */
  agentSessionMaxMs?: number;
  /** Mu-law audio played to the caller when the agent cannot be reached any more (an apology). */
  apologyAudio?: () => Promise<Buffer | undefined>;
  /** A two-channel recording of the call (caller and agent, aligned on the caller's timeline), if wanted. */
  recording?: (call: CallInfo) => CallRecording | undefined;
}

type ReplyPhase = 'idle' | 'speaking';

interface AssistantTurn {
  text: string;
  startedAt: number;
}

const DEFAULT_MAX_TWILIO_BUFFERED = 256 * 1024;

export class CallSession {
  readonly info: CallInfo;
  readonly log: Logger;
  readonly #twilio: WebSocket;
  readonly #opts: CallSessionOptions;
  readonly #agent: AgentLink;
  readonly #chunker: InboundChunker;
  readonly #ledger = new PlaybackLedger();
  readonly #abort = new AbortController();
  readonly #control: CallControl;
  readonly #inboundLatency;
  readonly #outboundLatency;
  #ended = false;
  #apologyPlayed: (() => void) | undefined;
  // Recording: the caller's timeline is Twilio's media timestamps; agent audio is placed when played.
  readonly #recording: CallRecording | undefined;
  #lastMediaTimestamp = 0;
  #lastMediaAt = 0;
  #endPromise: Promise<void>;
  #resolveEnd!: () => void;

  // Reply state: what the agent is saying and what has been played of it.
  #reply: ReplyPhase = 'idle';
  #assistant: AssistantTurn | undefined;
  /** After a barge-in, audio of the interrupted reply may still arrive: dropped until the next reply starts. */
  #droppingStaleAudio = false;
  #userSpeechStartedAt: number | undefined;
  /** Time of the caller's last final transcript, until the first agent audio that answers it. */
  #awaitingReplySince: number | undefined;
  #agentLatency: Omit<TurnLatency, 'at' | 'responseMs'> = {};

  // Hang-up after the goodbye has been heard; a transfer's `stop` is not a hang-up.
  #transferring = false;
  #hangupRequestedAt: number | undefined;
  #hangupTimer: NodeJS.Timeout | undefined;

  // Counters for the summary line.
  #bytesIn = 0;
  #bytesOut = 0;
  #framesIn = 0;
  #framesOut = 0;
  #framesDropped = 0;
  #turns = 0;
  #interruptions = 0;
  #functionCalls = 0;
  #malformedLogged = new Set<string>();

  constructor(twilio: WebSocket, start: TwilioStart, opts: CallSessionOptions) {
    this.#twilio = twilio;
    this.#opts = opts;
    const params = start.start.customParameters;
    this.info = {
      callSid: start.start.callSid,
      streamSid: start.streamSid,
      accountSid: start.start.accountSid,
      from: params.From ?? params.from ?? '',
      to: params.To ?? params.to ?? '',
      direction: (params.Direction === 'outbound' ? 'outbound' : 'inbound') satisfies CallDirection,
      startedAt: Date.now(),
      customParameters: params,
    };
    this.log = opts.logger.child({ callSid: this.info.callSid, streamSid: this.info.streamSid });
    this.#chunker = new InboundChunker(opts.inboundChunkMs);
    this.#inboundLatency = opts.metrics.frameLatency.labels('inbound');
    this.#outboundLatency = opts.metrics.frameLatency.labels('outbound');
    this.#control = opts.control?.(this) ?? this.#streamOnlyControl();
    this.#endPromise = new Promise((resolve) => (this.#resolveEnd = resolve));
    this.#recording = opts.recording?.(this.info);

    opts.metrics.activeCalls.inc();
    opts.events.emit({ type: 'call_started', call: this.info });
    this.log.info({ from: this.info.from, to: this.info.to, direction: this.info.direction }, 'call started');

    this.#agent = new AgentLink(
      {
        endpoint: opts.agent,
        settings: opts.settings,
        log: this.log,
        keepAliveMs: opts.keepAliveMs,
        reconnectDelaysMs: opts.reconnectDelaysMs,
        sessionMaxMs: opts.agentSessionMaxMs,
      },
      {
        onMessage: (m) => this.#onAgentMessage(m),
        onAudio: (chunk) => this.#onAgentAudio(chunk),
        onMalformed: (reason, unknownType) => this.#malformed('agent', unknownType ? `unknown:${unknownType}` : reason, reason),
        onAudioDropped: (bytes, reason) => this.#countDropped(bytes, reason),
        onLost: (reason, attempt) => this.#onAgentLost(reason, attempt),
        onReconnected: (gapMs, attempt, reason) => {
          this.#emitEvent('agent_reconnect', `agent reconnected after ${gapMs} ms (attempt ${attempt}): ${reason}`);
          this.log.info({ gapMs, attempt, reason }, 'agent reconnected');
        },
        onGaveUp: (reason, connections) => void this.#giveUp(reason, connections),
        isQuiet: () => this.#reply === 'idle' && this.#userSpeechStartedAt === undefined && this.#ledger.pendingMarks === 0,
      },
    );
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves once the call has ended and everything it holds is released. */
  get done(): Promise<void> {
    return this.#endPromise;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  // ---- the agent connection ------------------------------------------------------------------

  /** The agent connection was lost and is being replaced: whatever it was saying is over. */
  #onAgentLost(reason: string, attempt: number): void {
    if (this.#ended) return;
    this.#opts.metrics.agentErrors.labels('connection_lost').inc();
    this.log.warn({ reason, attempt }, 'agent connection lost; reconnecting');
    // What Twilio already buffered still plays; nothing more of that reply will come.
    this.#reply = 'idle';
    this.#droppingStaleAudio = false;
    if (this.#assistant) this.#finishAssistantTurn(false);
  }

  /** No agent any more: apologise, then hand the caller to staff if possible, else hang up. */
  async #giveUp(reason: string, connections: number): Promise<void> {
    if (this.#ended) return;
    this.#emitEvent('error', `agent unreachable after ${connections} attempts: ${reason}`);
    this.log.error({ reason }, 'giving up on the agent');
    const outcome = this.#agent.everReady ? 'agent_error' : 'agent_unavailable';
    const apology = await this.#opts.apologyAudio?.().catch(() => undefined);
    if (this.#ended) return;
    if (apology && apology.length > 0) {
      const played = new Promise<void>((resolve) => (this.#apologyPlayed = resolve));
      this.#sendTwilio(mediaMessage(this.info.streamSid, apology.toString('base64')));
      this.#ledger.audioSent(apology.length, performance.now());
      this.#sendTwilio(markMessage(this.info.streamSid, this.#ledger.replyComplete()));
      await Promise.race([played, sleep(apology.length / 8 + 3000)]);
    }
    if (this.#ended) return;
    try {
      await this.#control.transfer('the voice agent is unavailable');
      this.markTransferring();
      this.#emitEvent('info', 'caller handed to staff after the agent became unavailable');
    } catch {
      this.end(outcome, `agent unavailable: ${reason}`);
    }
  }

  // ---- from Twilio ----------------------------------------------------------------------------

  onMedia(message: TwilioMedia, arrivedAt: number): void {
    if (this.#ended) return;
    if (message.streamSid !== this.info.streamSid) {
      this.#malformed('twilio', 'wrong-stream', `media for stream ${message.streamSid} on ${this.info.streamSid}`);
      return;
    }
    if (message.track !== 'inbound') return;
    const frame = Buffer.from(message.payload, 'base64');
    if (this.#recording) {
      this.#lastMediaTimestamp = Number.isFinite(message.timestamp) ? message.timestamp : this.#lastMediaTimestamp + frame.length / 8;
      this.#lastMediaAt = arrivedAt;
      this.#recording.addCallerAudio(this.#lastMediaTimestamp, frame);
    }
    this.#framesIn++;
    this.#bytesIn += frame.length;
    this.#opts.metrics.framesInPending++;
    const ready = this.#chunker.push(frame, arrivedAt);
    if (ready) this.#forwardInbound(ready.chunk, ready.oldestAt);
  }

  onMark(name: string): void {
    if (this.#ended) return;
    const now = performance.now();
    const outcome = this.#ledger.markEchoed(name, now);
    if (outcome.kind !== 'played') return;
    if (this.#recording && outcome.audio.length > 0) this.#recordPlayed(outcome.audio, now);
    if (outcome.replyFinished) this.#apologyPlayed?.();
    // The turn is over once its last reply has been heard in full and no newer reply is on its way.
    if (outcome.replyFinished && outcome.allPlayed && this.#reply === 'idle') this.#finishAssistantTurn(false);
    this.#maybeHangUp();
    this.#agent.maybeRotate();
  }

  onDtmf(digit: string): void {
    if (this.#ended) return;
    this.#emitEvent('dtmf', digit);
    this.log.info({ digit }, 'dtmf');
    this.#agent.send({ type: 'InjectUserMessage', content: dtmfText(digit) });
  }

  onStop(): void {
    this.end(this.#transferring ? 'transferred' : 'completed', 'twilio sent stop');
  }

  onTwilioClosed(code: number): void {
    if (!this.#ended) this.end(this.#transferring ? 'transferred' : 'twilio_disconnected', `twilio socket closed (${code}) without stop`);
  }

  /** Counts a bad message, logging its first occurrence of each kind per call. */
  malformedFromTwilio(kind: string, detail: string): void {
    this.#malformed('twilio', kind, detail);
  }

  // ---- from the agent -------------------------------------------------------------------------

  #onAgentMessage(m: ServerMessage): void {
    if (this.#ended) return;
    switch (m.type) {
      case 'UserStartedSpeaking':
        return this.#onUserStartedSpeaking();
      case 'ConversationText':
        return m.role === 'user' ? this.#onUserText(m.content) : this.#onAssistantText(m.content);
      case 'AgentThinking':
        this.#droppingStaleAudio = false;
        return;
      case 'AgentStartedSpeaking': {
        this.#droppingStaleAudio = false;
        this.#agentLatency = {
          agentTotalMs: secondsToMs(m.total_latency),
          agentTtsMs: secondsToMs(m.tts_latency),
          agentTttMs: secondsToMs(m.ttt_latency),
        };
        const reported = this.#opts.metrics.agentReportedLatency;
        if (m.total_latency !== undefined) reported.labels('total').observe(m.total_latency);
        if (m.ttt_latency !== undefined) reported.labels('ttt').observe(m.ttt_latency);
        if (m.tts_latency !== undefined) reported.labels('tts').observe(m.tts_latency);
        return;
      }
      case 'LatencyReport':
        this.#agentLatency.agentTotalMs ??= secondsToMs(m.total_latency);
        this.#agentLatency.agentTtsMs ??= secondsToMs(m.tts_latency);
        return;
      case 'AgentAudioDone':
        return this.#onAgentAudioDone();
      case 'FunctionCallRequest':
        this.#droppingStaleAudio = false;
        return this.#onFunctionCallRequest(m);
      case 'Warning':
        this.#emitEvent('warning', `${m.code}: ${m.description}`);
        this.log.warn({ code: m.code, description: m.description }, 'agent warning');
        return;
      case 'Error':
        // V1 errors are fatal to the agent session: start over with a new one that knows the conversation.
        this.#opts.metrics.agentErrors.labels(m.code).inc();
        this.#emitEvent('error', `${m.code}: ${m.description}`);
        this.#agent.replace(`agent error ${m.code}: ${m.description}`);
        return;
      case 'InjectionRefused':
        this.log.info({ message: m.message }, 'agent refused an injected message');
        return;
      case 'Welcome':
      case 'SettingsApplied':
      case 'PromptUpdated':
      case 'SpeakUpdated':
      case 'ThinkUpdated':
      case 'ListenUpdated':
      case 'History':
        // The bridge keeps its own history (below): it must survive the agent connection.
      case 'FunctionCallResponse':
        return;
    }
  }

  #onUserStartedSpeaking(): void {
    // Barge-in first, bookkeeping after: `clear` must reach Twilio in this same turn of the event loop.
    this.#sendTwilio(clearMessage(this.info.streamSid));
    const now = performance.now();
    const cut = this.#ledger.interrupt(now);
    // The recording keeps what the caller heard of the interrupted audio, up to the moment of the clear.
    if (this.#recording && cut.heardAudio.length > 0) this.#recordPlayed(cut.heardAudio, now);
    this.#userSpeechStartedAt = Date.now();
    if (this.#reply === 'speaking' || cut.hadUnplayedAudio) {
      this.#interruptions++;
      this.#opts.metrics.bargeIns.inc();
      this.#emitEvent('barge_in', `caller interrupted after ${Math.round(cut.heardMs)} of ${Math.round(cut.sentMs)} ms`);
      this.#finishAssistantTurn(true, cut.heardMs, cut.sentMs);
    } else if (this.#assistant) {
      // Everything had played: the caller speaks after the agent, not over it.
      this.#finishAssistantTurn(false);
    }
    this.#droppingStaleAudio = this.#reply === 'speaking';
    this.#reply = 'idle';
  }

  #onUserText(text: string): void {
    const now = Date.now();
    this.#droppingStaleAudio = false;
    this.#turns++;
    this.#awaitingReplySince = performance.now();
    this.#agentLatency = {};
    this.#agent.remember({ type: 'History', role: 'user', content: text });
    const turn: TranscriptTurn = { role: 'user', text, startedAt: this.#userSpeechStartedAt ?? now, endedAt: now, interrupted: false };
    this.#userSpeechStartedAt = undefined;
    this.#opts.events.emit({ type: 'turn', callSid: this.info.callSid, turn });
  }

  #onAssistantText(text: string): void {
    this.#agent.remember({ type: 'History', role: 'assistant', content: text });
    if (this.#assistant) this.#assistant.text = `${this.#assistant.text} ${text}`.trim();
    else this.#startAssistantTurn(text);
  }

  /** An agent turn may span several replies (before and after a function call) until all of it has played. */
  #startAssistantTurn(text: string): void {
    this.#assistant = { text, startedAt: Date.now() };
    this.#ledger.startTurn();
  }

  #onAgentAudio(chunk: Buffer): void {
    if (this.#ended) return;
    const started = performance.now();
    if (this.#droppingStaleAudio) return this.#countDropped(chunk.length, 'barge_in');
    if (this.#twilio.bufferedAmount > (this.#opts.maxTwilioBufferedBytes ?? DEFAULT_MAX_TWILIO_BUFFERED)) {
      return this.#countDropped(chunk.length, 'backpressure');
    }
    if (this.#reply === 'idle') {
      this.#reply = 'speaking';
      if (!this.#assistant) this.#startAssistantTurn('');
    }
    if (this.#awaitingReplySince !== undefined) this.#recordTurnLatency(started);
    const streamSid = this.info.streamSid;
    this.#sendTwilioPair(
      mediaMessage(streamSid, chunk.toString('base64')),
      markMessage(streamSid, this.#ledger.audioSent(chunk.length, started, this.#recording ? chunk : undefined)),
    );
    this.#framesOut++;
    this.#bytesOut += chunk.length;
    this.#opts.metrics.framesOutPending++;
    this.#outboundLatency.observe((performance.now() - started) / 1000);
  }

  #onAgentAudioDone(): void {
    if (this.#reply !== 'speaking') return;
    this.#reply = 'idle';
    this.#sendTwilio(markMessage(this.info.streamSid, this.#ledger.replyComplete()));
    this.#agent.maybeRotate();
  }

  #recordTurnLatency(now: number): void {
    const responseMs = now - this.#awaitingReplySince!;
    this.#awaitingReplySince = undefined;
    this.#opts.metrics.turnLatency.observe(responseMs / 1000);
    const latency: TurnLatency = { at: Date.now(), responseMs: Math.round(responseMs), ...this.#agentLatency };
    this.#opts.events.emit({ type: 'latency', callSid: this.info.callSid, latency });
  }

  #onFunctionCallRequest(m: ServerMessageOf<'FunctionCallRequest'>): void {
    for (const fn of m.functions) {
      if (!fn.client_side) continue; // the agent runs server-side functions itself
      const startedAt = Date.now();
      this.#functionCalls++;
      void this.#opts.functions
        .dispatch(fn.name, fn.arguments, {
          callSid: this.info.callSid,
          streamSid: this.info.streamSid,
          from: this.info.from,
          signal: this.#abort.signal,
          control: this.#control,
        })
        .then((result) => {
          this.#opts.metrics.functionCalls.labels(fn.name, String(result.ok)).inc();
          this.#opts.events.emit({
            type: 'function_call',
            callSid: this.info.callSid,
            call: { id: fn.id, name: fn.name, arguments: fn.arguments, result: result.content, ok: result.ok, startedAt, durationMs: result.durationMs },
          });
          this.log.info({ fn: fn.name, ok: result.ok, ms: Math.round(result.durationMs) }, 'function call');
          this.#agent.remember({ type: 'History', function_calls: [{ id: fn.id, name: fn.name, client_side: true, arguments: fn.arguments, response: result.content }] });
          if (!this.#ended) this.#agent.send({ type: 'FunctionCallResponse', id: fn.id, name: fn.name, content: result.content });
        });
    }
  }

  // ---- transcript -----------------------------------------------------------------------------

  #finishAssistantTurn(interrupted: boolean, heardMs?: number, sentMs?: number): void {
    const turn = this.#assistant;
    this.#assistant = undefined;
    if (!turn || (turn.text === '' && !interrupted)) return;
    this.#turns++;
    const record: TranscriptTurn = { role: 'assistant', text: turn.text, startedAt: turn.startedAt, endedAt: Date.now(), interrupted };
    if (interrupted && heardMs !== undefined && sentMs !== undefined) {
      record.heardMs = Math.round(heardMs);
      record.heardText = heardPrefix(turn.text, sentMs > 0 ? heardMs / sentMs : 0);
    }
    this.#opts.events.emit({ type: 'turn', callSid: this.info.callSid, turn: record });
  }

  // ---- call control ---------------------------------------------------------------------------

  /** Marks the stream's coming `stop` as the result of a transfer, not a hang-up (false: the transfer failed). */
  markTransferring(transferring = true): void {
    this.#transferring = transferring;
  }

  /** Hang up once the agent's reply in progress (or the one about to start) has been heard in full. */
  requestHangUpAfterPlayback(reason: string): void {
    if (this.#hangupRequestedAt !== undefined || this.#ended) return;
    this.#hangupRequestedAt = performance.now();
    this.log.info({ reason }, 'hang-up requested');
    const grace = this.#opts.hangupGraceMs ?? 1500;
    // Re-check when the grace period for a goodbye to begin runs out; a hard stop bounds a reply that never ends.
    this.#hangupTimer = setTimeout(() => {
      this.#maybeHangUp();
      this.#hangupTimer = setTimeout(() => this.end('agent_hangup', `${reason} (playback not confirmed)`), 30_000);
    }, grace);
  }

  #maybeHangUp(): void {
    if (this.#hangupRequestedAt === undefined || this.#ended) return;
    const graceOver = performance.now() - this.#hangupRequestedAt >= (this.#opts.hangupGraceMs ?? 1500);
    if (graceOver && this.#reply === 'idle' && this.#ledger.pendingMarks === 0) this.end('agent_hangup', 'agent ended the call after its goodbye was heard');
  }

  #streamOnlyControl(): CallControl {
    return {
      hangUpAfterPlayback: (reason) => this.requestHangUpAfterPlayback(reason),
      transfer: async () => {
        throw new Error('transfer is not configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a transfer number)');
      },
    };
  }

  /** Audio whose playback just completed ended now: place it back to back, ending at the caller's current time. */
  #recordPlayed(chunks: Buffer[], now: number): void {
    const callerNow = this.#lastMediaTimestamp + (now - this.#lastMediaAt);
    let at = callerNow - chunks.reduce((ms, c) => ms + c.length / 8, 0);
    for (const chunk of chunks) {
      this.#recording!.addAgentAudio(Math.max(0, at), chunk);
      at += chunk.length / 8;
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------

  #forwardInbound(chunk: Buffer, oldestAt: number): void {
    if (this.#agent.sendAudio(chunk)) this.#inboundLatency.observe((performance.now() - oldestAt) / 1000);
  }

  /** Drop policy, everywhere: count the frames, never queue them (stale, or for a socket that does not drain). */
  #countDropped(bytes: number, reason: string): void {
    const frames = Math.max(1, Math.round(bytes / 160));
    this.#framesDropped += frames;
    this.#opts.metrics.framesDropped.labels(reason).inc(frames);
  }

  /**
   * A media message and its mark in one socket write: two syscalls per agent frame were the largest
   * single cost of the bridge under load. ws keeps its socket private (`_socket`), but corking it is
   * safe: ws's own framing corks and uncorks the same way.
   */
  #sendTwilioPair(first: string, second: string): void {
    if (this.#twilio.readyState !== 1) return;
    const socket = (this.#twilio as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    this.#twilio.send(first);
    this.#twilio.send(second);
    socket?.uncork();
  }

  #sendTwilio(text: string): void {
    if (this.#twilio.readyState === 1) this.#twilio.send(text);
  }

  #emitEvent(kind: 'barge_in' | 'warning' | 'error' | 'dtmf' | 'info' | 'agent_reconnect', detail: string): void {
    this.#opts.events.emit({ type: 'event', callSid: this.info.callSid, at: Date.now(), kind, detail });
  }

  #malformed(source: 'twilio' | 'agent', kind: string, detail: string): void {
    this.#opts.metrics.malformedMessages.labels(source).inc();
    if (this.#malformedLogged.has(`${source}:${kind}`)) return;
    this.#malformedLogged.add(`${source}:${kind}`);
    this.log.warn({ source, detail }, 'ignored a malformed or unknown message (logged once per kind per call)');
  }

  /** Ends the call once: closes both sides, clears timers, emits the summary. Safe to call repeatedly. */
  end(outcome: CallOutcome, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const tail = this.#chunker.flush();
    if (tail && outcome === 'completed') this.#agent.sendAudio(tail.chunk);
    clearTimeout(this.#hangupTimer);
    this.#apologyPlayed?.();
    this.#abort.abort(new Error(`call ended: ${reason}`));
    this.#agent.close(reason);
    if (this.#twilio.readyState === 1) this.#twilio.close(1000, outcome);
    if (this.#assistant) this.#finishAssistantTurn(false);
    const summary = {
      durationMs: Date.now() - this.info.startedAt,
      turns: this.#turns,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      framesIn: this.#framesIn,
      framesOut: this.#framesOut,
      framesDropped: this.#framesDropped,
      interruptions: this.#interruptions,
      functionCalls: this.#functionCalls,
      outcome,
      reason,
    };
    this.#opts.metrics.activeCalls.dec();
    this.#opts.metrics.callsTotal.labels(outcome).inc();
    this.#opts.events.emit({ type: 'call_ended', callSid: this.info.callSid, endedAt: Date.now(), summary });
    this.log.info(summary, 'call ended');
    // `done` waits for the recording's file to be complete, so a draining server never exits mid-write.
    void (this.#recording?.close().then(
      (r) => this.log.info({ path: r.path, durationMs: r.durationMs }, 'recording saved'),
      (err: unknown) => this.log.error({ err }, 'recording failed'),
    ) ?? Promise.resolve()).then(this.#resolveEnd);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function secondsToMs(s: number | undefined): number | undefined {
  return s === undefined ? undefined : Math.round(s * 1000);
}

/** The words of `text` a listener heard when `fraction` of its audio played (speech is close enough to uniform). */
export function heardPrefix(text: string, fraction: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const count = Math.round(words.length * Math.min(1, Math.max(0, fraction)));
  return words.slice(0, count).join(' ');
}
