// A real phone-agent server on loopback with Plivo as a carrier, a scripted V1 agent peer, and (when
// asked) a stand-in for Plivo's REST API; callers speak Plivo's stream protocol.
import type { LightMyRequestResponse } from 'fastify';
import { startBridge, type BridgeHarness } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import { plivoCarrier, type PlivoCarrierOptions } from '../../src/plivo/routes.js';
import { PlivoRestClient } from '../../src/plivo/rest-client.js';
import { NONCE_HEADER, SIGNATURE_HEADER, plivoSignature } from '../../src/plivo/signature.js';
import { connectPlivoCaller, type PlivoCaller, type PlivoCallerOptions } from '../../src/simulate/plivo-caller.js';
import { ApiRecorder, type RecordedRequest } from '../signalwire/api-recorder.js';

export const PUBLIC = 'https://agent.example.com';
export const STREAM_URL = 'wss://agent.example.com/plivo/media-stream';
export const AUTH_ID = 'MAZDQ1ZJIYMDZJODA1NM';
export const AUTH_TOKEN = 'plivo-test-auth-token-0123456789';
export const CALL_PATH = `/v1/Account/${AUTH_ID}/Call/`;

export interface PlivoHarness {
  bridge: BridgeHarness;
  api: ApiRecorder | undefined;
  call(options?: Partial<PlivoCallerOptions>): Promise<PlivoCaller>;
  connectedCall(options?: Partial<PlivoCallerOptions>): Promise<{ call: PlivoCaller; agent: AgentConnection }>;
  /** POSTs a form to one of the carrier's webhooks, V3-signed with `authToken` when given. */
  post(path: string, fields: Record<string, string>, authToken?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** V3 headers for a request to `url`, as Plivo sends them. */
export function signedHeaders(authToken: string, method: 'GET' | 'POST', url: string, params: Record<string, string> = {}, nonce = '1234567890') {
  return { [SIGNATURE_HEADER]: plivoSignature(authToken, method, url, nonce, params), [NONCE_HEADER]: nonce };
}

/** Answers like Plivo's Call resource: 201 with a request_uuid for a new call, 204 for a hang-up, 202 for a transfer. */
export function callAnswer(request: RecordedRequest, index: number) {
  if (request.method === 'DELETE') return { status: 204 };
  if (request.path === CALL_PATH) return { status: 201, body: { api_id: 'api-1', message: 'call fired', request_uuid: `req-${index + 1}` } };
  return { status: 202, body: { api_id: 'api-2', message: 'call transferred' } };
}

/** A REST client of the test account, pointed at a stand-in. */
export function plivoClient(api: ApiRecorder): PlivoRestClient {
  return new PlivoRestClient({ authId: AUTH_ID, authToken: AUTH_TOKEN }, { apiBaseUrl: api.url });
}

export async function startPlivo(
  options: Partial<PlivoCarrierOptions> & { api?: boolean; bridge?: Parameters<typeof startBridge>[0] } = {},
): Promise<PlivoHarness> {
  const api = options.api ? await ApiRecorder.start(callAnswer) : undefined;
  const client = options.client ?? (api && plivoClient(api));
  const carrier = plivoCarrier({ publicUrl: PUBLIC, authToken: undefined, transferNumber: undefined, ...options, client });
  const bridge = await startBridge({ ...options.bridge, carriers: [carrier] });
  const url = `${bridge.baseUrl.replace('http', 'ws')}/plivo/media-stream`;
  return {
    bridge,
    api,
    call: (o = {}) => connectPlivoCaller({ url, ...o }),
    async connectedCall(o = {}) {
      const index = bridge.agent.connections.length;
      const call = await connectPlivoCaller({ url, ...o });
      const agent = await bridge.agent.connection(index);
      await agent.waitFor((m) => m.type === 'Settings');
      return { call, agent };
    },
    post(path, fields, authToken) {
      const signed = authToken ? signedHeaders(authToken, 'POST', `${PUBLIC}${path}`, fields) : {};
      const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signed };
      return bridge.server.app.inject({ method: 'POST', url: path, headers, payload: new URLSearchParams(fields).toString() });
    },
    async close() {
      await bridge.close();
      await api?.close();
    },
  };
}
