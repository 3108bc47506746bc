// Running the tool calls a think step asks for, the V1 way: functions declared without an endpoint run
// on the client (FunctionCallRequest client_side:true, answered by the client's FunctionCallResponse);
// functions with an endpoint are called here, and the client is told the result. Every call ends with
// content for the model, whatever goes wrong: a timeout, a failed endpoint, an unknown function.
import type { AgentFunction } from '../agent/settings.js';
import type { ClientMessageOf, ServerMessage } from '../agent/messages.js';
import { WarningCode } from '../agent/messages.js';
import type { Clock } from '../domain/clock.js';
import type { ToolCall } from './types.js';
import { errorMessage } from '../observability/error-message.js';

export interface FunctionCallResult {
  call: ToolCall;
  clientSide: boolean;
  content: string;
}

export interface FunctionCallsOptions {
  /** How long a client-side call may take before the model is told it failed. */
  clientTimeoutMs: number;
  endpointTimeoutMs: number;
}

export const DEFAULT_FUNCTION_CALLS: FunctionCallsOptions = { clientTimeoutMs: 15_000, endpointTimeoutMs: 10_000 };

/** The most of an endpoint's answer handed to the model. */
const MAX_ENDPOINT_RESPONSE_CHARS = 16_000;

interface Pending {
  call: ToolCall;
  resolve(content: string): void;
}

export class FunctionCalls {
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly send: (message: ServerMessage) => void,
    private readonly clock: Clock,
    private readonly options: FunctionCallsOptions = DEFAULT_FUNCTION_CALLS,
  ) {}

  /** Runs one step's calls together; resolves when every one has content. Rejects only on abort. */
  async run(calls: readonly ToolCall[], functions: readonly AgentFunction[], signal: AbortSignal): Promise<FunctionCallResult[]> {
    const declared = new Map(functions.map((f) => [f.name, f]));
    const known = calls.filter((c) => declared.has(c.name));
    if (known.length > 0) {
      this.send({
        type: 'FunctionCallRequest',
        functions: known.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, client_side: !declared.get(c.name)!.endpoint })),
      });
    }
    const results = calls.map(async (call): Promise<FunctionCallResult> => {
      const fn = declared.get(call.name);
      if (!fn) return { call, clientSide: false, content: failure(`there is no function named ${call.name}`) };
      if (!fn.endpoint) return { call, clientSide: true, content: await this.#awaitClient(call, signal) };
      const content = await this.#callEndpoint(call, fn.endpoint, signal);
      this.send({ type: 'FunctionCallResponse', id: call.id, name: call.name, content });
      return { call, clientSide: false, content };
    });
    const settled = await Promise.all(results);
    signal.throwIfAborted();
    return settled;
  }

  /** A FunctionCallResponse from the client; false when nothing was waiting for it. */
  answer(response: ClientMessageOf<'FunctionCallResponse'>): boolean {
    // V1 clients should echo the id; a response without one is matched by name, oldest first.
    const pending = response.id !== undefined ? this.#pending.get(response.id) : [...this.#pending.values()].find((p) => p.call.name === response.name);
    if (!pending) return false;
    pending.resolve(response.content);
    return true;
  }

  #awaitClient(call: ToolCall, signal: AbortSignal): Promise<string> {
    return new Promise((resolve) => {
      const finish = (content: string) => {
        this.clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#pending.delete(call.id);
        resolve(content);
      };
      const onAbort = () => finish(failure('cancelled: the caller interrupted'));
      const timer = this.clock.setTimeout(() => {
        this.send({
          type: 'Warning',
          code: WarningCode.FUNCTION_CALL_FAILED,
          description: `no FunctionCallResponse for ${call.name} (${call.id}) within ${this.options.clientTimeoutMs} ms`,
        });
        finish(failure(`${call.name} did not answer in time`));
      }, this.options.clientTimeoutMs);
      this.#pending.set(call.id, { call, resolve: finish });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async #callEndpoint(call: ToolCall, endpoint: NonNullable<AgentFunction['endpoint']>, signal: AbortSignal): Promise<string> {
    const method = (endpoint.method ?? 'POST').toUpperCase();
    try {
      const response = await fetch(endpoint.url, {
        method,
        headers: { 'content-type': 'application/json', ...endpoint.headers },
        body: method === 'GET' || method === 'HEAD' ? undefined : call.arguments,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.endpointTimeoutMs)]),
      });
      const text = (await response.text()).slice(0, MAX_ENDPOINT_RESPONSE_CHARS);
      if (response.ok) return text;
      throw new Error(`HTTP ${response.status} ${text.slice(0, 200)}`);
    } catch (error) {
      if (signal.aborted) return failure('cancelled: the caller interrupted');
      const reason = errorMessage(error);
      this.send({ type: 'Warning', code: WarningCode.FUNCTION_CALL_FAILED, description: `${call.name} endpoint failed: ${reason}` });
      return failure(`${call.name} failed: ${reason}`);
    }
  }
}

function failure(error: string): string {
  return JSON.stringify({ error });
}
