// The socket floor: what the bare TCP traffic of N bridged calls costs on this machine, with no
// WebSocket, no JSON and no bridge logic at all. A null forwarder process (null-forwarder.ts) stands
// where the server would, copying chunks between each call's caller socket and agent-side socket; the
// load generator (this process: floor-load.ts on worker threads) plays callers and agent with the
// bridge's message pattern. Every message hop has one end in each process, so CPU per hop splits
// cleanly into the forwarder's share (what a server can never go below) and the load generator's.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { allowedCpus, pinProcess, pinnedCommand, threadCpus } from './cpu-affinity.js';
import { FRAME_MS } from './frame-stamp.js';
import { percentiles, type Percentiles } from './latency-samples.js';
import { ProcSampler, cpuTimesMs, rssMb } from './proc-sampler.js';
import { WorkerClient } from './worker-rpc.js';
import type { FloorCounts, FloorLoadOptions, FloorReport } from './floor-load.js';
import type { ForwarderCounts } from './null-forwarder.js';

export interface SocketFloorOptions {
  calls: number;
  durationS: number;
  warmupS: number;
  /** Load generator threads (each with its share of callers and its own agent-side listener). */
  threads: number;
  callerBytes: number;
  agentBytes: number;
  markBytes: number;
  markEcho: boolean;
  forwarderCpus?: string;
  loadgenCpus?: string;
  log: (line: string) => void;
}

export const DEFAULT_SOCKET_FLOOR: Omit<SocketFloorOptions, 'calls' | 'log'> = {
  durationS: 8,
  warmupS: 2,
  threads: 2,
  // Twilio's media message is ~330 bytes of JSON; the agent's binary frame 160 bytes of audio; a mark echo ~100.
  callerBytes: 300,
  agentBytes: 160,
  markBytes: 100,
  markEcho: true,
};

const DRAIN_TIMEOUT_MS = 3000;
const FRAMES_PER_S = 1000 / FRAME_MS;

export async function runSocketFloor(options: SocketFloorOptions): Promise<Record<string, unknown>> {
  if (options.loadgenCpus === undefined) return runLevel(options);
  // Pinned before the worker threads exist: threads inherit their creator's affinity.
  const before = allowedCpus(process.pid);
  pinProcess(process.pid, options.loadgenCpus);
  try {
    return await runLevel(options);
  } finally {
    pinProcess(process.pid, before);
  }
}

async function runLevel(options: SocketFloorOptions): Promise<Record<string, unknown>> {
  const threads = Math.max(1, Math.min(options.threads, options.calls));
  const workers = Array.from({ length: threads }, () => new WorkerClient(new URL('./floor-worker.js', import.meta.url), undefined));
  let forwarder: ChildProcess | undefined;
  try {
    const share = Math.ceil(options.calls / threads);
    const agentPorts = await Promise.all(
      workers.map((w, i) =>
        w.request<number>('listen', {
          first: i * share,
          count: Math.max(0, Math.min(share, options.calls - i * share)),
          callerBytes: options.callerBytes,
          agentBytes: options.agentBytes,
          markBytes: options.markBytes,
          markEcho: options.markEcho,
        } satisfies FloorLoadOptions),
      ),
    );
    const started = await startForwarder(agentPorts, options.markEcho ? options.markBytes : 0, options.forwarderCpus);
    forwarder = started.child;
    const fwd = started.child;
    const paired = await Promise.all(workers.map((w, i) => w.request<number>('connect', started.callerPorts[i])));
    const connected = paired.reduce((a, b) => a + b, 0);
    options.log(`  ${connected} calls paired through the forwarder (pid ${fwd.pid}); warming up ${options.warmupS} s`);

    await Promise.all(workers.map((w) => w.request('phase', 'warmup')));
    await sleep(options.warmupS * 1000);

    const fwdSampler = new ProcSampler(fwd.pid!);
    const loadSampler = new ProcSampler(process.pid);
    const times0 = { fwd: cpuTimesMs(fwd.pid!), load: cpuTimesMs(process.pid) };
    const [fwd0, load0] = await Promise.all([forwarderCounts(fwd), loadCounts(workers)]);
    const elu0 = workers.map((w) => w.utilization());
    const affinity = { forwarder: threadCpus(fwd.pid!), loadgen: threadCpus(process.pid) };
    await Promise.all(workers.map((w) => w.request('phase', 'measure')));
    await sleep(options.durationS * 1000);
    const [fwd1, load1] = await Promise.all([forwarderCounts(fwd), loadCounts(workers)]);
    const times1 = { fwd: cpuTimesMs(fwd.pid!), load: cpuTimesMs(process.pid) };
    const fwdUsage = fwdSampler.stop();
    const loadUsage = loadSampler.stop();
    const threadBusy = workers.map((w, i) => w.utilization(elu0[i]).utilization);
    const fwdRss = rssMb(fwd.pid!);

    await Promise.all(workers.map((w) => w.request('phase', 'quiet')));
    await drain(workers);
    const reports = await Promise.all(workers.map((w) => w.request<FloorReport>('finish')));

    const windowS = fwdUsage.wallMs / 1000;
    const d = diffCounts(load0, load1);
    const hops = d.callerSent + d.agentReceived + d.agentSent + d.callerReceived + d.marksSent;
    const hopsPerCallS = 4 + (options.markEcho ? 1 : 0);
    const targetHopsPerS = options.calls * FRAMES_PER_S * hopsPerCallS;
    const usPerHop = (cpuPercent: number) => (hops === 0 ? 0 : (cpuPercent / 100) * windowS * 1e6 / hops);
    const total = fwdUsage.cpuPercent + loadUsage.cpuPercent;
    const perS = (n: number) => round(n / windowS);
    const sum = (f: (r: FloorReport) => number) => reports.reduce((n, r) => n + f(r), 0);
    const inbound = percentiles(reports.map((r) => r.inboundLatencyMs));
    const outbound = percentiles(reports.map((r) => r.outboundLatencyMs));
    const fwdElu = (fwd1.elu.active - fwd0.elu.active) / (fwd1.elu.active + fwd1.elu.idle - (fwd0.elu.active + fwd0.elu.idle));
    return {
      calls: options.calls,
      calls_paired: connected,
      duration_s: options.durationS,
      warmup_s: options.warmupS,
      mark_echo: options.markEcho,
      message_bytes: { caller: options.callerBytes, agent: options.agentBytes, mark: options.markEcho ? options.markBytes : null },
      loadgen_threads: threads,
      target_hops_per_s: targetHopsPerS,
      hops_per_s: perS(hops),
      hops_per_call_s: round(hops / windowS / options.calls),
      messages_per_s: {
        caller_to_forwarder: perS(d.callerSent),
        forwarder_to_agent: perS(d.agentReceived),
        agent_to_forwarder: perS(d.agentSent),
        forwarder_to_caller: perS(d.callerReceived),
        mark_echoes: perS(d.marksSent),
      },
      forwarder: {
        cpu_percent: round(fwdUsage.cpuPercent),
        user_percent: round(((times1.fwd.user - times0.fwd.user) / (windowS * 1000)) * 100),
        system_percent: round(((times1.fwd.system - times0.fwd.system) / (windowS * 1000)) * 100),
        us_per_hop: round(usPerHop(fwdUsage.cpuPercent)),
        event_loop_utilization: round(fwdElu),
        reads_per_s: perS(fwd1.callerReads - fwd0.callerReads + fwd1.agentReads - fwd0.agentReads),
        writes_per_s: perS(fwd1.callerWrites - fwd0.callerWrites + fwd1.agentWrites - fwd0.agentWrites),
        marks_dropped_per_s: perS(fwd1.marksDropped - fwd0.marksDropped),
        // CPU per read or write the forwarder's JavaScript saw (each a syscall, plus its share of epoll).
        us_per_read_or_write: round(
          ((fwdUsage.cpuPercent / 100) * windowS * 1e6) /
            Math.max(
              1,
              fwd1.callerReads - fwd0.callerReads + fwd1.agentReads - fwd0.agentReads +
                (fwd1.callerWrites - fwd0.callerWrites + fwd1.agentWrites - fwd0.agentWrites),
            ),
        ),
        rss_mb: round(fwdRss),
      },
      loadgen: {
        cpu_percent: round(loadUsage.cpuPercent),
        user_percent: round(((times1.load.user - times0.load.user) / (windowS * 1000)) * 100),
        system_percent: round(((times1.load.system - times0.load.system) / (windowS * 1000)) * 100),
        us_per_hop: round(usPerHop(loadUsage.cpuPercent)),
        thread_utilization: threadBusy.map(round),
        reads_per_s: perS(d.callerReads + d.agentReads),
        late_ticks: sum((r) => r.lateTicks),
        max_tick_lag_ms: round(Math.max(...reports.map((r) => r.maxTickLagMs))),
        marks_reaching_agent_side: sum((r) => r.marksAtAgent),
      },
      total_cpu_percent: round(total),
      us_per_hop: round(usPerHop(total)),
      // The CPU this level's full real-time traffic needs at the per-hop cost measured here, in cores.
      // Below saturation it is the measured total; above, hops batch into fewer reads and the
      // per-hop cost measured is lower than it would be at real-time pace (so this flatters).
      cores_for_real_time: round((usPerHop(total) * targetHopsPerS) / 1e6),
      other_cpu_percent: round(Math.max(0, fwdUsage.machineCpuPercent - total)),
      cpu_busy_percent: fwdUsage.perCpuBusyPercent.map(round),
      // The machine's busy share from its idle time, and as /proc/stat's busy ticks count it (off by a fifth
      // either way under loopback socket load on this VM: the first is the one others' share uses).
      machine_busy_percent: round(fwdUsage.machineCpuPercent),
      machine_tick_busy_percent: round(fwdUsage.machineTickBusyPercent),
      cpu_cores: cpus().length,
      forwarder_cpus: options.forwarderCpus ?? null,
      loadgen_cpus: options.loadgenCpus ?? null,
      forwarder_cpus_effective: affinity.forwarder,
      loadgen_cpus_effective: affinity.loadgen,
      inbound_latency_ms: summary(inbound),
      outbound_latency_ms: summary(outbound),
      frames_timed: { inbound: inbound.count, outbound: outbound.count },
      frames_lost_inbound: sum((r) => r.callerSent) - sum((r) => r.agentReceived),
      frames_lost_outbound: sum((r) => r.agentSent) - sum((r) => r.callerReceived),
      sequence_breaks: sum((r) => r.inboundBreaks + r.outboundBreaks),
      failures: reports.flatMap((r) => r.failures).slice(0, 10),
    };
  } finally {
    if (forwarder && forwarder.exitCode === null && forwarder.signalCode === null) {
      const exited = once(forwarder, 'exit');
      forwarder.kill('SIGTERM');
      await exited;
    }
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function startForwarder(agentPorts: number[], markBytes: number, cpus: string | undefined): Promise<{ child: ChildProcess; callerPorts: number[] }> {
  const script = new URL('./null-forwarder.js', import.meta.url).pathname;
  const nodeArgs = [script, agentPorts.join(','), String(markBytes)];
  const { command, args } = cpus === undefined ? { command: process.execPath, args: nodeArgs } : pinnedCommand(cpus, process.execPath, nodeArgs);
  // taskset execs node in place, keeping the IPC channel's descriptor and environment.
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the forwarder exited during startup (${String(code)})`);
    }),
  ])) as [{ callerPorts: number[] }];
  return { child, callerPorts: message.callerPorts };
}

async function forwarderCounts(child: ChildProcess): Promise<ForwarderCounts> {
  const reply = once(child, 'message') as Promise<[ForwarderCounts]>;
  child.send('counts');
  return (await reply)[0];
}

async function loadCounts(workers: WorkerClient[]): Promise<FloorCounts> {
  const all = await Promise.all(workers.map((w) => w.request<FloorCounts>('counts')));
  return all.reduce((a, b) => addCounts(a, b, 1));
}

function addCounts(a: FloorCounts, b: FloorCounts, sign: 1 | -1): FloorCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as Array<keyof FloorCounts>) out[k] = a[k] + sign * b[k];
  return out;
}

function diffCounts(before: FloorCounts, after: FloorCounts): FloorCounts {
  return addCounts(after, before, -1);
}

/** Waits until every frame sent has arrived, or a bounded time: what is missing then is lost. */
async function drain(workers: WorkerClient[]): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const c = await loadCounts(workers);
    if (c.agentReceived >= c.callerSent && c.callerReceived >= c.agentSent) return;
    await sleep(50);
  }
}

function summary(p: Percentiles): Pick<Percentiles, 'p50' | 'p95' | 'p99' | 'max'> {
  return { p50: round(p.p50), p95: round(p.p95), p99: round(p.p99), max: round(p.max) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
