// A real phone-agent server on loopback with SignalWire as a carrier, a scripted V1 agent peer, and
// (when asked) a stand-in for SignalWire's REST API; callers speak SignalWire's stream protocol.
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { createLogger, type Logger } from '../../src/observability/log.js';
import { startBridge, type BridgeHarness } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import { signalWireCarrier, type SignalWireCarrierOptions } from '../../src/signalwire/routes.js';
import { SignalWireRestClient } from '../../src/signalwire/rest-client.js';
import { signalWireSignature } from '../../src/signalwire/signature.js';
import { connectSignalWireCaller, type SignalWireCaller, type SignalWireCallerOptions } from '../../src/simulate/signalwire-caller.js';
import { ApiRecorder, type RecordedRequest } from './api-recorder.js';

export const PUBLIC = 'https://agent.example.com';
export const SIGNING_KEY = 'PSKtest0123456789abcdef0123456789';
export const PROJECT_ID = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
export const API_TOKEN = 'PTtest-api-token';
export const SPACE = 'example.signalwire.com';
export const CALLS_PATH = `/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls`;

export interface SignalWireHarness {
  bridge: BridgeHarness;
  /** The REST stand-in, when the harness was started with `api: true`. */
  api: ApiRecorder | undefined;
  call(options?: Partial<SignalWireCallerOptions>): Promise<SignalWireCaller>;
  /** A call whose agent connection has received its Settings: both ends ready to talk. */
  connectedCall(options?: Partial<SignalWireCallerOptions>): Promise<{ call: SignalWireCaller; agent: AgentConnection }>;
  /** POSTs a form to one of the carrier's webhooks, signed with `signingKey` when given. */
  post(path: string, fields: Record<string, string>, signingKey?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Answers like SignalWire's Calls resource: a call object for the sid in the path, or a new one. */
export function callsAnswer(request: RecordedRequest, index: number) {
  const sid = /\/Calls\/([^/]+)$/.exec(request.path)?.[1] ?? `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;
  const status = new Map(request.form).get('Status') ?? (request.path.endsWith('/Calls') ? 'queued' : 'in-progress');
  return { status: request.path.endsWith('/Calls') ? 201 : 200, body: { sid, status } };
}

/** A REST client of the test project, pointed at a stand-in. */
export function signalWireClient(api: ApiRecorder): SignalWireRestClient {
  return new SignalWireRestClient({ projectId: PROJECT_ID, apiToken: API_TOKEN, spaceUrl: SPACE }, { apiBaseUrl: api.url });
}

export async function startSignalWire(
  options: Partial<SignalWireCarrierOptions> & { api?: boolean; bridge?: Parameters<typeof startBridge>[0] } = {},
): Promise<SignalWireHarness> {
  const api = options.api ? await ApiRecorder.start(callsAnswer) : undefined;
  const client = options.client ?? (api && signalWireClient(api));
  const carrier = signalWireCarrier({ publicUrl: PUBLIC, signingKey: undefined, transferNumber: undefined, ...options, client });
  const bridge = await startBridge({ ...options.bridge, carriers: [carrier] });
  const url = `${bridge.baseUrl.replace('http', 'ws')}/signalwire/media-stream`;
  return {
    bridge,
    api,
    call: (o = {}) => connectSignalWireCaller({ url, ...o }),
    async connectedCall(o = {}) {
      const index = bridge.agent.connections.length;
      const call = await connectSignalWireCaller({ url, ...o });
      const agent = await bridge.agent.connection(index);
      await agent.waitFor((m) => m.type === 'Settings');
      return { call, agent };
    },
    post(path, fields, signingKey) {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (signingKey) headers['x-signalwire-signature'] = signalWireSignature(signingKey, `${PUBLIC}${path}`, fields);
      return bridge.server.app.inject({ method: 'POST', url: path, headers, payload: new URLSearchParams(fields).toString() });
    },
    async close() {
      await bridge.close();
      await api?.close();
    },
  };
}

/** A logger whose lines a test can read back. */
export function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info' }, sink), lines };
}
