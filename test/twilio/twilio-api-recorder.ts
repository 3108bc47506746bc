// A stand-in for api.twilio.com on loopback: records every REST request the twilio SDK makes (method,
// path, Basic-auth user, form fields) and answers like Twilio's Calls resource, or with a Twilio-style
// error when told to. Tests point the SDK here with createTwilioClient(..., { apiBaseUrl }).
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createTwilioClient, type TwilioClient } from '../../src/twilio/rest-client.js';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The Basic-auth user name (the account SID). */
  user: string;
  /** Form fields in order; a field sent several times appears several times. */
  form: Array<[string, string]>;
}

export class TwilioApiRecorder {
  readonly requests: RecordedRequest[] = [];
  /** When set, the next requests fail with this HTTP status and a Twilio error body. */
  failWith: { status: number; code: number; message: string } | undefined;
  readonly #server: Server;
  readonly #listeners = new Set<() => void>();
  #calls = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<TwilioApiRecorder> {
    const server = createServer();
    const recorder = new TwilioApiRecorder(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
        const request: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          user: auth.split(':')[0] ?? '',
          form: [...new URLSearchParams(Buffer.concat(chunks).toString('utf8'))],
        };
        recorder.requests.push(request);
        const { status, body } = recorder.#answer(request);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
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

  client(): TwilioClient {
    return createTwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { apiBaseUrl: this.url });
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
        reject(new Error(`timed out waiting for Twilio API request #${index}`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #answer(request: RecordedRequest): { status: number; body: object } {
    if (this.failWith) {
      const { status, code, message } = this.failWith;
      return { status, body: { code, message, status } };
    }
    const form = new Map(request.form);
    const existing = /\/Calls\/(CA[^/.]+)\.json$/.exec(request.path)?.[1];
    const sid = existing ?? `CA${String(++this.#calls).padStart(32, '0')}`;
    return {
      status: existing ? 200 : 201,
      body: {
        sid,
        account_sid: ACCOUNT_SID,
        to: form.get('To') ?? null,
        from: form.get('From') ?? null,
        status: form.get('Status') ?? (existing ? 'in-progress' : 'queued'),
      },
    };
  }
}

/** The form fields of a request as an object (last value wins), for one-line comparisons. */
export function formOf(request: RecordedRequest): Record<string, string> {
  return Object.fromEntries(request.form);
}
