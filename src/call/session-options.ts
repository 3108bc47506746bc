// What a call needs from the server that starts it: the agent to reach, the functions it may run,
// where its events, metrics and logs go, its clock, and the policies' timings.
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { CallEventSink, CallInfo } from '../domain/call.js';
import type { Settings } from '../agent/settings.js';
import type { AgentEndpoint } from '../agent/client.js';
import type { FunctionRegistry } from '../tools/registry.js';
import type { CallRecording } from '../recording/call-recording.js';
import type { CallPolicyOptions } from './call-policies.js';
import type { HandedOffConversations } from './handoffs.js';

export interface CallSessionOptions {
  /** The name of the agent definition answering (AGENTS_DIR), on the call's record; DEFAULT_AGENT when unset. */
  agentName?: string;
  /** Where transfers to staff go for this call's agent, overriding the carrier control's own number. */
  transferNumber?: string;
  settings: Settings;
  agent: AgentEndpoint;
  functions: FunctionRegistry;
  metrics: Metrics;
  logger: Logger;
  /** More fields on every log line of the call (its trace id, when traces are on). */
  logFields?: (call: CallInfo) => Record<string, string>;
  events: CallEventSink;
  clock: Clock;
  inboundChunkMs: number;
  /** The user message that tells the agent which keys the caller pressed. */
  keypadText(digits: string): string;
  keepAliveMs?: number;
  /** Agent audio is dropped while this much is already waiting in the caller's socket (a stalled link). */
  maxCallerBufferedBytes?: number;
  /** Wait this long after a hang-up request for the agent's goodbye to start before hanging up. */
  hangupGraceMs?: number;
  /** Reconnects to the agent after a lost connection: one attempt per delay (ms), then give up. */
  reconnectDelaysMs?: readonly number[];
  /** Replace the agent connection (at a quiet moment) before it reaches this age: Deepgram closes sessions at 2 hours. */
  agentSessionMaxMs?: number;
  /** A playback mark after every this much agent audio (0: after every chunk; default DEFAULT_MARK_EVERY_MS). */
  markEveryMs?: number;
  /** Mu-law audio played to the caller when the agent cannot be reached any more (an apology). */
  apologyAudio?: () => Promise<Buffer | undefined>;
  /** A two-channel recording of the call (caller and agent, aligned on the caller's timeline), if wanted. */
  recording?: (call: CallInfo) => CallRecording | undefined;
  /** Silence prompts, the idle hang-up and the time limit (default: DEFAULT_CALL_POLICIES). */
  policies?: CallPolicyOptions;
  /** Where a transferred call's conversation is kept, and where a call resumed after an unanswered transfer finds it. */
  handoffs?: HandedOffConversations;
}
