// phone-agent command line: serve | call | bench | engine.
import { loadDotEnv, parseEnv, ConfigError } from '../config/env.js';
import { loadAgentSettings } from '../config/agent-config.js';
import { buildServer } from '../server.js';
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
  let env;
  let settings;
  try {
    env = parseEnv(process.env);
    settings = loadAgentSettings(env.AGENT_CONFIG);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`phone-agent: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: env.LOG_LEVEL });
  const server = await buildServer({ env, settings, logger });
  const url = await server.listen();
  logger.info({ url, agent: env.AGENT_URL ?? (env.DEEPGRAM_API_KEY ? 'deepgram' : 'embedded') }, 'phone-agent listening');
  if (!env.TWILIO_AUTH_TOKEN) logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio signature checks are OFF');
  const shutdown = (signal: string) => {
    logger.info({ signal, activeCalls: server.sessions.size }, 'draining');
    void server.drain(30_000).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
