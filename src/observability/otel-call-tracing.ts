// The spans of calls, built from the events calls already emit: the call's own span from its start to
// its end, a child span per turn and per function call (with the times the events carry), and a span
// per store write batch linked to the calls whose events it wrote. Nothing here runs per audio frame.
// Loaded only when traces are on (tracing.ts); the server sees it as a CallTracing (call-tracing.ts).
import { DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, diag, trace } from '@opentelemetry/api';
import type { Attributes, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import type { CallInfo, CallSummary, FunctionCallRecord, TranscriptTurn, TurnLatency, CallEvent } from '../domain/call.js';
import { errorMessage } from './error-message.js';
import type { CallTracing, TracingOptions } from './call-tracing.js';
import type { Logger } from './log.js';

/** Ended calls remembered for the store batches still to write their last events; beyond this the oldest are forgotten. */
const MAX_ENDED_CALLS = 10_000;

export function createCallTracing(options: TracingOptions): CallTracing {
  const log = options.logger.child({ component: 'tracing' });
  reportSdkProblems(log);
  const provider = new BasicTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the default name.
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'phone-agent' }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(options.url ? { url: options.url } : {}))],
  });
  const spans = new CallSpans(provider.getTracer('phone-agent'));
  return {
    record: (event) => spans.record(event),
    logFields: (call) => ({ traceId: spans.open(call).span.spanContext().traceId }),
    storeBatch: (events) => spans.storeBatch(events),
    shutdown: () => provider.shutdown().catch((err: unknown) => log.warn({ detail: errorMessage(err) }, 'traces: the last spans were not exported')),
  };
}

interface OpenCall {
  span: Span;
  /** The latency of the reply being given, for the agent turn it belongs to. */
  latency?: TurnLatency;
}

class CallSpans {
  readonly #tracer: Tracer;
  readonly #open = new Map<string, OpenCall>();
  readonly #ended = new Map<string, SpanContext>();

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** The call's span, started on first need: its log lines may ask for the trace id before its first event. */
  open(call: CallInfo): OpenCall {
    let open = this.#open.get(call.callSid);
    if (!open) {
      const attributes: Attributes = {
        'call.sid': call.callSid,
        'call.stream_sid': call.streamSid,
        'call.carrier': call.carrier,
        'call.direction': call.direction,
      };
      if (call.agent !== undefined) attributes['call.agent'] = call.agent;
      open = { span: this.#tracer.startSpan('call', { kind: SpanKind.SERVER, startTime: call.startedAt, attributes }, ROOT_CONTEXT) };
      this.#open.set(call.callSid, open);
    }
    return open;
  }

  record(event: CallEvent): void {
    if (event.type === 'call_started') {
      this.open(event.call);
      return;
    }
    const open = this.#open.get(event.callSid);
    if (!open) return;
    switch (event.type) {
      case 'turn':
        return this.#turn(event.callSid, open, event.turn);
      case 'latency':
        open.latency = event.latency;
        return;
      case 'function_call':
        return this.#functionCall(event.callSid, open, event.call);
      case 'event':
        open.span.addEvent(event.kind, { 'call.event.detail': event.detail }, event.at);
        return;
      case 'call_ended':
        return this.#end(event.callSid, open, event.endedAt, event.summary);
    }
  }

  storeBatch(events: readonly CallEvent[]): (result: { ok: boolean; attempts: number }) => void {
    const sids = new Set(events.map((e) => (e.type === 'call_started' ? e.call.callSid : e.callSid)));
    const links = [...sids].flatMap((sid) => {
      const context = this.#open.get(sid)?.span.spanContext() ?? this.#ended.get(sid);
      return context ? [{ context }] : [];
    });
    // A call's end is its last event: once it is being written, no later batch will link to the call.
    for (const e of events) if (e.type === 'call_ended') this.#ended.delete(e.callSid);
    const span = this.#tracer.startSpan('store.write', { links, attributes: { 'call.sids': [...sids], 'store.events': events.length } }, ROOT_CONTEXT);
    return ({ ok, attempts }) => {
      span.setAttribute('store.attempts', attempts);
      if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the batch was given up on' });
      span.end();
    };
  }

  #turn(callSid: string, open: OpenCall, turn: TranscriptTurn): void {
    const attributes: Attributes = { 'call.sid': callSid, 'turn.role': turn.role, 'turn.interrupted': turn.interrupted };
    if (turn.heardMs !== undefined) attributes['turn.heard_ms'] = turn.heardMs;
    // A caller's turn asks for a new reply; an agent's turn is the reply whose latency was measured.
    if (turn.role === 'assistant' && open.latency) Object.assign(attributes, latencyAttributes(open.latency));
    open.latency = undefined;
    this.#child(open, 'turn', turn.startedAt, turn.endedAt, attributes);
  }

  #functionCall(callSid: string, open: OpenCall, call: FunctionCallRecord): void {
    // The names follow OpenTelemetry's conventions for a model's tool calls.
    const span = this.#child(open, `execute_tool ${call.name}`, call.startedAt, call.startedAt + call.durationMs, {
      'call.sid': callSid,
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': call.name,
      'gen_ai.tool.call.id': call.id,
    });
    if (!call.ok) span.setStatus({ code: SpanStatusCode.ERROR });
  }

  #end(callSid: string, open: OpenCall, endedAt: number, summary: CallSummary): void {
    open.span.setAttributes({
      'call.outcome': summary.outcome,
      'call.turns': summary.turns,
      'call.function_calls': summary.functionCalls,
      'call.interruptions': summary.interruptions,
      'call.frames_dropped': summary.framesDropped,
    });
    const failed = summary.outcome === 'agent_error' || summary.outcome === 'agent_unavailable';
    if (failed) open.span.setStatus({ code: SpanStatusCode.ERROR, message: summary.reason });
    open.span.end(endedAt);
    this.#open.delete(callSid);
    this.#ended.set(callSid, open.span.spanContext());
    if (this.#ended.size > MAX_ENDED_CALLS) this.#ended.delete(this.#ended.keys().next().value!);
  }

  #child(open: OpenCall, name: string, startTime: number, endTime: number, attributes: Attributes): Span {
    const span = this.#tracer.startSpan(name, { startTime, attributes }, trace.setSpan(ROOT_CONTEXT, open.span));
    span.end(endTime);
    return span;
  }
}

function latencyAttributes(latency: TurnLatency): Attributes {
  const attributes: Attributes = {};
  if (latency.responseMs !== undefined) attributes['turn.response_ms'] = latency.responseMs;
  if (latency.agentTotalMs !== undefined) attributes['agent.latency.total_ms'] = latency.agentTotalMs;
  if (latency.agentTttMs !== undefined) attributes['agent.latency.think_ms'] = latency.agentTttMs;
  if (latency.agentTtsMs !== undefined) attributes['agent.latency.speak_ms'] = latency.agentTtsMs;
  return attributes;
}

/** The SDK reports its problems (a collector that refuses spans) through its own global logger. */
function reportSdkProblems(log: Logger): void {
  const warn = (message: string, ...args: unknown[]) =>
    log.warn({ detail: [message, ...args.map(errorMessage)].join(' ') }, 'traces: the OpenTelemetry SDK reports a problem');
  const ignore = () => {};
  diag.setLogger({ error: warn, warn, info: ignore, debug: ignore, verbose: ignore }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
