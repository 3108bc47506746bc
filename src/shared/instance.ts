// Who this instance is among the others, how busy it is, and what its record of a lost call says.
import { hostname, networkInterfaces } from 'node:os';
import type { CallEvent } from '../domain/call.js';
import type { LostCall } from '../domain/shared-state.js';

/** INSTANCE_ID (default: host name and port; a cluster worker adds its number) and the address others reach it at. */
export function instanceIdentity(env: { INSTANCE_ID?: string; HOST: string }, url: string, worker?: number): { id: string; address: string } {
  const { port } = new URL(url);
  const suffix = worker === undefined ? '' : `#${worker}`;
  const id = `${env.INSTANCE_ID ?? `${hostname()}:${port}`}${suffix}`;
  return { id, address: `http://${advertisedHost(env.HOST)}:${port}` };
}

/** HOST itself, unless it means every interface: then the first external IPv4 address (a loopback one if there is none). */
function advertisedHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host.includes(':') ? `[${host}]` : host;
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}

/** The share of time the event loop was busy, measured over the last `windowMs`, 0 to 1. */
export function loadMeter(windowMs = 5_000): { load(): number; stop(): void } {
  let previous = performance.eventLoopUtilization();
  let load = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    load = Math.round(performance.eventLoopUtilization(now, previous).utilization * 1000) / 1000;
    previous = now;
  }, windowMs);
  timer.unref();
  return { load: () => load, stop: () => clearInterval(timer) };
}

/** The end of a call whose instance died: what the record keeps is what the dead instance had written. */
export function lostCallEnd(call: LostCall, instance: string, now: number): CallEvent {
  return {
    type: 'call_ended',
    callSid: call.callSid,
    endedAt: now,
    summary: {
      durationMs: Math.max(0, now - call.startedAt),
      turns: 0,
      bytesIn: 0,
      bytesOut: 0,
      framesIn: 0,
      framesOut: 0,
      framesDropped: 0,
      interruptions: 0,
      functionCalls: 0,
      outcome: 'instance_lost',
      reason: `instance ${instance} stopped heartbeating with the call in progress`,
    },
  };
}
