// What the cluster primary and its workers say to each other over the IPC channel (WORKERS > 1).
// Workers own calls; the primary owns what must be one for the whole server: softphone tickets
// (single use across workers), the Prometheus view (summed over workers) and the dashboard's live
// feed (each worker's call events relayed to every other). Nothing here is on the audio path.
import type { CallEvent } from '../domain/call.js';

export type PrimaryOp = 'ticket.issue' | 'ticket.redeem' | 'metrics';

export type ToPrimary =
  | { pa: 'listening'; url: string }
  | { pa: 'request'; id: number; op: PrimaryOp; arg?: string }
  | { pa: 'event'; event: CallEvent };

export type ToWorker =
  | { pa: 'reply'; id: number; ok: true; value: string | boolean }
  | { pa: 'reply'; id: number; ok: false; error: string }
  | { pa: 'event'; event: CallEvent };

/** The channel also carries prom-client's own messages; ours are the ones tagged `pa`. */
export function isClusterMessage<T extends { pa: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { pa?: unknown }).pa === 'string';
}
