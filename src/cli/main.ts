// phone-agent command line: serve | call | bench | engine.
import { loadDotEnv, parseEnv, ConfigError, type Env } from '../config/env.js';
import { startApp } from '../app.js';
import cluster from 'node:cluster';
import { createLogger, type Logger } from '../observability/log.js';
import { PrimaryLink } from '../cluster/primary-link.js';
import { startClusterPrimary } from '../cluster/primary.js';
import { storeDialect } from '../store/index.js';
import { callCommand } from './call.js';

const USAGE = `usage: phone-agent <command> [options]

commands:
  serve     run the server (what npm start runs); configured by environment variables, see README
  call      a simulated caller speaking Twilio's Media Streams protocol (see --help)
  bench     benchmark the bridge (see --help)
  engine    the embedded voice agent engine alone, a Voice Agent V1 server (see --help)
`;

export async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'bench':
      return (await import('./bench.js')).bench(argv.slice(1));
    case 'call':
      return callCommand(argv.slice(1));
    case 'engine':
      return (await import('./engine.js')).engineCommand(argv.slice(1));
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}`);
      process.exitCode = 2;
  }
}

async function serve(): Promise<void> {
  loadDotEnv();
  let env: Env;
  try {
    env = parseEnv(process.env);
  } catch (err) {
    return exitOnStartupError(err);
  }
  const root = createLogger({ level: env.LOG_LEVEL });
  if (cluster.isPrimary && env.WORKERS > 1) return servePrimary(env, root);
  const link = cluster.isWorker ? new PrimaryLink() : undefined;
  const logger = cluster.isWorker ? root.child({ worker: cluster.worker!.id }) : root;
  const app = await startApp(env, { logger, cluster: link, worker: cluster.worker?.id }).catch(exitOnStartupError);
  if (link) link.listening(app.url);
  else announce(env, logger, app.url);
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, activeCalls: app.server.sessions.size, drainMs: env.DRAIN_TIMEOUT_MS }, 'draining');
    void app.shutdown(env.DRAIN_TIMEOUT_MS).then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // A worker hears Ctrl-C from the terminal and SIGTERM from its primary: the first one drains, the rest wait.
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // New agent definitions for new calls; the log says what was loaded or why nothing changed.
  process.on('SIGHUP', () => void app.reloadAgents());
  // A worker whose primary is gone would serve on with no one to replace or drain it.
  if (link) process.on('disconnect', () => shutdown('cluster primary gone'));
}

/** WORKERS > 1: this process forks the workers and keeps what they share (src/cluster/primary.ts). */
async function servePrimary(env: Env, logger: Logger): Promise<void> {
  const primary = await startClusterPrimary(env, logger).catch(exitOnStartupError);
  const stop = (signal: NodeJS.Signals) =>
    void primary.shutdown(signal).then((code) => {
      logger.info({ code }, 'every worker has stopped');
      process.exit(code);
    });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => primary.reloadAgents());
  try {
    announce(env, logger, await primary.ready);
  } catch (err) {
    logger.error({ err }, 'phone-agent could not start its workers');
    await primary.shutdown('SIGTERM');
    process.exit(1);
  }
}

function announce(env: Env, logger: Logger, url: string): void {
  const agent = env.AGENT_URL ?? (env.DEEPGRAM_API_KEY ? 'deepgram' : 'embedded');
  logger.info({ url, agent, store: storeDialect(env.DATABASE_URL), workers: env.WORKERS }, 'phone-agent listening');
  if (!env.TWILIO_AUTH_TOKEN) logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio signature checks are OFF');
}

/** Startup problems a user can fix get one plain line; anything else is a bug and keeps its stack. */
function exitOnStartupError(err: unknown): never {
  // A failed listen names its own address and port.
  const { code, address, port } = (err ?? {}) as NodeJS.ErrnoException & { address?: string; port?: number };
  const reason = code === 'EADDRINUSE' ? 'the address is in use (another server is running there?)' : 'permission denied';
  const message =
    err instanceof ConfigError
      ? err.message
      : code === 'EADDRINUSE' || code === 'EACCES'
        ? `cannot listen on HOST ${address} PORT ${port}: ${reason}`
        : undefined;
  if (message === undefined) throw err;
  process.stderr.write(`phone-agent: ${message}\n`);
  process.exit(1);
}
