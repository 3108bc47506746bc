// The agent asks the call to run functions (FunctionCallRequest): each client-side one is dispatched
// to the registry, recorded, remembered for a replacement agent connection, and answered. The agent
// runs its server-side functions itself.
import type { Clock } from '../domain/clock.js';
import type { CallControl } from '../domain/call-control.js';
import type { CallEventSink, CallInfo, FunctionCallRecord } from '../domain/call.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { ServerMessageOf } from '../agent/messages.js';
import type { FunctionRegistry } from '../tools/registry.js';
import type { AgentLink } from './agent-link.js';

export interface FunctionCallDeps {
  call: CallInfo;
  functions: FunctionRegistry;
  control: CallControl;
  /** The call's: a function still running when the call ends is told to stop. */
  signal: AbortSignal;
  agent: Pick<AgentLink, 'remember' | 'send'>;
  metrics: Metrics;
  events: CallEventSink;
  log: Logger;
  clock: Clock;
  ended(): boolean;
  /** A function was asked for or answered: the call is not idle. */
  activity(now: number): void;
}

/** The call's client-side functions: dispatched, answered, and kept (a warm transfer tells staff what was done). */
export class FunctionCalls {
  readonly #deps: FunctionCallDeps;
  readonly #records: FunctionCallRecord[] = [];
  #running = 0;
  #count = 0;

  constructor(deps: FunctionCallDeps) {
    this.#deps = deps;
  }

  /** Functions are running: the caller waits on them, which is not silence. */
  get running(): number {
    return this.#running;
  }

  /** How many were asked for. */
  get count(): number {
    return this.#count;
  }

  get records(): readonly FunctionCallRecord[] {
    return this.#records;
  }

  /** Dispatches the request's client-side functions; the agent runs its server-side ones itself. */
  dispatch(request: ServerMessageOf<'FunctionCallRequest'>): void {
    const deps = this.#deps;
    deps.activity(deps.clock.now());
    for (const fn of request.functions.filter((f) => f.client_side)) {
      this.#count++;
      this.#running++;
      void this.#run(fn).finally(() => {
        this.#running--;
        deps.activity(deps.clock.now());
      });
    }
  }

  async #run(fn: ServerMessageOf<'FunctionCallRequest'>['functions'][number]): Promise<void> {
    const { call, clock, metrics, events, log, agent } = this.#deps;
    const startedAt = Math.round(clock.now());
    const context = { callSid: call.callSid, streamSid: call.streamSid, from: call.from, signal: this.#deps.signal, control: this.#deps.control };
    const result = await this.#deps.functions.dispatch(fn.name, fn.arguments, context);
    metrics.functionCall(fn.name, result.ok);
    const record = { id: fn.id, name: fn.name, arguments: fn.arguments, result: result.content, ok: result.ok, startedAt, durationMs: result.durationMs };
    this.#records.push(record);
    events.emit({ type: 'function_call', callSid: call.callSid, call: record });
    log.info({ fn: fn.name, ok: result.ok, ms: Math.round(result.durationMs) }, 'function call');
    const response = result.content;
    agent.remember({ type: 'History', function_calls: [{ id: fn.id, name: fn.name, client_side: true, arguments: fn.arguments, response }] });
    if (!this.#deps.ended()) agent.send({ type: 'FunctionCallResponse', id: fn.id, name: fn.name, content: response });
  }
}
