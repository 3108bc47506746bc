// A stand-in for api.nexmo.com on loopback: records every Voice API request (method, path, JSON body,
// the bearer JWT and whether it verifies with the application's public key) and answers like Vonage,
// or with an RFC 7807 problem when told to. Tests point the client here with { apiBaseUrl }.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { VonageClient } from '../../src/vonage/rest-client.js';

export const APPLICATION_ID = '0f9e4a1c-5d1b-4e4b-9d62-3c1a2b3c4d5e';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  /** The JWT's header and claims, and whether its RS256 signature verifies with the application's public key. */
  jwt: { header: Record<string, unknown>; claims: Record<string, unknown>; verified: boolean } | undefined;
}

export class VonageApiRecorder {
  readonly requests: RecordedRequest[] = [];
  readonly privateKey: KeyObject;
  /** When set, the next requests fail with this HTTP status and problem. */
  failWith: { status: number; title: string; detail: string } | undefined;
  readonly #publicKey: KeyObject;
  readonly #server: Server;
  readonly #listeners = new Set<() => void>();

  private constructor(server: Server) {
    this.#server = server;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.#publicKey = publicKey;
  }

  static async start(): Promise<VonageApiRecorder> {
    const server = createServer();
    const recorder = new VonageApiRecorder(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const request: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          body: text ? JSON.parse(text) : undefined,
          jwt: recorder.#readJwt(req.headers.authorization),
        };
        recorder.requests.push(request);
        const { status, body } = recorder.#answer(request);
        res.writeHead(status, body ? { 'content-type': 'application/json' } : {}).end(body ? JSON.stringify(body) : undefined);
        recorder.#listeners.forEach((l) => l());
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return recorder;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  client(): VonageClient {
    return new VonageClient({ applicationId: APPLICATION_ID, privateKey: this.privateKey }, { apiBaseUrl: this.url });
  }

  /** Resolves with the n-th request (from 0) once it has arrived. */
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
        reject(new Error(`timed out waiting for Vonage API request #${index}`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #readJwt(authorization: string | undefined): RecordedRequest['jwt'] {
    const [header, claims, signature] = (authorization ?? '').replace(/^Bearer /, '').split('.');
    if (!header || !claims || signature === undefined) return undefined;
    const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    const verified = verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), this.#publicKey, Buffer.from(signature, 'base64url'));
    return { header: json(header), claims: json(claims), verified };
  }

  #answer(request: RecordedRequest): { status: number; body?: object } {
    if (this.failWith) {
      const { status, title, detail } = this.failWith;
      return { status, body: { type: 'https://developer.nexmo.com/api-errors', title, detail } };
    }
    if (request.method === 'POST' && request.path === '/v1/calls') {
      return { status: 201, body: { uuid: '11111111-2222-3333-4444-555555555555', status: 'started', direction: 'outbound', conversation_uuid: 'CON-0001' } };
    }
    return { status: 204 };
  }
}
