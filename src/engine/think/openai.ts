// Think through any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM, llama.cpp
// server): one streamed POST per reply, text deltas passed on as they arrive, tool-call fragments
// assembled into whole calls. No SDK: Node's fetch and a small SSE reader are all it takes.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AgentFunction, ThinkSettings } from '../../agent/settings.js';
import { errorMessage } from '../../observability/error-message.js';
import type { ChatMessage, ThinkEvent, ThinkProvider, ThinkRequest, ToolCall } from '../types.js';
import { sseData } from './sse.js';

export interface OpenAiThinkOptions {
  /** Full chat-completions URL, e.g. https://api.openai.com/v1/chat/completions. */
  url: string;
  /** Sent with every request (Authorization and any custom headers). */
  headers: Record<string, string>;
  model: string;
  temperature?: number;
  /** How long to wait for the response headers. */
  connectTimeoutMs?: number;
  /** How long the stream may stay silent between chunks. */
  idleTimeoutMs?: number;
  /** What callers are likely to say, handed to the recogniser unchanged. */
  expectedPhrases?: readonly string[];
}

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

/** The server's own model (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL), for Settings that name no endpoint. */
export interface OpenAiAccount {
  apiKey?: string;
  /** Default DEFAULT_OPENAI_BASE_URL. */
  baseUrl?: string;
  /** Overrides the Settings' model. */
  model?: string;
}

/**
 * Where and how to reach the model: the Settings' think.endpoint when it has one (V1's bring-your-own
 * LLM; its URL may be the full chat-completions URL or a base), else the account's base URL with its
 * API key. Undefined when neither is configured. The account's model overrides the Settings' model,
 * because a local server (Ollama, llama.cpp) rarely serves the model a shared agent config names.
 */
export function resolveOpenAiOptions(think: ThinkSettings, account: OpenAiAccount = {}): Omit<OpenAiThinkOptions, 'expectedPhrases'> | undefined {
  const { apiKey } = account;
  let base: string;
  const headers: Record<string, string> = {};
  if (think.endpoint) {
    base = think.endpoint.url;
    Object.assign(headers, think.endpoint.headers);
  } else if (apiKey) {
    base = account.baseUrl || DEFAULT_OPENAI_BASE_URL;
    headers.authorization = `Bearer ${apiKey}`;
  } else {
    return undefined;
  }
  const url = /\/chat\/completions\/?$/.test(base) ? base : `${base.replace(/\/+$/, '')}/chat/completions`;
  const model = account.model || think.provider.model || DEFAULT_OPENAI_MODEL;
  return { url, headers, model, temperature: think.provider.temperature };
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** A failed think request, worded for the V1 Warning THINK_REQUEST_FAILED. */
export class ThinkRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status when the server answered with an error. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ThinkRequestError';
  }
}

const ToolCallDeltaSchema = z.looseObject({
  index: z.number().int().nonnegative().optional(),
  id: z.string().optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});

const ChunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        delta: z
          .looseObject({
            content: z.string().nullish(),
            tool_calls: z.array(ToolCallDeltaSchema).nullish(),
          })
          .optional(),
        finish_reason: z.string().nullish(),
      }),
    )
    .optional(),
  error: z.unknown().optional(),
});

export class OpenAiThinkProvider implements ThinkProvider {
  constructor(private readonly options: OpenAiThinkOptions) {}

  expectedPhrases(): string[] {
    return [...(this.options.expectedPhrases ?? [])];
  }

  async *respond(request: ThinkRequest): AsyncGenerator<ThinkEvent> {
    const { url } = this.options;
    const connectTimeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const idleTimeoutMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    // One controller for the whole exchange: the caller's signal, the connect timeout and the idle
    // timeout all end it, and `timedOut` tells them apart afterwards.
    const controller = new AbortController();
    let timedOut: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, what: string): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = `timed out after ${ms} ms ${what}`;
        controller.abort();
      }, ms);
    };
    const onAbort = (): void => controller.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    if (request.signal.aborted) return;

    try {
      arm(connectTimeoutMs, `waiting for ${url} to answer`);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...this.options.headers },
        body: JSON.stringify(this.#body(request)),
        signal: controller.signal,
      });
      if (!response.ok) throw new ThinkRequestError(await describeHttpError(url, response), response.status);
      if (!response.body) throw new ThinkRequestError(`${url} answered without a body`);

      arm(idleTimeoutMs, `waiting for more of the reply from ${url}`);
      const chunks = async function* (body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
        for await (const chunk of body) {
          arm(idleTimeoutMs, `waiting for more of the reply from ${url}`);
          yield chunk;
        }
      };
      const calls = new ToolCallAssembler();
      for await (const data of sseData(chunks(response.body as AsyncIterable<Uint8Array>))) {
        if (data.trim() === '[DONE]') break;
        const chunk = parseChunk(url, data);
        for (const choice of chunk.choices?.slice(0, 1) ?? []) {
          const content = choice.delta?.content;
          if (content) yield { type: 'text', text: content };
          for (const delta of choice.delta?.tool_calls ?? []) calls.add(delta);
          if (choice.finish_reason) yield* calls.drain();
        }
      }
      yield* calls.drain();
    } catch (err) {
      if (request.signal.aborted) return;
      if (timedOut) throw new ThinkRequestError(`think request ${timedOut}`);
      if (err instanceof ThinkRequestError) throw err;
      // fetch reports every network failure as 'fetch failed'; what actually failed is its cause.
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      throw new ThinkRequestError(`think request to ${url} failed: ${errorMessage(cause)}`);
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }

  #body(request: ThinkRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      stream: true,
      messages: request.messages.map(toWireMessage),
    };
    if (this.options.temperature !== undefined) body.temperature = this.options.temperature;
    // Some compatible servers reject an empty tools array, so leave it out when there is nothing to call.
    if (request.functions.length > 0) body.tools = request.functions.map(toWireTool);
    return body;
  }
}

function toWireMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'assistant':
      if (!message.tool_calls?.length) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content || null,
        tool_calls: message.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.tool_call_id, content: message.content };
    default:
      return { role: message.role, content: message.content };
  }
}

function toWireTool(fn: AgentFunction): Record<string, unknown> {
  return { type: 'function', function: { name: fn.name, description: fn.description, parameters: fn.parameters } };
}

function parseChunk(url: string, data: string): z.infer<typeof ChunkSchema> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new ThinkRequestError(`${url} streamed something that is not JSON: ${data.slice(0, 200)}`);
  }
  const chunk = ChunkSchema.safeParse(json);
  if (!chunk.success) throw new ThinkRequestError(`${url} streamed an unexpected chunk: ${data.slice(0, 200)}`);
  if (chunk.data.error !== undefined && chunk.data.error !== null) {
    throw new ThinkRequestError(`${url} reported an error mid-stream: ${errorText(chunk.data.error)}`);
  }
  return chunk.data;
}

async function describeHttpError(url: string, response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  let detail = text.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    detail = errorText(parsed.error ?? parsed);
  } catch {
    // not JSON: the raw text is the best explanation there is
  }
  return `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${detail ? `: ${detail}` : ''}`;
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') return error.message;
  return JSON.stringify(error).slice(0, 300);
}

/**
 * Tool calls stream as fragments keyed by `index`: the first carries id and name, later ones pieces
 * of the JSON arguments. Servers that omit `index` send each call whole, so a new id starts a new call.
 */
class ToolCallAssembler {
  readonly #calls = new Map<number, { id?: string; name: string; arguments: string }>();
  #lastIndex = -1;

  add(delta: z.infer<typeof ToolCallDeltaSchema>): void {
    let index = delta.index;
    if (index === undefined) {
      const current = this.#calls.get(this.#lastIndex);
      index = current && (!delta.id || delta.id === current.id) ? this.#lastIndex : this.#lastIndex + 1;
    }
    this.#lastIndex = index;
    const call = this.#calls.get(index) ?? { name: '', arguments: '' };
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name += delta.function.name;
    if (delta.function?.arguments) call.arguments += delta.function.arguments;
    this.#calls.set(index, call);
  }

  *drain(): Generator<ThinkEvent> {
    const ordered = [...this.#calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    this.#calls.clear();
    for (const call of ordered) {
      if (!call.name) continue;
      const complete: ToolCall = { id: call.id ?? `call_${randomUUID()}`, name: call.name, arguments: call.arguments.trim() || '{}' };
      yield { type: 'tool_call', call: complete };
    }
  }
}
