// Voice Agent V1 wire messages (Deepgram AsyncAPI, channel /v1/agent/converse). JSON text frames carry
// control messages; binary frames carry audio in the negotiated format and never pass through here.
import { z } from 'zod';
import { parseJsonObject } from '../protocol/json-object.js';
import { HistoryItemSchema, SettingsSchema, SpeakSchema, ThinkSchema } from './settings.js';
import { explainIssues } from '../protocol/explain-issues.js';

// ---- server -> client -------------------------------------------------------------------------

const FunctionCallItem = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.string(),
  client_side: z.boolean(),
  thought_signature: z.string().optional(),
});

const latency = z.number().nonnegative().optional();

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Welcome'), request_id: z.string() }),
  z.object({ type: z.literal('SettingsApplied') }),
  z.object({ type: z.literal('ConversationText'), role: z.enum(['user', 'assistant']), content: z.string() }),
  z.object({ type: z.literal('UserStartedSpeaking') }),
  z.object({ type: z.literal('AgentThinking'), content: z.string() }),
  z.object({ type: z.literal('FunctionCallRequest'), functions: z.array(FunctionCallItem) }),
  z.object({ type: z.literal('FunctionCallResponse'), id: z.string().optional(), name: z.string(), content: z.string() }),
  z.object({ type: z.literal('AgentStartedSpeaking'), total_latency: latency, tts_latency: latency, ttt_latency: latency }),
  z.object({
    type: z.literal('LatencyReport'),
    ttt_token_latency: latency,
    ttt_text_latency: latency,
    ttt_tool_latency: latency,
    ttt_thinking_latency: latency,
    tts_latency: latency,
    total_latency: latency,
    stt_latency: latency,
  }),
  z.object({ type: z.literal('AgentAudioDone') }),
  z.object({ type: z.literal('PromptUpdated') }),
  z.object({ type: z.literal('SpeakUpdated') }),
  z.object({ type: z.literal('ThinkUpdated') }),
  z.object({ type: z.literal('ListenUpdated') }),
  z.object({ type: z.literal('InjectionRefused'), message: z.string().default('') }),
  z.object({
    type: z.literal('History'),
    role: z.enum(['user', 'assistant']).optional(),
    content: z.string().optional(),
    function_calls: z.array(z.unknown()).optional(),
  }),
  z.object({ type: z.literal('Warning'), description: z.string(), code: z.string() }),
  z.object({ type: z.literal('Error'), description: z.string(), code: z.string() }),
]);

export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type FunctionCallRequestItem = z.infer<typeof FunctionCallItem>;
export const SERVER_MESSAGE_TYPES = new Set<string>(ServerMessageSchema.options.map((o) => o.shape.type.value));

// ---- client -> server -------------------------------------------------------------------------

export const ClientMessageSchema = z.discriminatedUnion('type', [
  SettingsSchema,
  z.object({ type: z.literal('KeepAlive') }),
  z.object({ type: z.literal('UpdatePrompt'), prompt: z.string() }),
  z.object({ type: z.literal('UpdateSpeak'), speak: z.union([SpeakSchema, z.array(SpeakSchema).min(1)]) }),
  z.object({ type: z.literal('UpdateThink'), think: z.union([ThinkSchema, z.array(ThinkSchema).min(1)]) }),
  z.object({ type: z.literal('InjectUserMessage'), content: z.string().min(1) }),
  z.object({
    type: z.literal('InjectAgentMessage'),
    message: z.string().min(1),
    behavior: z.enum(['default', 'queue', 'interrupt']).default('default'),
  }),
  z.object({ type: z.literal('FunctionCallResponse'), id: z.string().optional(), name: z.string(), content: z.string() }),
  z.object({ type: z.literal('ForceEndTurn') }),
]);

export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;
export type HistoryMessage = z.infer<typeof HistoryItemSchema>;

// ---- parsing ----------------------------------------------------------------------------------

export type Parsed<T> =
  | { kind: 'ok'; message: T }
  /** Well-formed JSON with a `type` this side does not know: count it and move on. */
  | { kind: 'unknown'; type: string }
  | { kind: 'invalid'; reason: string };

function parseWith<T>(schema: z.ZodType<T>, known: Set<string>, text: string): Parsed<T> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const raw = parsed.value;
  const type = raw.type;
  if (typeof type !== 'string') return { kind: 'invalid', reason: 'missing "type"' };
  if (!known.has(type)) return { kind: 'unknown', type };
  const r = schema.safeParse(raw);
  return r.success ? { kind: 'ok', message: r.data } : { kind: 'invalid', reason: `${type}: ${explainIssues(r.error)}` };
}

export function parseServerMessage(text: string): Parsed<ServerMessage> {
  return parseWith(ServerMessageSchema, SERVER_MESSAGE_TYPES, text);
}

export const CLIENT_MESSAGE_TYPES = new Set<string>(ClientMessageSchema.options.map((o) => o.shape.type.value));

export function parseClientMessage(text: string): Parsed<ClientMessage> {
  return parseWith(ClientMessageSchema, CLIENT_MESSAGE_TYPES, text);
}

/** Error and warning codes of the V1 protocol that this project emits or interprets. */
export const ErrorCode = {
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  CLIENT_MESSAGE_TIMEOUT: 'CLIENT_MESSAGE_TIMEOUT',
  UNPARSABLE_CLIENT_MESSAGE: 'UNPARSABLE_CLIENT_MESSAGE',
  NON_SETTINGS_MESSAGE_BEFORE_SETTINGS: 'NON_SETTINGS_MESSAGE_BEFORE_SETTINGS',
  SETTINGS_ALREADY_APPLIED: 'SETTINGS_ALREADY_APPLIED',
  INVALID_SETTINGS: 'INVALID_SETTINGS',
  USER_AUDIO_FORMAT: 'USER_AUDIO_FORMAT',
  FAILED_TO_START_LISTENING: 'FAILED_TO_START_LISTENING',
} as const;

export const WarningCode = {
  INJECT_AGENT_MESSAGE_DURING_USER_SPEECH: 'INJECT_AGENT_MESSAGE_DURING_USER_SPEECH',
  INJECT_AGENT_MESSAGE_DURING_AGENT_SPEECH: 'INJECT_AGENT_MESSAGE_DURING_AGENT_SPEECH',
  PROMPT_TOO_LONG: 'PROMPT_TOO_LONG',
  THINK_REQUEST_FAILED: 'THINK_REQUEST_FAILED',
  SPEAK_REQUEST_FAILED: 'SPEAK_REQUEST_FAILED',
  FUNCTION_CALL_FAILED: 'FUNCTION_CALL_FAILED',
  FORCE_END_TURN_UNSUPPORTED: 'FORCE_END_TURN_UNSUPPORTED',
} as const;
