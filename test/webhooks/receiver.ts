// A post-call report receiver on loopback, as an EHR or CRM would run one: it checks each report's
// signature the way README tells receivers to, keeps what it was sent, and can be taken down and
// brought back up on the same port, or made to answer with an error or not at all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signatureProblem } from '../../src/webhooks/signature.js';
import type { CallReport } from '../../src/webhooks/call-report.js';

export interface ReceivedReport {
  key: string;
  report: CallReport;
  /** Why the signature was refused, or undefined when it was good. */
  signatureProblem: string | undefined;
  headers: IncomingMessage['headers'];
}

export type Behaviour = 'accept' | 'error' | 'hang';

export class ReportReceiver {
  readonly received: ReceivedReport[] = [];
  behaviour: Behaviour = 'accept';
  #server: Server | undefined;
  #port = 0;
  readonly #hanging = new Set<ServerResponse>();
  readonly #listeners = new Set<() => void>();

  private constructor(private readonly secret: string) {}

  static async start(secret: string): Promise<ReportReceiver> {
    const receiver = new ReportReceiver(secret);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/calls`;
  }

  /** Listens (again, on the same port once it has one). */
  async up(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.listen(this.#port, '127.0.0.1');
    await once(server, 'listening');
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening: senders get connection refused. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `probe` holds, checked on every report received. */
  waitFor(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (probe()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}; received ${this.received.length} reports`));
      }, timeoutMs);
      const check = () => {
        if (!probe()) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve();
      };
      this.#listeners.add(check);
    });
  }

  keys(): string[] {
    return this.received.map((r) => r.key);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.behaviour === 'hang') {
      this.#hanging.add(res);
      return;
    }
    if (this.behaviour === 'error') {
      res.writeHead(503).end('busy');
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const header = req.headers[SIGNATURE_HEADER];
    this.received.push({
      key: String(req.headers[IDEMPOTENCY_HEADER]),
      report: JSON.parse(body) as CallReport,
      signatureProblem: signatureProblem(this.secret, Array.isArray(header) ? header[0] : header, body, Math.floor(Date.now() / 1000)),
      headers: req.headers,
    });
    res.writeHead(204).end();
    this.#listeners.forEach((l) => l());
  }
}
