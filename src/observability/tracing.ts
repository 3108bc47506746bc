// Starts traces of calls, on when an OTLP endpoint is configured. The SDK is imported only here and
// only then, so a server without traces loads none of it.
import type { CallTracing, TracingOptions } from './call-tracing.js';

export async function startTracing(options: TracingOptions): Promise<CallTracing> {
  const { createCallTracing } = await import('./otel-call-tracing.js');
  return createCallTracing(options);
}
