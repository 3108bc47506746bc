// The agent asks the call to run functions (FunctionCallRequest): each client-side one is dispatched
// to the registry, recorded, remembered for a replacement agent connection, and answered. The agent
// runs its server-side functions itself.
import type { Clock } from '../domain/clock.js';
import type { CallControl } from '../domain/call-control.js';
import type { CallEventSink, CallInfo } from '../domain/call.js';
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
}

/** Dispatches the request's client-side functions; returns one promise per function, settled once it has been answered. */
export function dispatchFunctionCalls(request: ServerMessageOf<'FunctionCallRequest'>, deps: FunctionCallDeps): Array<Promise<void>> {
  const clientSide = request.functions.filter((fn) => fn.client_side);
  const { call } = deps;
  return clientSide.map((fn) => {
    const startedAt = Math.round(deps.clock.now());
    const context = { callSid: call.callSid, streamSid: call.streamSid, from: call.from, signal: deps.signal, control: deps.control };
    return deps.functions.dispatch(fn.name, fn.arguments, context).then((result) => {
      deps.metrics.functionCall(fn.name, result.ok);
      deps.events.emit({
        type: 'function_call',
        callSid: call.callSid,
        call: { id: fn.id, name: fn.name, arguments: fn.arguments, result: result.content, ok: result.ok, startedAt, durationMs: result.durationMs },
      });
      deps.log.info({ fn: fn.name, ok: result.ok, ms: Math.round(result.durationMs) }, 'function call');
      const response = result.content;
      deps.agent.remember({ type: 'History', function_calls: [{ id: fn.id, name: fn.name, client_side: true, arguments: fn.arguments, response }] });
      if (!deps.ended()) deps.agent.send({ type: 'FunctionCallResponse', id: fn.id, name: fn.name, content: response });
    });
  });
}
