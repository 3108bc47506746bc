// Who is speaking, what the caller heard, and how long the agent took to answer: the turn state of
// one call as one object with named phases. Pure like the PlaybackLedger beside it: no sockets, no
// timers, every time passed in (ms since the epoch); each method returns what the call should emit.
//
// The agent's reply goes through three phases:
//   idle         nothing of a reply is being sent to the caller
//   speaking     a reply's audio is being sent (from its first chunk to AgentAudioDone)
//   interrupted  the caller barged in over a reply: its late audio is stale and dropped, until the
//                agent shows it has moved on (it thinks, speaks, calls a function, or hears the caller)
import type { TranscriptTurn, TurnLatency } from '../domain/call.js';
import type { Interruption } from './playback-ledger.js';

export type ReplyPhase = 'idle' | 'speaking' | 'interrupted';

/** The agent's own account of a turn's latency, in ms (AgentStartedSpeaking, LatencyReport). */
export type AgentLatency = Omit<TurnLatency, 'at' | 'responseMs'>;

export interface ReplyAudio {
  /** A new agent turn begins with this audio: what is heard of it is counted from here. */
  startsTurn: boolean;
  /** The first audio answering the caller's last turn: the turn's latency. */
  latency?: TurnLatency;
}

export interface BargeIn {
  /** The interrupted agent turn, with what the caller heard of it. */
  turn?: TranscriptTurn;
  heardMs: number;
  sentMs: number;
}

interface AssistantTurn {
  text: string;
  startedAt: number;
}

export class TurnTracker {
  #phase: ReplyPhase = 'idle';
  #assistant: AssistantTurn | undefined;
  #callerSpeakingSince: number | undefined;
  /** When the caller's last turn ended, until the first agent audio that answers it. */
  #awaitingReplySince: number | undefined;
  #agentLatency: AgentLatency = {};
  #turns = 0;
  #interruptions = 0;

  get phase(): ReplyPhase {
    return this.#phase;
  }

  /** A reply's audio is being sent. */
  get sending(): boolean {
    return this.#phase === 'speaking';
  }

  /** Nobody is speaking and no reply is being sent (what is still playing is the ledger's to say). */
  get quiet(): boolean {
    return this.#phase !== 'speaking' && this.#callerSpeakingSince === undefined;
  }

  /** Agent audio is welcome, not the stale tail of an interrupted reply. */
  get acceptsAudio(): boolean {
    return this.#phase !== 'interrupted';
  }

  get turns(): number {
    return this.#turns;
  }

  get interruptions(): number {
    return this.#interruptions;
  }

  /**
   * The caller started speaking and whatever was playing was cleared (`cut`, from the ledger). Over a
   * reply that was still being sent or heard, that is a barge-in; otherwise the agent's turn simply ended.
   */
  callerStartedSpeaking(now: number, cut: Interruption): { bargeIn?: BargeIn; finished?: TranscriptTurn } {
    this.#callerSpeakingSince = now;
    return this.cutOff(now, cut);
  }

  /** What was playing was cleared (by the caller, or by the call itself to say something at once). */
  cutOff(now: number, cut: Interruption): { bargeIn?: BargeIn; finished?: TranscriptTurn } {
    const wasSpeaking = this.#phase === 'speaking';
    this.#phase = wasSpeaking ? 'interrupted' : 'idle';
    if (wasSpeaking || cut.hadUnplayedAudio) {
      this.#interruptions++;
      return { bargeIn: { turn: this.#finishAssistant(now, cut), heardMs: cut.heardMs, sentMs: cut.sentMs } };
    }
    return { finished: this.#finishAssistant(now) };
  }

  /** The caller's final words of a turn: the agent's answer is awaited from now. */
  callerSaid(text: string, now: number): TranscriptTurn {
    this.#movedOn();
    this.#turns++;
    this.#awaitingReplySince = now;
    this.#agentLatency = {};
    const turn: TranscriptTurn = { role: 'user', text, startedAt: Math.round(this.#callerSpeakingSince ?? now), endedAt: Math.round(now), interrupted: false };
    this.#callerSpeakingSince = undefined;
    return turn;
  }

  /** The agent's words: they join its turn in progress, or start one. */
  agentSaid(text: string, now: number): { startsTurn: boolean } {
    if (this.#assistant) {
      this.#assistant.text = `${this.#assistant.text} ${text}`.trim();
      return { startsTurn: false };
    }
    this.#assistant = { text, startedAt: now };
    return { startsTurn: true };
  }

  /** The agent is working on something new (thinking, a function call): an interrupted reply is behind it. */
  agentMovedOn(): void {
    this.#movedOn();
  }

  /** The agent starts a new reply and says how long it took. */
  agentStartedSpeaking(latency: AgentLatency): void {
    this.#movedOn();
    this.#agentLatency = latency;
  }

  /** A later report fills in what AgentStartedSpeaking did not say. */
  agentReportedLatency(latency: AgentLatency): void {
    this.#agentLatency.agentTotalMs ??= latency.agentTotalMs;
    this.#agentLatency.agentTtsMs ??= latency.agentTtsMs;
  }

  /** A chunk of agent audio is sent to the caller (the call checked `acceptsAudio` first). */
  agentAudio(now: number): ReplyAudio {
    let startsTurn = false;
    if (this.#phase !== 'speaking') {
      this.#phase = 'speaking';
      if (!this.#assistant) {
        this.#assistant = { text: '', startedAt: now };
        startsTurn = true;
      }
    }
    if (this.#awaitingReplySince === undefined) return { startsTurn };
    const latency: TurnLatency = { at: Math.round(now), responseMs: Math.round(now - this.#awaitingReplySince), ...this.#agentLatency };
    this.#awaitingReplySince = undefined;
    return { startsTurn, latency };
  }

  /** The agent finished sending a reply; true when one was being sent (its end must be marked). */
  agentAudioDone(): boolean {
    if (this.#phase !== 'speaking') return false;
    this.#phase = 'idle';
    return true;
  }

  /** A reply was heard to its end; if nothing more is on its way, the agent's turn is over. */
  replyHeard(now: number, allPlayed: boolean): TranscriptTurn | undefined {
    return allPlayed && this.#phase !== 'speaking' ? this.#finishAssistant(now) : undefined;
  }

  /** The agent connection was lost: what was already buffered still plays, nothing more of the reply comes. */
  agentLost(now: number): TranscriptTurn | undefined {
    this.#phase = 'idle';
    return this.#finishAssistant(now);
  }

  /** The call ended: the turn in progress is over. */
  finish(now: number): TranscriptTurn | undefined {
    return this.#finishAssistant(now);
  }

  #movedOn(): void {
    if (this.#phase === 'interrupted') this.#phase = 'idle';
  }

  #finishAssistant(now: number, cut?: Interruption): TranscriptTurn | undefined {
    const turn = this.#assistant;
    this.#assistant = undefined;
    if (!turn || (turn.text === '' && !cut)) return undefined;
    this.#turns++;
    const record: TranscriptTurn = { role: 'assistant', text: turn.text, startedAt: Math.round(turn.startedAt), endedAt: Math.round(now), interrupted: !!cut };
    if (cut) {
      record.heardMs = Math.round(cut.heardMs);
      record.heardText = heardPrefix(turn.text, cut.sentMs > 0 ? cut.heardMs / cut.sentMs : 0);
    }
    return record;
  }
}

/** The words of `text` a listener heard when `fraction` of its audio played (speech is close enough to uniform). */
export function heardPrefix(text: string, fraction: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const count = Math.round(words.length * Math.min(1, Math.max(0, fraction)));
  return words.slice(0, count).join(' ');
}
