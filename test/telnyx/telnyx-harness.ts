// A real phone-agent server on loopback with the Telnyx carrier registered and a scripted V1 agent,
// plus Telnyx's side of what a test needs: the caller, an Ed25519 key pair that signs webhooks like
// Telnyx, and a recording stand-in for api.telnyx.com.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parseEnv } from '../../src/config/env.js';
import { CallEventBus } from '../../src/domain/call.js';
import type { ServerOptions } from '../../src/server.js';
import type { VoicemailDetections } from '../../src/domain/voicemail.js';
import { telnyxCarrier } from '../../src/telnyx/carrier.js';
import type { TelnyxControl } from '../../src/telnyx/call-control.js';
import { TelnyxRestClient } from '../../src/telnyx/rest-client.js';
import { TelnyxCaller, type TelnyxCallerOptions } from '../../src/simulate/telnyx-caller.js';
import { startBridge, type BridgeHarness } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';

export const ACCOUNT = '3e6f995f-85f7-4705-9741-53b116d28237';
export const API_KEY = 'KEY0123456789ABCDEF_test';

export interface TelnyxHarness extends BridgeHarness {
  wsBase: string;
  telnyxCall(options?: Partial<TelnyxCallerOptions>): Promise<TelnyxCaller>;
  /** A call whose agent connection has received its Settings. */
  connectedTelnyxCall(options?: Partial<TelnyxCallerOptions>): Promise<{ call: TelnyxCaller; agent: AgentConnection }>;
}

export async function startTelnyxBridge(
  options: { env?: Record<string, string>; control?: TelnyxControl; detections?: VoicemailDetections; now?: () => number } & Partial<
    Omit<ServerOptions, 'env' | 'settings' | 'carriers'>
  > = {},
): Promise<TelnyxHarness> {
  const events = new CallEventBus();
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...options.env });
  const { control, detections, now, ...rest } = options;
  const h = await startBridge({ ...rest, events, carriers: [telnyxCarrier({ env, control, detections, now })] });
  const wsBase = h.baseUrl.replace('http', 'ws');
  const telnyxCall = (o: Partial<TelnyxCallerOptions> = {}) => TelnyxCaller.connect({ url: `${wsBase}/telnyx/media-stream`, ...o });
  return {
    ...h,
    wsBase,
    telnyxCall,
    async connectedTelnyxCall(o = {}) {
      const index = h.agent.connections.length;
      const call = await telnyxCall(o);
      const agent = await h.agent.connection(index);
      await agent.waitFor((m) => m.type === 'Settings');
      return { call, agent };
    },
  };
}

/** The account's signing key, as Telnyx holds it, and the public half as the portal shows it (base64). */
export function telnyxKeys(): { privateKey: KeyObject; publicKeyBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  return { privateKey, publicKeyBase64: Buffer.from(x, 'base64url').toString('base64') };
}

/** Telnyx's webhook headers for a raw body. */
export function signedHeaders(privateKey: KeyObject, body: string, timestampS = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = sign(null, Buffer.from(`${timestampS}|${body}`), privateKey).toString('base64');
  return { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': String(timestampS) };
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string;
  contentType: string;
  body: string;
}

/** A stand-in for api.telnyx.com/v2 on loopback: records every request, answers like the TeXML Calls API or with an error when told to. */
export class TelnyxApiRecorder {
  readonly requests: RecordedRequest[] = [];
  failWith: { status: number; detail: string } | undefined;
  readonly #server: Server;
  readonly #listeners = new Set<() => void>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<TelnyxApiRecorder> {
    const server = createServer();
    const recorder = new TelnyxApiRecorder(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          authorization: req.headers.authorization ?? '',
          contentType: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        };
        recorder.requests.push(request);
        const failure = recorder.failWith;
        const [status, answer] = failure
          ? [failure.status, { errors: [{ code: '90018', title: 'Error', detail: failure.detail }] }]
          : [200, { sid: 'v3:created-call', status: 'queued', account_sid: ACCOUNT }];
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        recorder.#listeners.forEach((l) => l());
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return recorder;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v2`;
  }

  client(): TelnyxRestClient {
    return new TelnyxRestClient({ apiKey: API_KEY, apiBaseUrl: this.url });
  }

  request(index: number, timeoutMs = 5000): Promise<RecordedRequest> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const r = this.requests[index];
        if (!r) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out waiting for Telnyx API request #${index}`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
