// Smoke test of the socket floor (bench/socket-floor.ts): a few calls through the null forwarder for
// a second. Checks that the traffic is the bridge's pattern, complete and counted, never timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SOCKET_FLOOR, runSocketFloor } from '../../src/bench/socket-floor.js';

test('socket floor: 6 calls on 2 threads, every frame through, 250 hops per call-second', { timeout: 60_000 }, async () => {
  const r = await runSocketFloor({ ...DEFAULT_SOCKET_FLOOR, calls: 6, durationS: 1.5, warmupS: 0.5, log: () => undefined });
  assert.equal(r.calls_paired, 6);
  assert.equal(r.frames_lost_inbound, 0);
  assert.equal(r.frames_lost_outbound, 0);
  assert.equal(r.sequence_breaks, 0);
  assert.deepEqual(r.failures, []);
  // 6 calls x 50 frames/s x 5 hops, give or take the window's edges.
  const perCall = r.hops_per_call_s as number;
  assert.ok(perCall > 225 && perCall < 275, `hops per call-second ${perCall}`);
  const m = r.messages_per_s as Record<string, number>;
  for (const [hop, rate] of Object.entries(m)) assert.ok(rate > 6 * 45 && rate < 6 * 55, `${hop}: ${rate}/s`);
  const f = r.forwarder as Record<string, number>;
  assert.ok(f.cpu_percent! > 0 && f.us_per_hop! > 0);
  assert.ok((r.frames_timed as { inbound: number }).inbound > 6 * 50);
});

test('socket floor without mark echoes: 200 hops per call-second', { timeout: 60_000 }, async () => {
  const r = await runSocketFloor({ ...DEFAULT_SOCKET_FLOOR, calls: 4, threads: 1, markEcho: false, durationS: 1, warmupS: 0.5, log: () => undefined });
  assert.equal(r.frames_lost_inbound, 0);
  assert.equal((r.messages_per_s as Record<string, number>).mark_echoes, 0);
  const perCall = r.hops_per_call_s as number;
  assert.ok(perCall > 180 && perCall < 220, `hops per call-second ${perCall}`);
});
