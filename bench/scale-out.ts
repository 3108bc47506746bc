// Scale-out: N calls through HAProxy (deploy/haproxy.cfg) to K phone-agent instances, each on a host of
// its own (network namespaces on a bridge the bench makes, else loopback ports), sharing a redis-server
// of the bench's own. Each instance's agent is an echo peer of its own, so every figure is per
// instance: the calls it carried, the caller frames it lost, and the latency it and the balancer add
// to a caller's frame on its way to the agent (less the bench's own cost, measured first by dialling an
// echo peer directly). The agent's frames back to the callers are counted and timed over all instances.
//   node dist/bench/scale-out.js [--calls 60] [--instances 3] [--duration 10] [--warmup 2] [--baseline 3] [--hosts auto|loopback]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { EchoPeer, type PeerReport } from '../src/bench/echo-peer.js';
import { LoadDriver, type DriverReport } from '../src/bench/load-driver.js';
import { percentiles, type Percentiles } from '../src/bench/latency-samples.js';
import { added } from '../src/bench/bridge-bench.js';
import { loopbackHosts, makeHosts, type Hosts } from './lib/hosts.js';
import { Balancer } from './lib/haproxy.js';
import { RedisServer } from './lib/redis-server.js';
import { startFleet, type Instance } from './lib/fleet.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '60' },
    instances: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    baseline: { type: 'string', default: '3' },
    hosts: { type: 'string', default: 'auto' },
  },
});
const calls = Number(values.calls);
const instanceCount = Number(values.instances);
const [durationS, warmupS, baselineS] = [Number(values.duration), Number(values.warmup), Number(values.baseline)];
const DRAIN_TIMEOUT_MS = 5000;
const HANGUP_TIMEOUT_MS = 15_000;

interface Run {
  driver: DriverReport;
  peers: PeerReport[];
}

/** Connects every call, warms up, measures for `seconds`, then lets what is in flight arrive and hangs up. */
async function drive(url: string, peers: EchoPeer[], seconds: number): Promise<Run> {
  const driver = new LoadDriver({ url, first: 0, count: calls, onsetEveryFrames: 0 });
  log(`  ${await driver.connect()} of ${calls} calls connected; warming up ${warmupS} s, measuring ${seconds} s`);
  driver.setPhase('warmup');
  await sleep(warmupS * 1000);
  driver.setPhase('measure');
  await sleep(seconds * 1000);
  driver.setPhase('quiet');
  for (const deadline = Date.now() + DRAIN_TIMEOUT_MS; Date.now() < deadline; await sleep(100)) {
    const sent = driver.counts();
    const counts = peers.map((p) => p.counts());
    const arrived = counts.reduce((n, c) => n + c.inboundReceived, 0) >= sent.inboundSent;
    if (arrived && sent.outboundReceived >= counts.reduce((n, c) => n + c.outboundSent, 0)) break;
  }
  return { driver: await driver.hangUp(HANGUP_TIMEOUT_MS), peers: peers.map((p) => p.report()) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const summary = (p: Percentiles) => ({ p50: round(p.p50), p99: round(p.p99), max: round(p.max) });

async function baseline(): Promise<{ inbound: Percentiles; outbound: Percentiles }> {
  log(`baseline: ${calls} calls straight to an echo peer for ${baselineS} s`);
  const peer = await EchoPeer.start({ mode: 'twilio', bargeInEveryMs: 0 });
  try {
    const run = await drive(peer.url, [peer], baselineS);
    return { inbound: percentiles([run.peers[0]!.inboundLatencyMs]), outbound: percentiles([run.driver.outboundLatencyMs]) };
  } finally {
    await peer.close();
  }
}

async function throughBalancer(hosts: Hosts, base: Awaited<ReturnType<typeof baseline>>): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'phone-agent-scale-out-'));
  const peers: EchoPeer[] = [];
  let redis: RedisServer | undefined;
  let fleet: Instance[] = [];
  let balancer: Balancer | undefined;
  try {
    redis = await RedisServer.start([hosts.serviceAddress]);
    for (let i = 0; i < instanceCount; i++) peers.push(await EchoPeer.start({ mode: 'agent', bargeInEveryMs: 0, host: hosts.serviceAddress }));
    const redisUrl = redis.urlAt(hosts.serviceAddress);
    fleet = await startFleet(hosts, (i) => ({
      AGENT_URL: peers[i]!.url,
      DATABASE_URL: join(dataDir, `host-${i + 1}.db`),
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'warn',
      TRUST_PROXY: hosts.kind === 'namespaces' ? hosts.serviceAddress : 'loopback',
      RATE_LIMIT_BURST: '1000000',
      RATE_LIMIT_PER_SECOND: '1000000',
    }));
    balancer = await Balancer.start(fleet.map((i) => i.backend), 1000);
    for (const instance of fleet) await balancer.waitForStatus(instance.id, 'UP');
    log(`${calls} calls through HAProxy to ${instanceCount} instances on ${hosts.kind === 'namespaces' ? 'network namespaces' : 'loopback ports'}`);
    const run = await drive(`${balancer.url.replace('http', 'ws')}/media-stream`, peers, durationS);
    const lost = fleet.filter((i) => !i.alive).map((i) => i.id);
    if (lost.length > 0) throw new Error(`instances died under load: ${lost.join(', ')}`);

    const sentBy = run.driver.framesSentPerCall;
    const perInstance = fleet.map((instance, i) => {
      const peer = run.peers[i]!;
      const sent = peer.calls.reduce((n, call) => n + (sentBy[call] ?? 0), 0);
      const latency = percentiles([peer.inboundLatencyMs]);
      return {
        instance: instance.id,
        address: `${instance.address}:${instance.port}`,
        calls: peer.calls.length,
        frames_sent: sent,
        frames_lost: sent - peer.inboundReceived,
        sequence_breaks: peer.inboundBreaks,
        latency_ms: summary(latency),
        added_latency_ms: added(latency, base.inbound),
      };
    });
    // Calls that never got a frame to any peer were carried by no instance.
    const carried = new Set(run.peers.flatMap((p) => p.calls));
    const outboundSent = run.peers.reduce((n, p) => n + p.outboundSent, 0);
    const outbound = percentiles([run.driver.outboundLatencyMs]);
    return {
      hosts: hosts.kind,
      calls,
      instances: instanceCount,
      duration_s: durationS,
      connected: run.driver.connected,
      completed: run.driver.completed,
      calls_carried_by_no_instance: calls - carried.size,
      per_instance: perInstance,
      outbound: {
        frames_sent: outboundSent,
        frames_lost: outboundSent - run.driver.outboundReceived,
        latency_ms: summary(outbound),
        added_latency_ms: added(outbound, base.outbound),
      },
      baseline: { duration_s: baselineS, inbound_latency_ms: summary(base.inbound), outbound_latency_ms: summary(base.outbound) },
      driver_late_ticks: run.driver.lateTicks,
      failures: run.driver.failures.slice(0, 10),
    };
  } finally {
    await balancer?.stop();
    await Promise.all(fleet.map((i) => i.kill()));
    await Promise.all(peers.map((p) => p.close()));
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const base = await baseline();
const { hosts, whyLoopback } =
  values.hosts === 'loopback' ? { hosts: loopbackHosts(instanceCount), whyLoopback: undefined } : await makeHosts(instanceCount);
if (whyLoopback) log(`instances on loopback ports: ${whyLoopback}`);
let result: Record<string, unknown>;
try {
  result = await throughBalancer(hosts, base);
} finally {
  await hosts.close();
}
type Row = { instance: string; calls: number; frames_sent: number; frames_lost: number; added_latency_ms: { p50: number; p99: number } };
for (const r of result.per_instance as Row[]) {
  const latency = `added latency p50 ${r.added_latency_ms.p50} ms p99 ${r.added_latency_ms.p99} ms`;
  log(`  ${r.instance}: ${r.calls} calls, ${r.frames_lost} of ${r.frames_sent} caller frames lost, ${latency}`);
}
const command = `node dist/bench/scale-out.js --calls ${calls} --instances ${instanceCount} --duration ${durationS} --hosts ${values.hosts}`;
log(`results: ${writeResults(`scale-out-${hosts.kind}`, command, result)}`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
