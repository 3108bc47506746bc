// phone-agent command line: serve | call | bench | engine.
import { loadDotEnv, parseEnv, ConfigError, type Env } from '../config/env.js';
import { startApp } from '../app.js';
import { createLogger } from '../observability/log.js';
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
    return exitOnConfigError(err);
  }
  const logger = createLogger({ level: env.LOG_LEVEL });
  const app = await startApp(env, { logger }).catch(exitOnConfigError);
  logger.info({ url: app.url, agent: env.AGENT_URL ?? (env.DEEPGRAM_API_KEY ? 'deepgram' : 'embedded'), store: app.store.dialect }, 'phone-agent listening');
  if (!env.TWILIO_AUTH_TOKEN) logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio signature checks are OFF');
  const shutdown = (signal: string) => {
    logger.info({ signal, activeCalls: app.server.sessions.size, drainMs: env.DRAIN_TIMEOUT_MS }, 'draining');
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
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`phone-agent: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
