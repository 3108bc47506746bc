// A stand-in for a carrier's REST API on loopback: records every request (method, path, Basic-auth
// user and password, content type, the form fields or JSON body) and answers with what the test's
// `answer` function says, or with an error when told to. Carrier REST clients are pointed here
// through their apiBaseUrl option. Plivo's tests use it too (it belongs in test/helpers).
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  user: string;
  password: string;
  contentType: string;
  /** Form fields in order (a field sent several times appears several times); empty for other bodies. */
  form: Array<[string, string]>;
  /** The parsed JSON body, when the request sent one. */
  json: unknown;
}

export interface ApiAnswer {
  status: number;
  body?: object;
}

export class ApiRecorder {
  readonly requests: RecordedRequest[] = [];
  /** When set, every request fails with this answer. */
  failWith: ApiAnswer | undefined;
  readonly #server: Server;
  readonly #listeners = new Set<() => void>();

  private constructor(
    server: Server,
    private readonly answer: (request: RecordedRequest, index: number) => ApiAnswer,
  ) {
    this.#server = server;
  }

  static async start(answer: (request: RecordedRequest, index: number) => ApiAnswer): Promise<ApiRecorder> {
    const server = createServer();
    const recorder = new ApiRecorder(server, answer);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [user = '', password = ''] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = req.headers['content-type'] ?? '';
        const request: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          user,
          password,
          contentType,
          form: contentType.startsWith('application/x-www-form-urlencoded') ? [...new URLSearchParams(text)] : [],
          json: contentType.startsWith('application/json') && text ? JSON.parse(text) : undefined,
        };
        recorder.requests.push(request);
        const { status, body } = recorder.failWith ?? recorder.answer(request, recorder.requests.length - 1);
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
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
        reject(new Error(`timed out waiting for API request #${index}`));
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
