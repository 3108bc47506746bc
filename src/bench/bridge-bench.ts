// One bridge benchmark run: the loopback baseline (driver dials the echo peer directly), then the
// same load through the server under test, in its own process, whose agent is the echo peer.
// Frames are timed end to end in the bench process (one clock); the baseline's figures are
// subtracted to leave what the server adds. A series runs the same load through several servers in
// turn (phone-agent and the bare relay it is compared with) against that one baseline.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcSampler, processTree, treeRssMb, type ProcUsage } from './proc-sampler.js';
import { allowedCpus, pinProcess, threadCpus } from './cpu-affinity.js';
import { fetchServerView, type ServerView } from './server-view.js';
import { PACKAGE_ROOT, ServerProcess } from './server-process.js';
import { WorkerClient } from './worker-rpc.js';
import { percentiles, type Percentiles } from './latency-samples.js';
import type { PeerCounts, PeerMode, PeerReport } from './echo-peer.js';
import type { DriverCounts, DriverReport } from './load-driver.js';
import { errorMessage } from '../observability/error-message.js';

export interface BridgeBenchOptions {
  calls: number;
  durationS: number;
  /** Length of the loopback baseline's measurement (0: no baseline, nothing subtracted). */
  baselineDurationS: number;
  /** Frames flow this long before timing starts (calls settle, the JIT warms up). */
  warmupS: number;
  driverThreads: number;
  /** Each call is interrupted this often (0: never). */
  bargeInEveryMs: number;
  inboundChunkMs: number;
  /** Flag one caller frame in this many as a speech onset and time it separately (0: none). */
  onsetEveryFrames: number;
  serverNodeArgs: string[];
  /** The server's WORKERS (a cluster primary forking that many workers); undefined: not set by the bench. */
  workers?: number;
  /** Pin the server (and every process it forks) to these CPUs (taskset list, e.g. "0"). */
  serverCpus?: string;
  /** Pin the bench's own process, every thread of it, to these CPUs for the run (e.g. "1"). */
  benchCpus?: string;
  /** Called halfway through the measured window with the server's pid (e.g. to take a heap snapshot). */
  midLoad?: (serverPid: number) => void;
  log: (line: string) => void;
}

export const DEFAULT_BRIDGE_BENCH: Omit<BridgeBenchOptions, 'calls' | 'durationS' | 'log'> = {
  baselineDurationS: 5,
  warmupS: 2,
  driverThreads: 1,
  bargeInEveryMs: 3000,
  inboundChunkMs: 20,
  onsetEveryFrames: 0,
  serverNodeArgs: [],
};

interface PhaseOutcome {
  peer: PeerReport;
  drivers: DriverReport[];
}

type Summary = Pick<Percentiles, 'p50' | 'p95' | 'p99' | 'max'>;

const DRAIN_TIMEOUT_MS = 5000;
/** Event-loop utilization above which a bench thread is taken to have been the bottleneck. */
const SATURATED = 0.8;
const HANGUP_TIMEOUT_MS = 15_000;

/** The server the load goes through: phone-agent itself, or the bare relay (bare-relay.ts) it is compared with. */
export type BenchServer = 'phone-agent' | 'relay';

const SERVER_ENTRIES: Record<BenchServer, string[]> = {
  'phone-agent': [join(PACKAGE_ROOT, 'bin/phone-agent'), 'serve'],
  relay: [fileURLToPath(new URL('./bare-relay.js', import.meta.url))],
};

/** The fields every run reports (the documented contract of `phone-agent bench --json`). */
export interface BridgeBenchFigures {
  calls: number;
  completed: number;
  failed: number;
  frames_sent: number;
  frames_lost: number;
  inbound_added_latency_ms: AddedLatency;
  outbound_added_latency_ms: AddedLatency;
  server_cpu_percent: number;
  server_rss_mb: number;
  rss_mb_per_call: number;
}

export type BridgeBenchResult = BridgeBenchFigures & Record<string, unknown>;

export interface AddedLatency {
  p50: number;
  p99: number;
  max: number;
}

export async function runBridgeBench(options: BridgeBenchOptions): Promise<BridgeBenchResult> {
  return (await runBridgeBenchSeries(options, ['phone-agent']))[0]!;
}

/** The same load through each server in turn, one run each, in order, after one shared baseline. */
export async function runBridgeBenchSeries(options: BridgeBenchOptions, servers: BenchServer[]): Promise<BridgeBenchResult[]> {
  if (options.benchCpus === undefined) return runPinned(options, servers);
  // Pinned before the worker threads exist: threads inherit their creator's affinity.
  const before = allowedCpus(process.pid);
  pinProcess(process.pid, options.benchCpus);
  options.log(`bench pinned to CPU ${options.benchCpus} (was ${before})`);
  try {
    return await runPinned(options, servers);
  } finally {
    pinProcess(process.pid, before);
  }
}

async function runPinned(options: BridgeBenchOptions, servers: BenchServer[]): Promise<BridgeBenchResult[]> {
  const peerWorker = new WorkerClient(new URL('./peer-worker.js', import.meta.url), undefined);
  const driverWorkers = Array.from({ length: options.driverThreads }, () => new WorkerClient(new URL('./driver-worker.js', import.meta.url), undefined));
  try {
    let baseline: MeasuredPhase | undefined;
    if (options.baselineDurationS > 0) {
      options.log(`baseline: ${options.calls} calls straight to the echo peer for ${options.baselineDurationS} s`);
      const url = await peerWorker.request<string>('start', { mode: 'twilio' satisfies PeerMode, bargeInEveryMs: options.bargeInEveryMs });
      baseline = await runPhase(options, url, options.baselineDurationS, peerWorker, driverWorkers);
    }
    const results: BridgeBenchResult[] = [];
    for (const server of servers) results.push(await runServer(options, server, baseline, peerWorker, driverWorkers));
    return results;
  } finally {
    await Promise.all([peerWorker, ...driverWorkers].map((w) => w.terminate()));
  }
}

async function runServer(
  options: BridgeBenchOptions,
  name: BenchServer,
  baseline: MeasuredPhase | undefined,
  peerWorker: WorkerClient,
  driverWorkers: WorkerClient[],
): Promise<BridgeBenchResult> {
  const agentUrl = await peerWorker.request<string>('start', { mode: 'agent' satisfies PeerMode, bargeInEveryMs: options.bargeInEveryMs });
  const server = await ServerProcess.start({
    env: {
      AGENT_URL: agentUrl,
      INBOUND_CHUNK_MS: String(options.inboundChunkMs),
      ...(options.workers !== undefined && { WORKERS: String(options.workers) }),
    },
    nodeArgs: options.serverNodeArgs,
    entry: SERVER_ENTRIES[name],
    ...(options.serverCpus !== undefined && { cpus: options.serverCpus }),
  });
  try {
    await sleep(1000);
    // The server may be a process tree (a cluster primary and its workers): memory and CPU are the tree's.
    const idleRssMb = treeRssMb(server.pid);
    const idleProcesses = processTree(server.pid).length;
    const processes = `${idleProcesses} process${idleProcesses === 1 ? '' : 'es'}`;
    options.log(`${name} pid ${server.pid} (${processes}) idle at ${idleRssMb.toFixed(1)} MB; ${options.calls} calls through it for ${options.durationS} s`);
    const affinity: Affinity = { server: [], bench: [] };
    const serverSampler: { current?: ProcSampler } = {};
    const benchSampler: { current?: ProcSampler } = {};
    const measured = await runPhase(options, server.mediaStreamUrl, options.durationS, peerWorker, driverWorkers, {
      onMeasureStart: () => {
        serverSampler.current = new ProcSampler(server.pid, { tree: true });
        benchSampler.current = new ProcSampler(process.pid);
        // What the kernel actually allows, read back: every thread of the bench, every server process.
        affinity.bench = threadCpus(process.pid);
        affinity.server = [...new Set(processTree(server.pid).flatMap((p) => threadCpus(p.pid)))].sort();
      },
      onMeasureEnd: () => ({ server: serverSampler.current!.stop(), bench: benchSampler.current!.stop() }),
      midLoad: () => options.midLoad?.(server.pid),
    });
    if (!server.alive) throw new Error(`the ${name} died under load:\n${server.outputTail}`);
    // The relay keeps no account of its own: it has no /metrics.
    const serverView = name === 'phone-agent' ? await readServerView(server.url, options) : null;
    return { ...summarize(options, name, measured, baseline, idleRssMb, affinity), server_view: serverView };
  } finally {
    await server.stop();
  }
}

/** The server's /metrics once every call has ended there (or after 5 s); null if it cannot be read. */
async function readServerView(url: string, options: BridgeBenchOptions): Promise<ServerView | null> {
  try {
    let view = await fetchServerView(url);
    for (let waited = 0; view.calls_ended < options.calls && waited < 5000; waited += 100) {
      await sleep(100);
      view = await fetchServerView(url);
    }
    return view;
  } catch (err) {
    options.log(`could not read the server's /metrics: ${errorMessage(err)}`);
    return null;
  }
}

interface Affinity {
  server: string[];
  bench: string[];
}

interface PhaseHooks {
  onMeasureStart(): void;
  onMeasureEnd(): { server: ProcUsage; bench: ProcUsage };
  midLoad(): void;
}

type MeasuredPhase = PhaseOutcome & {
  usage?: ReturnType<PhaseHooks['onMeasureEnd']>;
  /** Event-loop utilization (0..1) of the bench's own threads while measuring: near 1, the bench is the bottleneck. */
  busy: { peer: number; drivers: number[] };
};

async function runPhase(
  options: BridgeBenchOptions,
  url: string,
  durationS: number,
  peer: WorkerClient,
  drivers: WorkerClient[],
  hooks?: PhaseHooks,
): Promise<MeasuredPhase> {
  const share = Math.ceil(options.calls / drivers.length);
  const connected = await Promise.all(
    drivers.map((d, i) =>
      d.request<number>('connect', {
        url,
        first: i * share,
        count: Math.max(0, Math.min(share, options.calls - i * share)),
        onsetEveryFrames: options.onsetEveryFrames,
      }),
    ),
  );
  options.log(`  ${connected.reduce((a, b) => a + b, 0)} calls connected; warming up ${options.warmupS} s`);
  await Promise.all(drivers.map((d) => d.request('phase', 'warmup')));
  await sleep(options.warmupS * 1000);

  hooks?.onMeasureStart();
  const busySince = [peer, ...drivers].map((w) => w.utilization());
  await Promise.all(drivers.map((d) => d.request('phase', 'measure')));
  await sleep((durationS * 1000) / 2);
  hooks?.midLoad();
  await sleep((durationS * 1000) / 2);
  await Promise.all(drivers.map((d) => d.request('phase', 'quiet')));
  const usage = hooks?.onMeasureEnd();
  const [peerBusy, ...driversBusy] = [peer, ...drivers].map((w, i) => w.utilization(busySince[i]).utilization);

  await peer.request('quiet');
  await drain(peer, drivers);
  const driverReports = await Promise.all(drivers.map((d) => d.request<DriverReport>('hangUp', HANGUP_TIMEOUT_MS)));
  const peerReport = await peer.request<PeerReport>('report');
  await peer.request('stop');
  return { peer: peerReport, drivers: driverReports, usage, busy: { peer: peerBusy!, drivers: driversBusy } };
}

/** Waits until every frame sent has arrived (or a bounded time passes: what is missing is lost). */
async function drain(peer: WorkerClient, drivers: WorkerClient[]): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const p = await peer.request<PeerCounts>('counts');
    const ds = await Promise.all(drivers.map((d) => d.request<DriverCounts>('counts')));
    const sent = ds.reduce((n, d) => n + d.inboundSent, 0);
    const received = ds.reduce((n, d) => n + d.outboundReceived, 0);
    if (p.inboundReceived >= sent && received >= p.outboundSent) return;
    await sleep(100);
  }
}

function summarize(
  options: BridgeBenchOptions,
  name: BenchServer,
  run: MeasuredPhase,
  baseline: MeasuredPhase | undefined,
  idleRssMb: number,
  affinity: Affinity,
): BridgeBenchResult {
  const d = run.drivers;
  const sum = (f: (r: DriverReport) => number) => d.reduce((n, r) => n + f(r), 0);
  const inboundSent = sum((r) => r.inboundSent);
  const outboundReceived = sum((r) => r.outboundReceived);
  const completed = sum((r) => r.completed);
  const inbound = percentiles([run.peer.inboundLatencyMs]);
  const outbound = percentiles(d.map((r) => r.outboundLatencyMs));
  const bargeIn = bargeInLatencies(run);
  // A baseline whose own threads were saturated measures the bench's queueing, not a hop: subtracting
  // it would flatter the server, so then nothing is subtracted (the figures over-state what it adds).
  const baselineUsable = baseline !== undefined && Math.max(baseline.busy.peer, ...baseline.busy.drivers) < SATURATED;
  const base = baseline && {
    inbound: percentiles([baseline.peer.inboundLatencyMs]),
    outbound: percentiles(baseline.drivers.map((r) => r.outboundLatencyMs)),
    bargeIn: bargeInLatencies(baseline),
  };
  const usage = run.usage!;
  // The relay ignores INBOUND_CHUNK_MS and WORKERS: it forwards each Twilio message as it comes, in one process.
  const isRelay = name === 'relay';
  const result: BridgeBenchResult = {
    calls: options.calls,
    completed,
    failed: options.calls - completed,
    frames_sent: inboundSent + run.peer.outboundSent,
    frames_lost: inboundSent - run.peer.inboundReceived + (run.peer.outboundSent - outboundReceived),
    inbound_added_latency_ms: added(inbound, baselineUsable ? base?.inbound : undefined),
    outbound_added_latency_ms: added(outbound, baselineUsable ? base?.outbound : undefined),
    server_cpu_percent: round(usage.server.cpuPercent),
    server_rss_mb: round(usage.server.peakRssMb),
    rss_mb_per_call: round((usage.server.peakRssMb - idleRssMb) / options.calls),
    duration_s: options.durationS,
    inbound_chunk_ms: isRelay ? null : options.inboundChunkMs,
    frames_sent_inbound: inboundSent,
    frames_sent_outbound: run.peer.outboundSent,
    frames_lost_inbound: inboundSent - run.peer.inboundReceived,
    frames_lost_outbound: run.peer.outboundSent - outboundReceived,
    sequence_breaks: run.peer.inboundBreaks + sum((r) => r.outboundBreaks),
    frames_timed: { inbound: inbound.count, outbound: outbound.count },
    inbound_latency_ms: summary(inbound),
    outbound_latency_ms: summary(outbound),
    barge_ins: bargeIn.latencies.count,
    barge_ins_unanswered: bargeIn.unanswered,
    barge_in_clear_ms: summary(bargeIn.latencies),
    barge_in_added_ms: added(bargeIn.latencies, baselineUsable ? base?.bargeIn.latencies : undefined),
    ...(options.onsetEveryFrames > 0 && { onset_to_agent_ms: summary(percentiles([run.peer.onsetLatencyMs])) }),
    baseline: base
      ? {
          duration_s: options.baselineDurationS,
          subtracted: baselineUsable,
          completed: baseline!.drivers.reduce((n, r) => n + r.completed, 0),
          inbound_latency_ms: summary(base.inbound),
          outbound_latency_ms: summary(base.outbound),
          barge_in_clear_ms: summary(base.bargeIn.latencies),
          bench_thread_utilization: { peer: round(baseline!.busy.peer), drivers: baseline!.busy.drivers.map(round) },
        }
      : null,
    server_idle_rss_mb: round(idleRssMb),
    // WORKERS as the server got it: from --workers, else inherited from the bench's environment (null: unset).
    server_workers: isRelay ? null : (options.workers ?? (process.env.WORKERS === undefined ? null : Number(process.env.WORKERS))),
    // Processes summed into server_cpu_percent and server_rss_mb: most at once, and all seen in the window.
    server_processes: usage.server.peakProcesses,
    server_processes_seen: usage.server.processesSeen,
    server_cpus: options.serverCpus ?? null,
    bench_cpus: options.benchCpus ?? null,
    // The CPU lists the kernel reported at the start of the measured window (one per distinct thread mask).
    server_cpus_effective: affinity.server,
    bench_cpus_effective: affinity.bench,
    // Each core's busy share over the measured window (everyone's work: server, bench, others).
    cpu_busy_percent: usage.server.perCpuBusyPercent.map(round),
    // The machine's busy share from its idle time, and as /proc/stat's busy ticks count it (off by a fifth
    // either way under loopback socket load on this VM: the first is the one others' share uses).
    machine_busy_percent: round(usage.server.machineCpuPercent),
    machine_tick_busy_percent: round(usage.server.machineTickBusyPercent),
    bench_cpu_percent: round(usage.bench.cpuPercent),
    // Everything else running on the machine meanwhile (other people's builds and tests): the share
    // of the cores neither the server nor the bench had.
    other_cpu_percent: round(Math.max(0, usage.server.machineCpuPercent - usage.server.cpuPercent - usage.bench.cpuPercent)),
    // The machine's cores (availableParallelism() would give the bench's own, 1 when pinned to one CPU).
    cpu_cores: cpus().length,
    load_average_1m: round(loadavg()[0]!),
    driver_threads: options.driverThreads,
    bench_thread_utilization: { peer: round(run.busy.peer), drivers: run.busy.drivers.map(round) },
    driver_late_ticks: sum((r) => r.lateTicks),
    driver_max_tick_lag_ms: round(Math.max(...d.map((r) => r.maxTickLagMs))),
    failures: d.flatMap((r) => r.failures).slice(0, 10),
  };
  return result;
}

/** Matches each call's k-th interruption sent by the peer with the k-th `clear` the caller received. */
function bargeInLatencies(run: PhaseOutcome): { latencies: Percentiles; unanswered: number } {
  const samples: number[] = [];
  let unanswered = 0;
  const clears: Record<number, number[]> = Object.assign({}, ...run.drivers.map((r) => r.clearsAt));
  for (const [call, sent] of Object.entries(run.peer.bargeInsSentAt)) {
    const got = clears[Number(call)] ?? [];
    sent.forEach((at, k) => (got[k] === undefined ? unanswered++ : samples.push(got[k]! - at)));
  }
  return { latencies: percentiles([Float64Array.from(samples)]), unanswered };
}

/**
 * What the server adds: p50 and p99 less the baseline's p50 and p99; max less the baseline's p50
 * (the worst frame, less what a typical frame costs the bench itself). Without a baseline, raw.
 */
export function added(measured: Percentiles, baseline: Percentiles | undefined): AddedLatency {
  const b = baseline ?? { p50: 0, p99: 0 };
  return {
    p50: round(Math.max(0, measured.p50 - b.p50)),
    p99: round(Math.max(0, measured.p99 - b.p99)),
    max: round(Math.max(0, measured.max - b.p50)),
  };
}

function summary(p: Percentiles): Summary {
  return { p50: round(p.p50), p95: round(p.p95), p99: round(p.p99), max: round(p.max) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
