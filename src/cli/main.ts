// phone-agent command line: serve | call | bench | engine.
import { loadDotEnv, parseEnv, ConfigError } from '../config/env.js';
import { startApp } from '../app.js';
import { createLogger } from '../observability/log.js';

const USAGE = `usage: phone-agent <command> [options]

commands:
  serve     run the server (what npm start runs); configured by environment variables, see README
  call      a simulated caller speaking Twilio's Media Streams protocol (see --help)
  bench     benchmark the bridge (see --help)
`;

export async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  switch (command) {
    case 'serve':
      return serve();
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
  let app;
  let logger;
  try {
    const env = parseEnv(process.env);
    logger = createLogger({ level: env.LOG_LEVEL });
    app = await startApp(env, { logger });
    logger.info({ url: app.url, agent: env.AGENT_URL ?? (env.DEEPGRAM_API_KEY ? 'deepgram' : 'embedded'), store: app.store.dialect }, 'phone-agent listening');
    if (!env.TWILIO_AUTH_TOKEN) logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio signature checks are OFF');
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`phone-agent: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const running = app;
  const log = logger;
  const shutdown = (signal: string) => {
    log.info({ signal, activeCalls: running.server.sessions.size }, 'draining');
    void running.shutdown(30_000).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
