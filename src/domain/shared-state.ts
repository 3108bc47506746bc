// What the instances of one service share (issue 14): with REDIS_URL, any number of phone-agent
// instances on any hosts behave as one service; without it, one process holds everything, as always.
// Nothing here is on the audio path: publishing returns at once, and whatever needs the shared store
// degrades (and says so once) while the store is unreachable, never the calls in progress.
import type { CallEvent, CallInfo } from './call.js';

/** Softphone tickets: single use, short-lived (see twilio/stream-security.ts). */
export interface TicketBook {
  readonly ttlMs: number;
  issue(): string | Promise<string>;
  /** True once for a ticket issued less than ttlMs ago; it is spent either way. Rejects when the tickets cannot be reached. */
  redeem(ticket: string): boolean | Promise<boolean>;
}

/** One live instance, as GET /api/instances shows it. */
export interface InstanceInfo {
  id: string;
  /** Where the instance listens (http://address:port). */
  address: string;
  liveCalls: number;
  /** The share of time its event loop was busy over the last heartbeat, 0 to 1. */
  load: number;
  /** Epoch ms. */
  startedAt: number;
  draining: boolean;
}

/** What an administrator may ask of a live call, wherever it is. */
export type CallCommand = { action: 'hangup' } | { action: 'transfer'; to?: string };

export type CommandResult =
  | { ok: true; instance: string }
  /** 404: live nowhere; 409: the call cannot do it (no transfer number); 502/504: its instance failed or did not answer. */
  | { ok: false; status: 404 | 409 | 502 | 504; error: string };

/** A call in progress on an instance that stopped heartbeating. */
export interface LostCall {
  callSid: string;
  startedAt: number;
}

/** What the shared state needs from the instance it runs in. */
export interface InstanceHost {
  id: string;
  address: string;
  startedAt: number;
  status(): { liveCalls: number; load: number; draining: boolean };
  /** The calls this instance holds, registered again after the shared store comes back. */
  liveCalls(): CallInfo[];
  /** Acts on one of this instance's calls (a command routed here from another instance). */
  execute(callSid: string, command: CallCommand): Promise<CommandResult>;
  /** Another instance died with these calls: this instance (the one survivor that took the job) ends their records. */
  callsLost(instanceId: string, calls: LostCall[]): void;
}

export interface SharedState {
  /** Tickets every instance can redeem; undefined: this process's own. */
  readonly tickets?: TicketBook;
  /** Starts heartbeats, subscriptions and the watch for dead instances. */
  start(host: InstanceHost): Promise<void>;
  /** This instance's call events, for the other instances' dashboards and the call registry. Returns at once. */
  publish(event: CallEvent): void;
  /** The other instances' call events. */
  subscribe(fn: (event: CallEvent) => void): () => void;
  /** What the other instances' calls in progress have produced so far (call_started first), for a dashboard opening now. */
  replay(): Promise<CallEvent[][]>;
  /** Routes a command to the instance holding the call (not this one: the caller acts on its own calls itself). */
  command(callSid: string, command: CallCommand): Promise<CommandResult>;
  /** Every live instance, this one included. */
  instances(): Promise<InstanceInfo[]>;
  close(): Promise<void>;
}
