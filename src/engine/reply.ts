// One agent reply: thinking (or a scripted text) produces sentences, speaking turns each into audio as
// soon as it exists, and the V1 client hears about it in protocol order: AgentStartedSpeaking and
// LatencyReport before the first audio, ConversationText for each sentence as its audio starts (so a
// client that is interrupted knows what was being said), History for each stretch of speech,
// AgentAudioDone after the last audio byte. Aborting (barge-in, an interrupting message, hang-up)
// stops all of it at once; what the caller was sent is what the transcript and the conversation keep.
import type { AgentFunction } from '../agent/settings.js';
import { WarningCode, type ServerMessage } from '../agent/messages.js';
import { errorMessage } from '../observability/error-message.js';
import type { AgentAudioOut } from './agent-audio-out.js';
import { AsyncQueue } from './async-queue.js';
import type { Clock } from '../domain/clock.js';
import type { Conversation } from './conversation.js';
import type { FunctionCalls } from './function-calls.js';
import { respondWithFallback } from './think-fallback.js';
import { SentenceSplitter, splitSentences } from './think/sentences.js';
import type { TextToSpeech, ThinkProvider, ToolCall } from './types.js';

export interface ReplyDeps {
  send(message: ServerMessage): void;
  clock: Clock;
  conversation: Conversation;
  /** Emit History messages (V1 flags.history). */
  history: boolean;
  think: readonly ThinkProvider[];
  functions: readonly AgentFunction[];
  functionCalls: FunctionCalls;
  tts: TextToSpeech;
  /** Engine PCM to the negotiated output format. */
  encode(samples: Int16Array): Uint8Array;
  audio: AgentAudioOut;
}

export type ReplyPlan =
  /** Say this text as it is (greeting, injected agent message). */
  | { kind: 'say'; text: string }
  /** Answer the conversation, whose last message is the caller's turn. */
  | { kind: 'answer'; endedAt: number; recognizedAt: number };

export const APOLOGY = "Sorry, I'm having trouble right now. Could you say that again?";
/** Think, run tools, think again: a model that keeps calling tools is stopped after this many rounds. */
const MAX_THINK_STEPS = 6;

/** A stretch of the reply between tool calls: one assistant message. */
interface Segment {
  spoken: string[];
  /** The conversation's copy, once thinking committed it; cut down to what was spoken if the reply is interrupted. */
  message?: { content: string };
  reported: boolean;
}

type SpeechItem = { segment: Segment; sentence: string; readyAt: number } | { segment: Segment; end: true };

export class Reply {
  readonly done: Promise<void>;
  readonly #controller = new AbortController();
  readonly #segments: Segment[] = [];
  readonly #startedAt: number;
  #firstTokenAt: number | undefined;
  #firstSentenceAt: number | undefined;
  #toolMs = 0;
  #audioStarted = false;

  constructor(
    private readonly deps: ReplyDeps,
    readonly plan: ReplyPlan,
  ) {
    this.#startedAt = deps.clock.now();
    this.done = this.#run();
  }

  /** True once the first audio of the reply has been sent. */
  get spoke(): boolean {
    return this.#audioStarted;
  }

  /** Stops thinking, speaking and sending now; `done` settles once the transcript is reported. */
  abort(): void {
    this.#controller.abort(new ReplyAborted());
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    const queue = new AsyncQueue<SpeechItem>(signal);
    const producing = this.plan.kind === 'say' ? this.#script(queue, this.plan.text) : this.#think(queue, signal);
    await Promise.allSettled([producing, this.#speak(queue, signal)]);
    this.#keepWhatWasSaid(signal.aborted);
  }

  /**
   * The conversation keeps what the caller was sent: a scripted text once spoken, and when the reply
   * was cut short, only the sentences that had started to play.
   */
  #keepWhatWasSaid(aborted: boolean): void {
    for (const segment of this.#segments) {
      const spoken = segment.spoken.join(' ');
      if (segment.message) {
        if (aborted) segment.message.content = spoken;
      } else if (spoken) {
        this.deps.conversation.addAssistant(spoken);
      }
    }
  }

  async #script(queue: AsyncQueue<SpeechItem>, text: string): Promise<void> {
    const segment = this.#segment();
    const now = this.deps.clock.now();
    for (const sentence of splitSentences(text)) queue.push({ segment, sentence, readyAt: now });
    queue.push({ segment, end: true });
    queue.close();
  }

  async #think(queue: AsyncQueue<SpeechItem>, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    try {
      for (let step = 0; step < MAX_THINK_STEPS; step++) {
        const segment = this.#segment();
        const splitter = new SentenceSplitter();
        const calls: ToolCall[] = [];
        let text = '';
        const pushSentences = (sentences: string[]) => {
          const readyAt = deps.clock.now();
          this.#firstSentenceAt ??= sentences.length ? readyAt : undefined;
          for (const sentence of sentences) queue.push({ segment, sentence, readyAt });
        };
        const request = { messages: deps.conversation.messages(), functions: deps.functions, signal };
        for await (const event of respondWithFallback(deps.think, request, (error) => this.#warnThink(error, true))) {
          if (event.type === 'tool_call') {
            calls.push(event.call);
            continue;
          }
          this.#firstTokenAt ??= deps.clock.now();
          text += event.text;
          pushSentences(splitter.push(event.text));
        }
        // A provider may end its stream quietly on abort rather than throw.
        signal.throwIfAborted();
        pushSentences(splitter.flush());
        queue.push({ segment, end: true });
        if (calls.length === 0) {
          if (text.trim()) segment.message = deps.conversation.addAssistant(text.trim());
          return;
        }
        const toolStart = deps.clock.now();
        const results = await deps.functionCalls.run(calls, deps.functions, signal);
        this.#toolMs += deps.clock.now() - toolStart;
        // Committed together, only once every result is in: a conversation must never hold a tool call without its result.
        segment.message = deps.conversation.addAssistant(text.trim(), calls);
        for (const r of results) deps.conversation.addToolResult(r.call, r.content);
        if (deps.history) {
          deps.send({
            type: 'History',
            function_calls: results.map((r) => ({
              id: r.call.id,
              name: r.call.name,
              client_side: r.clientSide,
              arguments: r.call.arguments,
              response: r.content,
            })),
          });
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      this.#warnThink(error, false);
      const segment = this.#segment();
      queue.push({ segment, sentence: APOLOGY, readyAt: deps.clock.now() });
      queue.push({ segment, end: true });
    } finally {
      queue.close();
    }
  }

  async #speak(queue: AsyncQueue<SpeechItem>, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    try {
      for await (const item of queue) {
        if ('end' in item) {
          this.#report(item.segment);
          continue;
        }
        try {
          let first = true;
          for await (const samples of deps.tts.synthesize(item.sentence, signal)) {
            if (signal.aborted) break;
            if (first) {
              first = false;
              if (!this.#audioStarted) this.#announceSpeech(item.readyAt);
              item.segment.spoken.push(item.sentence);
              deps.send({ type: 'ConversationText', role: 'assistant', content: item.sentence });
            }
            await deps.audio.write(deps.encode(samples), signal);
          }
        } catch (error) {
          if (signal.aborted) throw error;
          deps.send({ type: 'Warning', code: WarningCode.SPEAK_REQUEST_FAILED, description: `speech synthesis failed: ${errorMessage(error)}` });
        }
      }
      if (this.#audioStarted) await deps.audio.flush(signal);
    } catch {
      // Aborted: whatever was not sent is dropped below.
    } finally {
      if (signal.aborted) deps.audio.discard();
      for (const segment of this.#segments) this.#report(segment);
      if (this.#audioStarted) deps.send({ type: 'AgentAudioDone' });
    }
  }

  #segment(): Segment {
    const segment: Segment = { spoken: [], reported: false };
    this.#segments.push(segment);
    return segment;
  }

  /** History for what this segment actually said (all of it, unless interrupted). */
  #report(segment: Segment): void {
    if (segment.reported) return;
    segment.reported = true;
    const content = segment.spoken.join(' ');
    if (content && this.deps.history) this.deps.send({ type: 'History', role: 'assistant', content });
  }

  /** Latencies in seconds, as V1 reports them: from the caller's end of speech to the first audio. */
  #announceSpeech(sentenceReadyAt: number): void {
    this.#audioStarted = true;
    const now = this.deps.clock.now();
    const tts = now - sentenceReadyAt;
    if (this.plan.kind === 'say') {
      this.deps.send({ type: 'AgentStartedSpeaking', total_latency: secs(now - this.#startedAt), tts_latency: secs(tts), ttt_latency: 0 });
      return;
    }
    const { endedAt, recognizedAt } = this.plan;
    const total = now - endedAt;
    this.deps.send({ type: 'AgentStartedSpeaking', total_latency: secs(total), tts_latency: secs(tts), ttt_latency: secs(total - tts) });
    this.deps.send({
      type: 'LatencyReport',
      stt_latency: secs(recognizedAt - endedAt),
      ttt_token_latency: this.#firstTokenAt === undefined ? undefined : secs(this.#firstTokenAt - recognizedAt),
      ttt_text_latency: this.#firstSentenceAt === undefined ? undefined : secs(this.#firstSentenceAt - recognizedAt),
      ttt_tool_latency: this.#toolMs > 0 ? secs(this.#toolMs) : undefined,
      tts_latency: secs(tts),
      total_latency: secs(total),
    });
  }

  #warnThink(error: unknown, fallingBack: boolean): void {
    const description = `think request failed: ${errorMessage(error)}${fallingBack ? '; trying the next provider' : ''}`;
    this.deps.send({ type: 'Warning', code: WarningCode.THINK_REQUEST_FAILED, description });
  }
}

export class ReplyAborted extends Error {
  constructor() {
    super('reply aborted');
    this.name = 'ReplyAborted';
  }
}

function secs(ms: number): number {
  return Math.max(0, Math.round(ms)) / 1000;
}
