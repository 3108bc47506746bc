// What the server sees of traces (OpenTelemetry, exported over OTLP/HTTP), with no OpenTelemetry type
// in it: tracing.ts starts them, otel-call-tracing.ts is the SDK's side.
import type { CallEvent, CallInfo } from '../domain/call.js';
import type { Logger } from './log.js';

export interface CallTracing {
  /** Follows one call event (subscribed to the CallEventBus): calls, turns and function calls become spans. */
  record(event: CallEvent): void;
  /** The fields every log line of the call carries: its trace id. Starts the call's span if its events have not yet. */
  logFields(call: CallInfo): { traceId: string };
  /** A store write batch starts; the returned function ends its span once the batch is written or given up on. */
  storeBatch(events: readonly CallEvent[]): (result: { ok: boolean; attempts: number }) => void;
  /** Exports what is left and stops; a collector that refuses them is logged, never thrown. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Where spans go; by default the SDK's reading of OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT. */
  url?: string;
  /** Where the SDK's own problems (an unreachable collector) are reported. */
  logger: Logger;
}
