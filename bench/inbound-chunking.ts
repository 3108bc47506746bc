// Inbound chunking: how long after the caller starts speaking the agent gets the first byte of it,
// with the bridge forwarding every 20 ms frame (INBOUND_CHUNK_MS=20) versus batching 400 ms (the seed).
// A speech onset is one flagged caller frame per second per call, at a different phase on each call.
//   node dist/bench/inbound-chunking.js [--calls N] [--duration S]
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_BENCH, runBridgeBench } from '../src/bench/bridge-bench.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '20' }, calls: { type: 'string', default: '50' } } });
const runs: Array<Record<string, unknown>> = [];
for (const inboundChunkMs of [20, 400]) {
  log(`--- INBOUND_CHUNK_MS=${inboundChunkMs}`);
  const r = await runBridgeBench({
    ...DEFAULT_BRIDGE_BENCH,
    calls: Number(values.calls),
    durationS: Number(values.duration),
    inboundChunkMs,
    onsetEveryFrames: 50,
    bargeInEveryMs: 0,
    log,
  });
  runs.push({
    inbound_chunk_ms: inboundChunkMs,
    onset_to_agent_ms: r.onset_to_agent_ms,
    inbound_latency_ms: r.inbound_latency_ms,
    frames_lost: r.frames_lost,
    baseline: r.baseline,
    run: r,
  });
  log(JSON.stringify(runs.at(-1)!.onset_to_agent_ms));
}
log(`wrote ${writeResults('inbound-chunking', `node dist/bench/inbound-chunking.js --calls ${values.calls} --duration ${values.duration}`, { runs })}`);
