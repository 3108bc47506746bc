// The multi-host rig of the scale-out tests: hosts (network namespaces, else loopback), one
// phone-agent per host, and on this machine the services they share, reached over the run's links:
// PostgreSQL (a database of the run's own, relayed from loopback), a redis-server of the run's own, a
// scripted agent, and HAProxy in front with health checks on /readyz. Everything it makes is undone
// by the test's `after`, in reverse order, whether the test passed or not.
import type { TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import { makeHosts, loopbackHosts, type Hosts } from '../../bench/lib/hosts.js';
import { Balancer, haproxyMissing } from '../../bench/lib/haproxy.js';
import { RedisServer } from '../../bench/lib/redis-server.js';
import { forwardTcp } from '../../bench/lib/tcp-forward.js';
import { startFleet, type Instance } from '../../bench/lib/fleet.js';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import { dialects } from '../store/databases.js';

export const AUTH_TOKEN = 'scale-out-auth-token';
export const ADMIN_TOKEN = 'scale-out-admin-token';
/** What the carrier is told to reach; the test connects to HAProxy and signs for this. */
export const PUBLIC_URL = 'https://phone-agent.test';
/** The call registry's heartbeat TTL on every instance: short, so a lost instance is noticed quickly. */
export const REGISTRY_TTL_MS = 1000;

export interface Rig {
  hosts: Hosts;
  instances: Instance[];
  balancer: Balancer;
  redis: RedisServer;
  agent: ScriptedAgent;
  /** The run's database as this process reaches it. */
  databaseUrl: string;
}

/** Why the rig cannot run here at all, or undefined. */
export function rigMissing(): string | undefined {
  if (dialects.find((d) => d.name === 'postgres')!.skip) return 'PostgreSQL tests are skipped (SKIP_POSTGRES_TESTS=1)';
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed (Debian package redis-server)';
  return haproxyMissing();
}

/** SCALE_OUT_HOSTS=loopback runs the loopback variant even where namespaces can be made. */
async function hostsFor(t: TestContext, count: number): Promise<Hosts> {
  if (process.env.SCALE_OUT_HOSTS === 'loopback') return loopbackHosts(count);
  const { hosts, whyLoopback } = await makeHosts(count);
  if (whyLoopback) t.diagnostic(`instances on loopback ports: ${whyLoopback}`);
  return hosts;
}

export async function startRig(t: TestContext, count: number, extraEnv: Record<string, string> = {}): Promise<Rig> {
  const undo: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const step of undo.reverse()) await step().catch((err: unknown) => t.diagnostic(`cleanup: ${String(err)}`));
  });

  const hosts = await hostsFor(t, count);
  undo.push(() => hosts.close());
  const db = await dialects.find((d) => d.name === 'postgres')!.create();
  undo.push(() => db.drop());
  const databaseUrl = new URL(db.url);
  if (hosts.kind === 'namespaces') {
    const relay = await forwardTcp(hosts.serviceAddress, { host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432) });
    undo.push(() => relay.close());
    databaseUrl.hostname = hosts.serviceAddress;
    databaseUrl.port = String(relay.port);
  }
  const redis = await RedisServer.start([hosts.serviceAddress]);
  undo.push(() => redis.stop());
  const agent = await ScriptedAgent.start({ host: hosts.serviceAddress });
  undo.push(() => agent.close());

  const instances = await startFleet(hosts, () => ({
    AGENT_URL: agent.url,
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redis.urlAt(hosts.serviceAddress),
    REGISTRY_TTL_MS: String(REGISTRY_TTL_MS),
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    PUBLIC_URL,
    ADMIN_TOKEN,
    // HAProxy reaches the instances from this machine's end of the link: its X-Forwarded-For counts.
    TRUST_PROXY: hosts.kind === 'namespaces' ? hosts.serviceAddress : 'loopback',
    IDLE_PROMPT_MS: '0',
    DRAIN_TIMEOUT_MS: '30000',
    ...extraEnv,
  }));
  undo.push(() => Promise.all(instances.map((i) => i.kill())));
  const balancer = await Balancer.start(instances.map((i) => i.backend));
  undo.push(() => balancer.stop());
  for (const instance of instances) await balancer.waitForStatus(instance.id, 'UP');
  return { hosts, instances, balancer, redis, agent, databaseUrl: db.url };
}
