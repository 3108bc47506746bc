// The seams of the embedded engine: listen (VAD + speech-to-text), think, speak. EngineSession
// (the V1 protocol server, one per connection) drives them; each has offline implementations.
import type { AgentFunction } from '../agent/settings.js';

/** Audio inside the engine is always mono 16-bit PCM at this rate: flite kal speaks it natively. */
export const ENGINE_SAMPLE_RATE = 8000;

// ---- listen -----------------------------------------------------------------------------------

export type VadEvent = { type: 'speech_start'; atMs: number } | { type: 'speech_end'; atMs: number };

/** Per-connection voice activity detector over 8 kHz PCM. Times are ms of audio fed so far. */
export interface VoiceActivityDetector {
  /** Feed any amount of audio; returns the boundaries it crossed, in order. */
  process(samples: Int16Array): VadEvent[];
  reset(): void;
  close(): void;
}

/** Per-connection noise suppressor over 8 kHz PCM, in front of the detector and the recogniser. */
export interface NoiseSuppressor {
  /** Audio in, the same audio cleaned out: about as many samples, a little later (each keeps its own state). */
  process(samples: Int16Array): Int16Array;
  close(): void;
}

/** Per-connection streaming recogniser over 8 kHz PCM. */
export interface SpeechRecognizer {
  /** Start a new utterance (audio before this call is not part of it). */
  begin(): void;
  /** Feed audio of the current utterance as it arrives. */
  write(samples: Int16Array): void;
  /** End the utterance and return its text ('' when nothing was recognised). */
  finish(): Promise<string>;
  close(): void;
}

export interface SpeechToText {
  /**
   * A recogniser whose language model favours what this agent expects to hear: phrases from its prompt,
   * its functions, its dialog, plus names, dates, times and numbers. Warmed up before it is returned.
   */
  createRecognizer(expectedPhrases: readonly string[]): Promise<SpeechRecognizer>;
}

// ---- think ------------------------------------------------------------------------------------

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as V1's FunctionCallRequest carries it. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; name: string; content: string };

export type ThinkEvent = { type: 'text'; text: string } | { type: 'tool_call'; call: ToolCall };

export interface ThinkRequest {
  /** The whole conversation so far, system prompt first. */
  messages: readonly ChatMessage[];
  functions: readonly AgentFunction[];
  signal: AbortSignal;
}

/**
 * One per connection. A reply streams as text deltas and/or tool calls; after tool calls the session
 * runs them (through the V1 client), appends the results as `tool` messages and asks again.
 */
export interface ThinkProvider {
  respond(request: ThinkRequest): AsyncIterable<ThinkEvent>;
  /** What a caller is likely to say to this agent, for the recogniser's language model. */
  expectedPhrases(): string[];
}

// ---- speak ------------------------------------------------------------------------------------

export interface TextToSpeech {
  /** Speech for one sentence, 8 kHz PCM, in small chunks as soon as they exist. Stops on abort. */
  synthesize(text: string, signal: AbortSignal): AsyncIterable<Int16Array>;
}
