// What a call produces, as plain data. CallSession emits these; the store records them, the
// dashboard streams them, metrics count them. Emitting never blocks the audio path.

export type CallDirection = 'inbound' | 'outbound';

export type CallOutcome =
  | 'completed' // the caller or Twilio ended the stream
  | 'agent_hangup' // the agent ended the call (end_call)
  | 'transferred'
  | 'agent_error'
  | 'agent_unavailable'
  | 'twilio_disconnected' // the Twilio stream socket closed without `stop`
  | 'carrier_disconnected' // another carrier's media connection closed without the carrier ending the stream
  | 'shutdown'
  | 'rejected'
  | 'idle' // the caller stayed silent through the prompts
  | 'max_duration' // the call reached its time limit
  | 'voicemail' // an outbound call reached an answering machine (a message was left, if one was given)
  | 'instance_lost'; // the instance holding the call stopped heartbeating (REDIS_URL): another one ended its record

/** The agent of calls to numbers no agent definition claims (and of every call without AGENTS_DIR). */
export const DEFAULT_AGENT = 'default';

export interface CallInfo {
  /** The carrier whose leg carries the call: `twilio`, `telnyx`, ... */
  carrier: string;
  callSid: string;
  streamSid: string;
  accountSid: string;
  from: string;
  to: string;
  direction: CallDirection;
  startedAt: number;
  customParameters: Record<string, string>;
  /** The agent definition that answered (AGENTS_DIR); DEFAULT_AGENT when unset. */
  agent?: string;
}

export interface TranscriptTurn {
  role: 'user' | 'assistant';
  text: string;
  startedAt: number;
  endedAt: number;
  interrupted: boolean;
  /** For an interrupted agent turn: the part of the text the caller actually heard (estimated from playback). */
  heardText?: string;
  /** For an interrupted agent turn: ms of its audio that were played before the interruption. */
  heardMs?: number;
}

export interface FunctionCallRecord {
  id: string;
  name: string;
  arguments: string;
  result: string;
  ok: boolean;
  startedAt: number;
  durationMs: number;
}

export interface TurnLatency {
  /** Caller stopped speaking (agent's UserStoppedSpeaking is not in V1: approximated by the user's final text) to first agent audio. */
  at: number;
  /** Bridge-measured: caller's ConversationText (end of turn) to first agent audio byte forwarded. */
  responseMs?: number;
  /** As the agent reported it (AgentStartedSpeaking / LatencyReport), in ms. */
  agentTotalMs?: number;
  agentTtsMs?: number;
  agentTttMs?: number;
}

export interface CallSummary {
  durationMs: number;
  turns: number;
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  interruptions: number;
  functionCalls: number;
  outcome: CallOutcome;
  reason?: string;
}

/** What a caller asked to pass on when staff could not take the call (an unanswered transfer). */
export interface StaffMessage {
  callSid: string;
  /** The caller's number. */
  from: string;
  /** The agent that took the message. */
  agent: string;
  text: string;
  createdAt: number;
}

export type CallEvent =
  | { type: 'call_started'; call: CallInfo }
  | { type: 'turn'; callSid: string; turn: TranscriptTurn }
  | { type: 'function_call'; callSid: string; call: FunctionCallRecord }
  | { type: 'latency'; callSid: string; latency: TurnLatency }
  | { type: 'event'; callSid: string; at: number; kind: CallEventKind; detail: string }
  | { type: 'staff_message'; callSid: string; message: StaffMessage }
  | { type: 'call_ended'; callSid: string; endedAt: number; summary: CallSummary };

/** What an `event` records: a barge-in, a problem, a key press, a reconnection, a call policy acting, or anything else worth knowing. */
export type CallEventKind = 'barge_in' | 'warning' | 'error' | 'dtmf' | 'agent_reconnect' | 'policy' | 'info';

export interface CallEventSink {
  emit(event: CallEvent): void;
}

/** Fans events out to every subscriber; a subscriber that throws is isolated from the others and from the call. */
export class CallEventBus implements CallEventSink {
  readonly #subscribers = new Set<(event: CallEvent) => void>();

  subscribe(fn: (event: CallEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  emit(event: CallEvent): void {
    for (const fn of this.#subscribers) {
      try {
        fn(event);
      } catch {
        // A broken subscriber must never break a call; the subscriber logs its own failures.
      }
    }
  }
}
