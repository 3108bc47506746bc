// Client-side functions the agent may call. A FunctionCallRequest is dispatched here and always
// produces content for the FunctionCallResponse: unknown names, bad JSON, thrown errors and timeouts
// become an explanation the agent can act on, never a hang and never a crash.
import type { z } from 'zod';
import type { CallControl } from '../domain/call-control.js';

export interface ToolContext {
  callSid: string;
  streamSid: string;
  from: string;
  signal: AbortSignal;
  control: CallControl;
}

export interface ToolDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  /** Validates and types the arguments; its messages go back to the agent on bad input. */
  schema: S;
  run(args: z.infer<S>, ctx: ToolContext): Promise<unknown>;
}

/** Types `run`'s arguments from the schema without spelling the schema's type twice. */
export function defineTool<S extends z.ZodType>(tool: ToolDefinition<S>): ToolDefinition<S> {
  return tool;
}

export interface DispatchResult {
  ok: boolean;
  /** What the FunctionCallResponse carries: JSON text. */
  content: string;
  durationMs: number;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;

/** A refusal the agent can act on; `details` (e.g. alternative slots) travel beside the error text. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class FunctionRegistry {
  readonly #tools = new Map<string, ToolDefinition>();

  constructor(tools: readonly ToolDefinition[] = [], private readonly timeoutMs = DEFAULT_TOOL_TIMEOUT_MS) {
    for (const t of tools) this.register(t);
  }

  register<S extends z.ZodType>(tool: ToolDefinition<S>): this {
    if (this.#tools.has(tool.name)) throw new Error(`function ${tool.name} registered twice`);
    this.#tools.set(tool.name, tool as unknown as ToolDefinition);
    return this;
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  names(): string[] {
    return [...this.#tools.keys()];
  }

  async dispatch(name: string, argumentsJson: string, ctx: ToolContext): Promise<DispatchResult> {
    const started = performance.now();
    const done = (ok: boolean, value: unknown, details?: Record<string, unknown>): DispatchResult => ({
      ok,
      content: JSON.stringify(ok ? value : { error: value, ...details }),
      durationMs: performance.now() - started,
    });
    const tool = this.#tools.get(name);
    if (!tool) return done(false, `unknown function "${name}"; available: ${this.names().join(', ') || 'none'}`);
    let raw: unknown;
    try {
      raw = argumentsJson.trim() === '' ? {} : JSON.parse(argumentsJson);
    } catch {
      return done(false, 'arguments are not valid JSON');
    }
    const parsed = tool.schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
      return done(false, `invalid arguments: ${why}`);
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    try {
      const result = await Promise.race([
        tool.run(parsed.data, { ...ctx, signal }),
        new Promise<never>((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      ]);
      return done(true, result ?? { ok: true });
    } catch (err) {
      if (timeout.aborted) return done(false, `function "${name}" timed out after ${this.timeoutMs} ms`);
      if (ctx.signal.aborted) return done(false, 'the call ended before the function finished');
      if (err instanceof ToolError) return done(false, err.message, err.details);
      return done(false, err instanceof Error ? err.message : String(err));
    }
  }
}
