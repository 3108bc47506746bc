// Starts a real phone-agent server on a loopback port whose agent is a scripted V1 peer, and records
// every call event, so a test can drive both sides and read what the bridge did.
import { parseEnv } from '../../src/config/env.js';
import { loadAgentSettings } from '../../src/agent/settings-file.js';
import { buildServer, type PhoneAgentServer, type ServerOptions } from '../../src/server.js';
import { CallEventBus, type CallEvent } from '../../src/domain/call.js';
import { SimulatedCall, type SimulatedCallOptions } from '../../src/simulate/twilio-caller.js';
import { ScriptedAgent, type AgentConnection, type ScriptedAgentOptions, waitUntil } from './scripted-agent.js';

export interface BridgeHarness {
  server: PhoneAgentServer;
  agent: ScriptedAgent;
  baseUrl: string;
  events: CallEvent[];
  call(options?: Partial<SimulatedCallOptions>): Promise<SimulatedCall>;
  /** A call whose agent connection has received its Settings: both ends ready to talk. */
  connectedCall(options?: Partial<SimulatedCallOptions>): Promise<{ call: SimulatedCall; agent: AgentConnection }>;
  waitForEvent<T extends CallEvent['type']>(
    type: T,
    predicate?: (e: Extract<CallEvent, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<CallEvent, { type: T }>>;
  close(): Promise<void>;
}

export async function startBridge(
  options: { env?: Record<string, string>; agent?: ScriptedAgentOptions } & Partial<Omit<ServerOptions, 'env' | 'settings'>> = {},
): Promise<BridgeHarness> {
  const agent = await ScriptedAgent.start(options.agent);
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', AGENT_URL: agent.url, LOG_LEVEL: 'silent', ...options.env });
  const events: CallEvent[] = [];
  const listeners = new Set<() => void>();
  const bus = options.events ?? new CallEventBus();
  bus.subscribe((e) => {
    events.push(e);
    listeners.forEach((l) => l());
  });
  const server = await buildServer({ ...options, env, settings: loadAgentSettings('config/agent.json'), events: bus });
  const baseUrl = await server.listen();
  return {
    server,
    agent,
    baseUrl,
    events,
    call: (o = {}) => SimulatedCall.connect({ url: `${baseUrl.replace('http', 'ws')}/media-stream`, ...o }),
    async connectedCall(o = {}) {
      const index = agent.connections.length;
      const call = await SimulatedCall.connect({ url: `${baseUrl.replace('http', 'ws')}/media-stream`, ...o });
      const connection = await agent.connection(index);
      await connection.waitFor((m) => m.type === 'Settings');
      return { call, agent: connection };
    },
    waitForEvent: (type, predicate = () => true, timeoutMs = 5000) =>
      waitUntil(listeners, () => events.find((e) => e.type === type && predicate(e as never)) as never, timeoutMs, `call event ${type}`),
    async close() {
      await server.close();
      await agent.close();
    },
  };
}

export function randomBytes(n: number, seed = 1): Buffer {
  // Deterministic pseudo-random audio, so a failing byte comparison is reproducible.
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
