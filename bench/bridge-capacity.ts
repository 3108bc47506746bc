// Bridge capacity and overhead: 100, 500 and 1,000 concurrent calls through the server, each with
// 20 ms frames both ways in real time and an interruption every 3 s; what the server adds per
// frame each way, frames lost, its CPU and memory.
//   node dist/bench/bridge-capacity.js [--duration S] [--calls 100,500,1000]
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_BENCH, runBridgeBench } from '../src/bench/bridge-bench.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '20' }, calls: { type: 'string', default: '100,500,1000' } } });
const durationS = Number(values.duration);
const runs: Array<Record<string, unknown>> = [];
for (const calls of values.calls.split(',').map(Number)) {
  log(`--- ${calls} calls`);
  runs.push(await runBridgeBench({ ...DEFAULT_BRIDGE_BENCH, calls, durationS, driverThreads: calls >= 300 ? 2 : 1, log }));
  log(JSON.stringify(runs.at(-1)));
}
log(`wrote ${writeResults('bridge-capacity', `node dist/bench/bridge-capacity.js --duration ${values.duration} --calls ${values.calls}`, { runs })}`);
