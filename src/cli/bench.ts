// `phone-agent bench`: the bridge under load, end to end, with real sockets and a real server process.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_BENCH, runBridgeBench, runBridgeBenchSeries, type BridgeBenchOptions } from '../bench/bridge-bench.js';
import { parseCpuList } from '../bench/cpu-affinity.js';
import { compareWithRelay, comparisonFailed, comparisonSeries, formatComparison } from '../bench/relay-compare.js';

const USAGE = `usage: phone-agent bench [--calls N] [--duration S] [--json FILE] [--compare relay [--repeat N]]

Starts the server as a child process whose agent is a loopback echo peer, drives N concurrent
simulated Twilio calls for S seconds (20 ms frames both ways, real time) and prints the results.

  --calls N                concurrent calls (default 100)
  --duration S             measured seconds (default 10)
  --json FILE              also write the results to FILE
  --baseline-duration S    seconds of loopback baseline without the server (default 5; 0: none)
  --warmup S               seconds of frames before timing starts (default 2)
  --driver-threads N       threads driving calls (default: 1, 2 from 300 calls)
  --barge-in-every MS      interrupt each call this often (default 3000; 0: never)
  --inbound-chunk-ms MS    the server's INBOUND_CHUNK_MS (default 20)
  --onset-every N          time one caller frame in N as a speech onset (default 0: off)
  --server-node-arg ARG    a flag for the server's node (repeatable), e.g. --cpu-prof
  --workers N              start the server with WORKERS=N: a cluster primary forking N workers that
                           share the port (default: not set, the server inherits the bench's env)
  --server-cpus LIST       pin the server and every process it forks to these CPUs (taskset -c LIST,
                           e.g. 0); needs /usr/bin/taskset
  --bench-cpus LIST        pin the bench's own process, all its threads, to these CPUs for the run
                           (taskset -a -p -c LIST), e.g. 1: with --server-cpus 0, one core each
  --compare relay          run the same load through phone-agent, then through a bare relay (Twilio
                           media to V1 binary and back, nothing else), and print both side by side
                           with the ratios phone-agent/relay; --json then writes
                           { phone_agent, relay, ratio: { cpu_per_call, inbound_p99, outbound_p99 } }
  --repeat N               with --compare: N runs of each, alternating, reported as medians (default 1)

Server CPU % (100 = one core busy) and RSS are summed over the server's process tree: the server's
pid and every descendant, found afresh at each 250 ms sample (server_processes in the JSON); for a
server without children that is its own figure. The JSON records the CPU lists asked for, the ones the
kernel reported (server_cpus_effective, bench_cpus_effective) and each core's busy share.
`;

export async function bench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: 'string', default: '100' },
      duration: { type: 'string', default: '10' },
      json: { type: 'string' },
      'baseline-duration': { type: 'string' },
      warmup: { type: 'string' },
      'driver-threads': { type: 'string' },
      'barge-in-every': { type: 'string' },
      'inbound-chunk-ms': { type: 'string' },
      'onset-every': { type: 'string' },
      'server-node-arg': { type: 'string', multiple: true },
      workers: { type: 'string' },
      'server-cpus': { type: 'string' },
      'bench-cpus': { type: 'string' },
      compare: { type: 'string' },
      repeat: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const calls = positiveInt('--calls', values.calls);
  const defaults = DEFAULT_BRIDGE_BENCH;
  // Checked before anything starts: a typo must not become an unpinned result.
  for (const flag of ['server-cpus', 'bench-cpus'] as const) if (values[flag] !== undefined) parseCpuList(values[flag]);
  if (values.compare !== undefined && values.compare !== 'relay') throw new Error(`--compare takes relay, got ${JSON.stringify(values.compare)}`);
  if (values.repeat !== undefined && values.compare === undefined) throw new Error('--repeat needs --compare relay');
  const options: BridgeBenchOptions = {
    calls,
    durationS: positiveNumber('--duration', values.duration),
    baselineDurationS: optionalNumber('--baseline-duration', values['baseline-duration']) ?? defaults.baselineDurationS,
    warmupS: optionalNumber('--warmup', values.warmup) ?? defaults.warmupS,
    driverThreads: optionalNumber('--driver-threads', values['driver-threads']) ?? (calls >= 300 ? 2 : defaults.driverThreads),
    bargeInEveryMs: optionalNumber('--barge-in-every', values['barge-in-every']) ?? defaults.bargeInEveryMs,
    inboundChunkMs: optionalNumber('--inbound-chunk-ms', values['inbound-chunk-ms']) ?? defaults.inboundChunkMs,
    onsetEveryFrames: optionalNumber('--onset-every', values['onset-every']) ?? defaults.onsetEveryFrames,
    serverNodeArgs: values['server-node-arg'] ?? defaults.serverNodeArgs,
    ...(values.workers !== undefined && { workers: positiveInt('--workers', values.workers) }),
    ...(values['server-cpus'] !== undefined && { serverCpus: values['server-cpus'] }),
    ...(values['bench-cpus'] !== undefined && { benchCpus: values['bench-cpus'] }),
    log: (line) => process.stderr.write(`bench: ${line}\n`),
  };
  if (values.compare !== undefined) {
    await compareWithTheRelay(options, positiveInt('--repeat', values.repeat ?? '1'), values.json);
    return;
  }
  const result = await runBridgeBench(options);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(text);
  if (values.json) writeFileSync(values.json, text);
  if (result.failed !== 0) process.exitCode = 1;
}

async function compareWithTheRelay(options: BridgeBenchOptions, repeat: number, jsonFile: string | undefined): Promise<void> {
  const comparison = compareWithRelay(await runBridgeBenchSeries(options, comparisonSeries(repeat)));
  process.stdout.write(formatComparison(comparison, options.durationS, repeat));
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(comparison, null, 2)}\n`);
  if (comparisonFailed(comparison)) process.exitCode = 1;
}

function positiveNumber(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function positiveInt(flag: string, value: string | undefined): number {
  const n = positiveNumber(flag, value);
  if (!Number.isInteger(n)) throw new Error(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

function optionalNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a number >= 0, got ${JSON.stringify(value)}`);
  return n;
}
