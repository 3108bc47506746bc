// Soak: thousands of short calls, first one after another, then in parallel batches, through a real
// server (in this process, so its heap and handles can be read exactly) against the loopback echo
// agent. Memory and open handles must come back to where they started: a leak shows as a slope.
//   node --expose-gc dist/bench/soak.js [--sequential N] [--parallel P] [--rounds R]
import { parseArgs } from 'node:util';
import { parseEnv } from '../src/config/env.js';
import { loadAgentSettings } from '../src/agent/settings-file.js';
import { buildServer } from '../src/server.js';
import { silentLogger } from '../src/observability/log.js';
import { SimulatedCall } from '../src/simulate/twilio-caller.js';
import { EchoPeer } from '../src/bench/echo-peer.js';
import { FRAME_BYTES, newFrame, writeStamp } from '../src/bench/frame-stamp.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({
  options: { sequential: { type: 'string', default: '2000' }, parallel: { type: 'string', default: '100' }, rounds: { type: 'string', default: '20' } },
});
const sequential = Number(values.sequential);
const parallel = Number(values.parallel);
const rounds = Number(values.rounds);
const FRAMES_PER_CALL = 10;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) log('run with node --expose-gc for exact heap figures');

const peer = await EchoPeer.start({ mode: 'agent', bargeInEveryMs: 0 });
const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', AGENT_URL: peer.url, LOG_LEVEL: 'silent', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_PER_SECOND: '1000000' });
const server = await buildServer({ env, settings: loadAgentSettings('config/agent.json'), logger: silentLogger });
const url = `${(await server.listen()).replace('http', 'ws')}/media-stream`;
let callIndex = 0;

/** One short call: connect, a few frames out and echoed back, stop, and wait until the server let go of it. */
async function oneCall(): Promise<void> {
  const call = await SimulatedCall.connect({ url, realtimePlayout: false });
  const index = callIndex++;
  const echoed = new Promise<void>((resolve) => {
    call.on('media', () => {
      if (call.stats.bytesReceived >= FRAMES_PER_CALL * FRAME_BYTES) resolve();
    });
  });
  for (let seq = 0; seq < FRAMES_PER_CALL; seq++) {
    const frame = newFrame();
    writeStamp(frame, 0, { call: index, seq, flags: 0, sentAtMs: 0 });
    call.sendFrame(frame);
  }
  await echoed;
  call.stop();
  await call.closed();
}

function snapshot(label: string, calls: number) {
  gc?.();
  const m = process.memoryUsage();
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  return { label, calls, rss_mb: +(m.rss / 1e6).toFixed(1), heap_used_mb: +(m.heapUsed / 1e6).toFixed(1), handles, sessions: server.sessions.size };
}

async function settle(): Promise<void> {
  while (server.sessions.size > 0) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 200));
}

const samples = [snapshot('start', 0)];
const started = performance.now();
for (let i = 0; i < sequential; i++) {
  await oneCall();
  if ((i + 1) % Math.max(1, Math.floor(sequential / 5)) === 0) {
    await settle();
    samples.push(snapshot('sequential', i + 1));
  }
}
const sequentialS = (performance.now() - started) / 1000;
for (let r = 0; r < rounds; r++) {
  await Promise.all(Array.from({ length: parallel }, () => oneCall()));
  if ((r + 1) % Math.max(1, Math.floor(rounds / 5)) === 0) {
    await settle();
    samples.push(snapshot('parallel', sequential + (r + 1) * parallel));
  }
}
await settle();
const end = snapshot('end', callIndex);
samples.push(end);
await server.close();
await peer.close();

// Growth is judged over the second half of the calls: the first ones warm the JIT, caches and pools.
const warm = samples.find((s) => s.calls >= callIndex / 2) ?? samples[0]!;
const result = {
  calls: callIndex,
  sequential_calls: sequential,
  sequential_calls_per_s: +(sequential / sequentialS).toFixed(1),
  parallel_batches: `${rounds} x ${parallel}`,
  heap_growth_mb_second_half: +(end.heap_used_mb - warm.heap_used_mb).toFixed(1),
  rss_growth_mb_second_half: +(end.rss_mb - warm.rss_mb).toFixed(1),
  handles_start: samples[0]!.handles,
  handles_end: end.handles,
  sessions_left: end.sessions,
  samples,
};
log(JSON.stringify(result, null, 2));
log(`wrote ${writeResults('soak', `node --expose-gc dist/bench/soak.js --sequential ${sequential} --parallel ${parallel} --rounds ${rounds}`, result)}`);
