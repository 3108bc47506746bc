// The socket floor: how much CPU the bare TCP traffic of N bridged calls needs on this machine, with
// zero bridge logic. A null forwarder process (plain node:net, no WebSocket, no parsing: it copies
// each chunk from a call's caller socket to its agent-side socket and back) stands where the server
// would; this process plays the callers and the agent with the bridge's message pattern (a 300-byte
// caller frame every 20 ms per call, spread over the period; the agent side echoes a 160-byte frame at
// once; a 100-byte mark echo per frame the caller receives, dropped by the forwarder as the bridge
// consumes it). Per call-second that is 250 message hops, each with one end in each process: CPU per
// hop splits into the forwarder's (the floor under any server) and the load generator's.
//   node dist/bench/socket-floor.js [--levels 250,500,1000] [--duration 8] [--warmup 2] [--threads 2]
//     [--mark-echo on|off] [--caller-bytes 300] [--agent-bytes 160] [--mark-bytes 100]
//     [--forwarder-cpus LIST] [--loadgen-cpus LIST] [--name socket-floor] [--max-other 20] [--attempts 3]
import { parseArgs } from 'node:util';
import { parseCpuList } from '../src/bench/cpu-affinity.js';
import { DEFAULT_SOCKET_FLOOR, runSocketFloor } from '../src/bench/socket-floor.js';
import { log, writeResults } from './lib/results.js';

const d = DEFAULT_SOCKET_FLOOR;
const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '250,500,1000' },
    duration: { type: 'string', default: String(d.durationS) },
    warmup: { type: 'string', default: String(d.warmupS) },
    threads: { type: 'string', default: String(d.threads) },
    'mark-echo': { type: 'string', default: d.markEcho ? 'on' : 'off' },
    'caller-bytes': { type: 'string', default: String(d.callerBytes) },
    'agent-bytes': { type: 'string', default: String(d.agentBytes) },
    'mark-bytes': { type: 'string', default: String(d.markBytes) },
    'forwarder-cpus': { type: 'string' },
    'loadgen-cpus': { type: 'string' },
    name: { type: 'string', default: 'socket-floor' },
    // The machine is shared: a level during which others used more than this (% of one core) is run
    // again, up to --attempts times; every attempt's others' share is recorded.
    'max-other': { type: 'string', default: '20' },
    attempts: { type: 'string', default: '3' },
  },
});

function num(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${flag} must be a number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

if (values['mark-echo'] !== 'on' && values['mark-echo'] !== 'off') throw new Error(`--mark-echo must be on or off, got ${values['mark-echo']}`);
for (const flag of ['forwarder-cpus', 'loadgen-cpus'] as const) if (values[flag] !== undefined) parseCpuList(values[flag]);
const levels = values.levels.split(',').map((l) => num('levels', l, 1));
const options = {
  durationS: num('duration', values.duration, 1),
  warmupS: num('warmup', values.warmup, 0),
  threads: num('threads', values.threads, 1),
  callerBytes: num('caller-bytes', values['caller-bytes'], 28),
  agentBytes: num('agent-bytes', values['agent-bytes'], 28),
  markBytes: num('mark-bytes', values['mark-bytes'], 28),
  markEcho: values['mark-echo'] === 'on',
  ...(values['forwarder-cpus'] !== undefined && { forwarderCpus: values['forwarder-cpus'] }),
  ...(values['loadgen-cpus'] !== undefined && { loadgenCpus: values['loadgen-cpus'] }),
};
if (options.markEcho && (options.markBytes === options.callerBytes || options.markBytes === options.agentBytes)) {
  throw new Error('--mark-bytes must differ from the frame sizes: the forwarder tells a lone mark echo by its size');
}

const maxOther = num('max-other', values['max-other'], 0);
const attempts = num('attempts', values.attempts, 1);
const runs: Array<Record<string, unknown>> = [];
for (const calls of levels) {
  log(`--- ${calls} calls`);
  const others: number[] = [];
  let run: Record<string, unknown>;
  do {
    run = await runSocketFloor({ ...options, calls, log });
    others.push(run.other_cpu_percent as number);
    if (others.at(-1)! > maxOther && others.length < attempts) log(`  others used ${String(others.at(-1))}% of a core meanwhile: again`);
  } while (others.at(-1)! > maxOther && others.length < attempts);
  run.attempts_other_cpu_percent = others;
  runs.push(run);
  const f = run.forwarder as Record<string, number>;
  const l = run.loadgen as Record<string, number>;
  const i = run.inbound_latency_ms as Record<string, number>;
  const o = run.outbound_latency_ms as Record<string, number>;
  log(
    `  hops/s ${String(run.hops_per_s)} of ${String(run.target_hops_per_s)}; forwarder ${f.cpu_percent}% (${f.us_per_hop} us/hop), ` +
      `loadgen ${l.cpu_percent}% (${l.us_per_hop} us/hop), total ${String(run.total_cpu_percent)}% (${String(run.us_per_hop)} us/hop), ` +
      `others ${String(run.other_cpu_percent)}%; latency in p50 ${i.p50} p99 ${i.p99}, out p50 ${o.p50} p99 ${o.p99} ms`,
  );
}

// The floor for the target at the cost per hop of the lightest level (the least batched).
const lightest = runs[0]!;
const hopsPer1000 = 1000 * 50 * (options.markEcho ? 5 : 4);
const floor = {
  from_level_calls: lightest.calls,
  hops_per_s_at_1000_calls: hopsPer1000,
  forwarder_cores_at_1000_calls: Math.round(((lightest.forwarder as Record<string, number>).us_per_hop! * hopsPer1000) / 1e4) / 100,
  loadgen_cores_at_1000_calls: Math.round(((lightest.loadgen as Record<string, number>).us_per_hop! * hopsPer1000) / 1e4) / 100,
  total_cores_at_1000_calls: Math.round(((lightest.us_per_hop as number) * hopsPer1000) / 1e4) / 100,
};
log(`floor at 1,000 calls (cost per hop at ${String(lightest.calls)} calls): ${JSON.stringify(floor)}`);

const command = `node dist/bench/socket-floor.js ${process.argv.slice(2).join(' ')}`.trim();
const results = {
  note:
    'null bridge: plain TCP forwarder, no WebSocket/JSON/bridge logic; CPU % of one core (100 = one core); ' +
    'us_per_hop = CPU time / message hops (each hop = one send + one receive, one end in each process); ' +
    'other_cpu_percent = machine busy minus forwarder and load generator',
  options,
  floor_at_1000_calls: floor,
  runs,
};
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${writeResults(values.name, command, results)}`);
