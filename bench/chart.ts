// Draws bench/results/*.svg from the JSON results beside them (whichever exist).
//   node dist/bench/chart.js
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChartSvg, type BarChart } from './lib/svg-chart.js';
import { RESULTS_DIR, log } from './lib/results.js';

// The parts of the result files drawn here, as the bench scripts write them (read back unchecked: the
// files are this repository's own output).
type Percentiles = Record<'p50' | 'p95' | 'p99' | 'max', number>;
type CapacityResults = {
  runs: Array<{ calls: number; server_cpu_percent: number; inbound_added_latency_ms: Percentiles; outbound_added_latency_ms: Percentiles }>;
};
type ChunkingResults = { runs: Array<{ inbound_chunk_ms: number; onset_to_agent_ms: Percentiles }> };
type BargeInResults = { barge_in_clear_ms: Percentiles; baseline: { barge_in_clear_ms: Percentiles } };
type EngineResults = { levels: Array<{ concurrency: number; real_time: boolean; voice_to_voice_ms: Percentiles }> };

function read<T>(name: string): T | undefined {
  const file = join(RESULTS_DIR, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

function draw(name: string, chart: BarChart): void {
  writeFileSync(join(RESULTS_DIR, `${name}.svg`), barChartSvg(chart));
  log(`wrote bench/results/${name}.svg`);
}

const capacity = read<CapacityResults>('bridge-capacity');
if (capacity) {
  draw('bridge-capacity', {
    title: 'Latency the bridge adds per 20 ms frame, by concurrent calls',
    unit: 'ms',
    log: true,
    series: ['inbound p50', 'inbound p99', 'outbound p50', 'outbound p99'],
    groups: capacity.runs.map((r) => ({
      label: `${r.calls} calls (server ${Math.round(r.server_cpu_percent)}% CPU)`,
      values: [r.inbound_added_latency_ms.p50, r.inbound_added_latency_ms.p99, r.outbound_added_latency_ms.p50, r.outbound_added_latency_ms.p99],
    })),
    target: { value: 5, label: 'target p99 5 ms' },
  });
}

const chunking = read<ChunkingResults>('inbound-chunking');
if (chunking) {
  draw('inbound-chunking', {
    title: 'Caller speech onset to the agent’s first byte of it',
    unit: 'ms',
    series: ['p50', 'p95', 'p99'],
    groups: chunking.runs.map((r) => ({
      label: `INBOUND_CHUNK_MS=${r.inbound_chunk_ms}`,
      values: [r.onset_to_agent_ms.p50, r.onset_to_agent_ms.p95, r.onset_to_agent_ms.p99],
    })),
  });
}

const bargeIn = read<BargeInResults>('barge-in');
if (bargeIn) {
  draw('barge-in', {
    title: 'UserStartedSpeaking sent to `clear` received (on the wire)',
    unit: 'ms',
    log: true,
    series: ['p50', 'p99', 'max'],
    groups: [
      { label: 'through the server', values: [bargeIn.barge_in_clear_ms.p50, bargeIn.barge_in_clear_ms.p99, bargeIn.barge_in_clear_ms.max] },
      {
        label: 'bench baseline (no server)',
        values: [bargeIn.baseline.barge_in_clear_ms.p50, bargeIn.baseline.barge_in_clear_ms.p99, bargeIn.baseline.barge_in_clear_ms.max],
      },
    ],
    target: { value: 1, label: 'target 1 ms' },
  });
}

const engine = read<EngineResults>('engine-voice');
if (engine) {
  draw('engine-voice', {
    title: 'Embedded engine: end of caller speech to first agent audio',
    unit: 'ms',
    series: ['p50', 'p95'],
    groups: engine.levels.map((l) => ({
      label: `${l.concurrency} call${l.concurrency === 1 ? '' : 's'}${l.real_time ? '' : ' (not real time)'}`,
      values: [l.voice_to_voice_ms.p50, l.voice_to_voice_ms.p95],
    })),
    target: { value: 400, label: 'target p50 400 ms' },
  });
}
