// Barge-in: the agent's UserStartedSpeaking leaving the peer to the `clear` reaching the caller, both
// on the wire, over thousands of interruptions (each call interrupted twice a second), less the
// bench's own cost of sending a `clear` straight to the caller with no server in between.
//   node dist/bench/barge-in.js [--calls N] [--duration S] [--every MS]
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_BENCH, runBridgeBench } from '../src/bench/bridge-bench.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '30' }, calls: { type: 'string', default: '50' }, every: { type: 'string', default: '500' } },
});
const r = await runBridgeBench({
  ...DEFAULT_BRIDGE_BENCH,
  calls: Number(values.calls),
  durationS: Number(values.duration),
  bargeInEveryMs: Number(values.every),
  log,
});
const summary = {
  barge_ins: r.barge_ins,
  barge_ins_unanswered: r.barge_ins_unanswered,
  barge_in_clear_ms: r.barge_in_clear_ms,
  barge_in_added_ms: r.barge_in_added_ms,
  baseline: r.baseline,
  run: r,
};
log(JSON.stringify({ barge_in_clear_ms: r.barge_in_clear_ms, barge_in_added_ms: r.barge_in_added_ms }));
log(`wrote ${writeResults('barge-in', `node dist/bench/barge-in.js --calls ${values.calls} --duration ${values.duration} --every ${values.every}`, summary)}`);
