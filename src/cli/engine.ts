// `phone-agent engine`: the embedded Voice Agent V1 engine on its own, for any V1 client
// (another phone-agent via AGENT_URL, the Deepgram SDK pointed at it, a test rig).
import { parseArgs } from 'node:util';
import { parseEngineEnv, engineOptions } from '../engine-env.js';
import { loadDotEnv } from '../config/env.js';
import { createLogger } from '../observability/log.js';
import { startEngineServer } from '../engine/server.js';

const HELP = `usage: phone-agent engine [--host HOST] [--port PORT]

Serves the embedded voice agent engine (RNNoise, Silero VAD, pocketsphinx, the clinic dialog or an
OpenAI-compatible model, flite) at ws://HOST:PORT/v1/agent/converse. NOISE_SUPPRESSION=off leaves
RNNoise out.
  --host   listen address (default 127.0.0.1)
  --port   listen port (default 5001; 0 picks a free one)
`;

export async function engineCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5001' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: must be 0-65535, got "${values.port}"`);
  loadDotEnv();
  const env = parseEngineEnv(process.env);
  const logger = createLogger({ level: env.LOG_LEVEL });
  const server = await startEngineServer({ host: values.host, port, logger, ...engineOptions(env) });
  logger.info({ url: server.url }, 'phone-agent engine listening');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
