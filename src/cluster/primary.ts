// `phone-agent serve` with WORKERS > 1: this process serves no call itself. It checks the configuration
// and migrates the store once, forks the workers (node:cluster hands each new connection to one of them,
// round robin, so a call's sockets live and die in one worker), replaces a worker that dies, keeps the
// state that must be one for the whole server (see messages.ts), and drains every worker on SIGTERM.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Env } from '../config/env.js';
import { loadAgentsFromEnv } from '../agents/definitions.js';
import { openStore } from '../store/index.js';
import { errorMessage } from '../observability/error-message.js';
import type { Logger } from '../observability/log.js';
import { SoftphoneTickets } from '../twilio/softphone-tickets.js';
import { isClusterMessage, type ToPrimary, type ToWorker } from './messages.js';

/** A worker that dies is replaced after this pause, so a crash loop does not spin the CPU. */
const RESPAWN_DELAY_MS = 1_000;
/** After DRAIN_TIMEOUT_MS, workers get this long to flush their records before they are killed. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface ClusterPrimary {
  /** Resolves with the server's URL once every worker is listening; rejects if one fails to start. */
  ready: Promise<string>;
  /** Drains every worker (SIGTERM), resolves with the exit code for the primary; later calls share the first. */
  shutdown(signal: NodeJS.Signals): Promise<number>;
  /** Each worker reads the agent definitions again (SIGHUP), and keeps its own when they are invalid. */
  reloadAgents(): void;
}

export async function startClusterPrimary(env: Env, logger: Logger): Promise<ClusterPrimary> {
  // Configuration errors are reported once, here, rather than once per worker.
  loadAgentsFromEnv(env);
  // Migrations run once before any worker opens the store, so workers never race to migrate.
  await (await openStore(env.DATABASE_URL, { logger })).close();

  const tickets = new SoftphoneTickets();
  const metrics = new AggregatorRegistry();
  const listening = new Set<Worker>();
  let stopping = false;
  let stopped: Promise<number> | undefined;
  let uncleanExits = 0;
  let settleReady: { resolve: (url: string) => void; reject: (err: Error) => void };
  const ready = new Promise<string>((resolve, reject) => (settleReady = { resolve, reject }));
  let url: string | undefined;

  const answer = async (worker: Worker, message: Extract<ToPrimary, { pa: 'request' }>): Promise<void> => {
    let reply: ToWorker;
    try {
      const value =
        message.op === 'ticket.issue' ? tickets.issue() : message.op === 'ticket.redeem' ? tickets.redeem(message.arg ?? '') : await metrics.clusterMetrics();
      reply = { pa: 'reply', id: message.id, ok: true, value };
    } catch (err) {
      reply = { pa: 'reply', id: message.id, ok: false, error: errorMessage(err) };
    }
    if (worker.isConnected()) worker.send(reply);
  };

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage<ToPrimary>(message)) return;
      if (message.pa === 'request') void answer(worker, message);
      else if (message.pa === 'event') {
        for (const other of Object.values(cluster.workers ?? {})) if (other && other !== worker && other.isConnected()) other.send(message);
      } else if (message.pa === 'listening') {
        listening.add(worker);
        if (url) logger.info({ worker: worker.id }, 'replacement worker serving');
        else if (listening.size === env.WORKERS) {
          url = message.url;
          settleReady.resolve(url);
        }
      }
    });
    worker.on('exit', (code, signal) => {
      const wasServing = listening.delete(worker);
      if (stopping) {
        // A serving worker that did not drain cleanly (or was killed at the deadline) makes the shutdown
        // unclean; one still starting up had no calls to lose.
        if (code !== 0 && wasServing) uncleanExits++;
        return;
      }
      if (!wasServing && !url) {
        // It never came up: the next one would fail the same way.
        settleReady.reject(new Error(`worker ${worker.id} exited during startup (${signal ?? `code ${code}`})`));
        return;
      }
      logger.error({ worker: worker.id, code, signal }, 'a worker died; its calls are lost; starting a replacement');
      setTimeout(() => {
        if (!stopping) fork();
      }, RESPAWN_DELAY_MS).unref();
    });
    return worker;
  };

  for (let i = 0; i < env.WORKERS; i++) fork();

  return {
    ready,
    reloadAgents() {
      for (const w of Object.values(cluster.workers ?? {})) if (w && !w.isDead()) w.process.kill('SIGHUP');
    },
    shutdown(signal) {
      return (stopped ??= (async () => {
        stopping = true;
        const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
        logger.info({ signal, workers: workers.length, drainMs: env.DRAIN_TIMEOUT_MS }, 'draining workers');
        const exits = workers.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
        for (const w of workers) w.process.kill('SIGTERM');
        const killer = setTimeout(() => {
          for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
        }, env.DRAIN_TIMEOUT_MS + SHUTDOWN_GRACE_MS);
        await Promise.all(exits);
        clearTimeout(killer);
        return uncleanExits === 0 ? 0 : 1;
      })());
    },
  };
}
