// The documented keys of one `phone-agent bench` run's JSON (BENCHMARKS.md, README), shared by the tests
// that check a report keeps them: typed against the result, so a renamed field breaks the build here.
import type { BridgeBenchFigures } from '../../src/bench/bridge-bench.js';

const CONTRACT: Record<keyof BridgeBenchFigures, true> = {
  calls: true,
  completed: true,
  failed: true,
  frames_sent: true,
  frames_lost: true,
  inbound_added_latency_ms: true,
  outbound_added_latency_ms: true,
  server_cpu_percent: true,
  server_rss_mb: true,
  rss_mb_per_call: true,
};

export const CONTRACT_KEYS = Object.keys(CONTRACT);
