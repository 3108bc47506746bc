// V1 lets `agent.think` be an ordered list: when a provider fails before it has said anything, the
// next one answers instead. A failure after output has started cannot be retried without the caller
// hearing the reply twice, so it ends the reply.
import type { ThinkEvent, ThinkProvider, ThinkRequest } from './types.js';

export async function* respondWithFallback(
  providers: readonly ThinkProvider[],
  request: ThinkRequest,
  /** Told of each failure that a later provider covers. */
  onFallback: (error: unknown) => void,
): AsyncGenerator<ThinkEvent> {
  for (let i = 0; i < providers.length; i++) {
    let started = false;
    try {
      for await (const event of providers[i]!.respond(request)) {
        started = true;
        yield event;
      }
      return;
    } catch (error) {
      if (started || request.signal.aborted || i === providers.length - 1) throw error;
      onFallback(error);
    }
  }
}
