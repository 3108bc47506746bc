// HAProxy (Debian's package) in front of a run's instances, configured by deploy/haproxy.cfg itself:
// the run only puts in its own loopback bind addresses, its servers, and a faster health check, so
// what the tests prove is what the deployment ships.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT, freePort } from '../../src/bench/server-process.js';

export const DEPLOY_CONFIG = join(PACKAGE_ROOT, 'deploy/haproxy.cfg');

export interface BackendServer {
  name: string;
  address: string;
  port: number;
}

export interface ConfigOverrides {
  bind: string;
  statsBind: string;
  servers: BackendServer[];
  /** Health-check interval: the deployment's second is slow for a test. */
  checkIntervalMs: number;
}

/** Which HAProxy binary, or why there is none. */
export function haproxyMissing(): string | undefined {
  return spawnSync('haproxy', ['-v']).status === 0 ? undefined : 'haproxy is not installed (Debian package haproxy)';
}

/** deploy/haproxy.cfg with the run's addresses: binds, servers and check timing replaced, Docker's resolvers dropped. */
export function renderConfig(template: string, overrides: ConfigOverrides): string {
  const out: string[] = [];
  let section = '';
  for (const line of template.split('\n')) {
    if (/^\S/.test(line) && !line.startsWith('#')) section = line.trim();
    if (section.startsWith('resolvers')) continue;
    const directive = line.trim().split(/\s+/)[0];
    if (section === 'frontend phone_agent' && directive === 'bind') out.push(`    bind ${overrides.bind}`);
    else if (section === 'frontend stats' && directive === 'bind') out.push(`    bind ${overrides.statsBind}`);
    else if (section === 'backend phone_agents' && directive === 'default-server') {
      const inter = overrides.checkIntervalMs;
      out.push(`    default-server check inter ${inter}ms fastinter ${inter}ms fall 1 rise 1`);
      for (const s of overrides.servers) out.push(`    server ${s.name} ${s.address}:${s.port}`);
    } else if (section === 'backend phone_agents' && directive === 'server') continue;
    else out.push(line);
  }
  return out.join('\n');
}

/** One server's line of HAProxy's statistics: its health and how many sessions it has had. */
export interface ServerStats {
  status: string;
  /** Sessions (HTTP requests and streams) sent to it so far. */
  total: number;
  current: number;
}

export class Balancer {
  readonly url: string;
  readonly #statsUrl: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #output = '';

  private constructor(child: ChildProcess, url: string, statsUrl: string, dir: string) {
    this.#child = child;
    this.url = url;
    this.#statsUrl = statsUrl;
    this.#dir = dir;
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString('utf8')).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  static async start(servers: BackendServer[], checkIntervalMs = 200): Promise<Balancer> {
    const [port, statsPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'phone-agent-haproxy-'));
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(
      config,
      renderConfig(readFileSync(DEPLOY_CONFIG, 'utf8'), { bind: `127.0.0.1:${port}`, statsBind: `127.0.0.1:${statsPort}`, servers, checkIntervalMs }),
    );
    // -db: in the foreground, so it is this child and ends with it.
    const child = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const balancer = new Balancer(child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${statsPort}/stats;csv`, dir);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) break;
      try {
        await balancer.stats();
        return balancer;
      } catch {
        await sleep(50);
      }
    }
    await balancer.stop();
    throw new Error(`haproxy did not start: ${balancer.#output}`);
  }

  /** HAProxy's own view of each server, by name. */
  async stats(): Promise<Map<string, ServerStats>> {
    const text = await (await fetch(this.#statsUrl)).text();
    const [header, ...rows] = text.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    const servers = new Map<string, ServerStats>();
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[at('pxname')] !== 'phone_agents' || ['FRONTEND', 'BACKEND'].includes(cells[at('svname')]!)) continue;
      servers.set(cells[at('svname')]!, { status: cells[at('status')]!, total: Number(cells[at('stot')]), current: Number(cells[at('scur')]) });
    }
    return servers;
  }

  /** Waits until HAProxy reports `server` in `status` (UP, DOWN...), or throws after `timeoutMs`. */
  async waitForStatus(server: string, status: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen: string | undefined;
    while (Date.now() < deadline) {
      seen = (await this.stats()).get(server)?.status;
      if (seen === status) return;
      await sleep(50);
    }
    throw new Error(`haproxy still reports ${server} as ${seen ?? 'unknown'}, not ${status}`);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = once(this.#child, 'exit');
      this.#child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
