// Where the server's time and memory go under bridge load: the bridge benchmark with the server run
// under `node --cpu-prof`, and a heap snapshot taken halfway through the measured window (the
// snapshot pauses the server for a while: this run's latencies are not the benchmark's). Raw
// profiles stay in --out (large); their summaries go to bench/results/profile-<calls>.json.
//   node dist/bench/profile-bridge.js [--calls N] [--duration S] [--out DIR]
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_BENCH, runBridgeBench } from '../src/bench/bridge-bench.js';
import { cpuHotspots, heapByConstructor } from './lib/profiles.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '20' },
    out: { type: 'string', default: '/tmp/phone-agent-profile' },
  },
});
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const calls = Number(values.calls);
let snapshotRequested = false;
const run = await runBridgeBench({
  ...DEFAULT_BRIDGE_BENCH,
  calls,
  durationS: Number(values.duration),
  baselineDurationS: 0,
  driverThreads: calls >= 300 ? 2 : 1,
  serverNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${out}`, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${out}`],
  midLoad: (pid) => {
    process.kill(pid, 'SIGUSR2');
    snapshotRequested = true;
  },
  log,
});
const newest = (ext: string) => readdirSync(out).filter((f) => f.endsWith(ext)).sort().at(-1);
const cpuFile = newest('.cpuprofile');
const heapFile = newest('.heapsnapshot');
log(`cpu profile ${cpuFile}, heap snapshot ${heapFile} (requested: ${snapshotRequested})`);
log(
  `wrote ${writeResults(`profile-${calls}`, `node dist/bench/profile-bridge.js --calls ${calls} --duration ${values.duration}`, {
    note: 'profiling run: the server ran under --cpu-prof and paused for a heap snapshot, so its latencies are not benchmark figures',
    run,
    cpu: cpuFile ? cpuHotspots(join(out, cpuFile)) : null,
    heap: heapFile ? heapByConstructor(join(out, heapFile)) : null,
  })}`,
);
