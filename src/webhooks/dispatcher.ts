// Delivers the outbox of post-call reports (webhook_deliveries) to CALL_WEBHOOK_URL, at least once.
//
// The store writes a pending row in the same transaction as a call's end, so a report exists for every
// ended call whatever happens to this process. Every pollMs the dispatcher takes the rows that are due:
// it claims each one for one attempt (a lease, so that several workers, or servers on one database, never
// send one report at the same time, and a process that dies mid-attempt lets another retry it), builds
// the report from the store's record of the call the first time (the body is then kept, so every retry
// sends the same bytes under the same idempotency key), signs it and POSTs it. A 2xx answer delivers it;
// anything else, or no answer within timeoutMs, is retried after doubling delays, until maxAttempts,
// when the row turns failed: kept, listed by GET /api/webhooks, and retried on request.
import { errorMessage } from '../observability/error-message.js';
import { silentLogger, type Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { CallDetail, Store, WebhookDelivery } from '../store/types.js';
import { buildCallReport, composedSummary, type CallReport, type CallSummarizer } from './call-report.js';
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';

export type OutboxStore = Pick<Store, 'dueWebhooks' | 'claimWebhook' | 'setWebhookPayload' | 'finishWebhookAttempt' | 'webhookBacklog' | 'getCall'>;

export interface WebhookDispatcherOptions {
  store: OutboxStore;
  url: string;
  /** CALL_WEBHOOK_SECRET: without it reports go unsigned. */
  secret?: string;
  /** Writes the summary (a model); composedSummary when unset or when it fails. */
  summarize?: CallSummarizer;
  metrics?: Metrics;
  logger?: Logger;
  /** How often the outbox is read. Default 1000 ms. */
  pollMs?: number;
  /** How long the receiver may take to answer. Default 10 000 ms. */
  timeoutMs?: number;
  /** Attempts before a report is given up on (status failed). Default 12. */
  maxAttempts?: number;
  /** Delay after the first failure, doubled after each next one up to maxRetryDelayMs. Defaults 1000 ms and one hour. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Reports attempted at once. Default 8. */
  batchSize?: number;
  now?: () => number;
}

type OptionalOption = 'secret' | 'summarize' | 'metrics';

/** Time for the model's summary on top of the receiver's timeout, within one attempt's lease. */
const SUMMARY_ALLOWANCE_MS = 30_000;

export class WebhookDispatcher {
  readonly #o: Required<Omit<WebhookDispatcherOptions, OptionalOption>> & Pick<WebhookDispatcherOptions, OptionalOption>;
  readonly #timer: NodeJS.Timeout;
  #tick: Promise<void> | undefined;
  #closed = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#o = {
      ...options,
      pollMs: options.pollMs ?? 1000,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxAttempts: options.maxAttempts ?? 12,
      retryDelayMs: options.retryDelayMs ?? 1000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 3_600_000,
      batchSize: options.batchSize ?? 8,
      logger: options.logger ?? silentLogger,
      now: options.now ?? Date.now,
    };
    this.#timer = setInterval(() => this.poll(), this.#o.pollMs);
    this.#timer.unref();
  }

  /** Reads the outbox now (unless a read is under way); resolves when that read's attempts are over. */
  poll(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#tick ??= this.#deliverDue()
      .catch((err: unknown) => this.#o.logger.warn({ err }, 'reading the webhook outbox failed; trying again shortly'))
      .finally(() => (this.#tick = undefined));
    return this.#tick;
  }

  /** Stops polling and waits for the attempts under way; what is left stays in the outbox for next time. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#tick;
  }

  async #deliverDue(): Promise<void> {
    const { store, batchSize, now } = this.#o;
    const due = await store.dueWebhooks(now(), batchSize);
    await Promise.all(due.map((delivery) => this.#attempt(delivery)));
    this.#o.metrics?.webhookBacklog(await store.webhookBacklog());
  }

  async #attempt(delivery: WebhookDelivery): Promise<void> {
    const { store, now, logger } = this.#o;
    if (!(await store.claimWebhook(delivery, now() + this.#o.timeoutMs + SUMMARY_ALLOWANCE_MS))) return;
    const log = logger.child({ callSid: delivery.callSid, idempotencyKey: delivery.idempotencyKey, attempt: delivery.attempts + 1 });
    let error: string | undefined;
    try {
      const body = delivery.payload ?? (await store.setWebhookPayload(delivery.id, JSON.stringify(await this.#report(delivery))));
      error = await this.#send(delivery, body);
    } catch (err) {
      error = errorMessage(err);
    }
    if (error === undefined) {
      await store.finishWebhookAttempt(delivery.id, { at: now() });
      this.#o.metrics?.webhookAttempt('delivered');
      log.info('post-call report delivered');
      return;
    }
    const attempts = delivery.attempts + 1;
    const retryAt = attempts >= this.#o.maxAttempts ? undefined : now() + Math.min(this.#o.maxRetryDelayMs, this.#o.retryDelayMs * 2 ** (attempts - 1));
    await store.finishWebhookAttempt(delivery.id, { at: now(), error, retryAt });
    this.#o.metrics?.webhookAttempt(retryAt === undefined ? 'failed' : 'retry');
    if (retryAt === undefined) log.error({ error }, 'post-call report failed for good: kept in the outbox, see GET /api/webhooks');
    else log.warn({ error, retryInMs: retryAt - now() }, 'post-call report not delivered; will retry');
  }

  async #report(delivery: WebhookDelivery): Promise<CallReport> {
    const call = await this.#o.store.getCall(delivery.callSid);
    if (!call) throw new Error(`call ${delivery.callSid} is not in the store`);
    return buildCallReport(delivery, call, await this.#summary(call));
  }

  async #summary(call: CallDetail): Promise<CallReport['summary']> {
    if (this.#o.summarize) {
      try {
        return { text: await this.#o.summarize(call), source: 'llm' };
      } catch (err) {
        this.#o.logger.warn({ err, callSid: call.callSid }, 'the model could not summarize the call; composing the summary instead');
      }
    }
    return { text: composedSummary(call), source: 'composed' };
  }

  /** Undefined when the receiver took it, else why not. */
  async #send(delivery: WebhookDelivery, body: string): Promise<string | undefined> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'phone-agent',
      [IDEMPOTENCY_HEADER]: delivery.idempotencyKey,
      [EVENT_HEADER]: delivery.event,
    };
    if (this.#o.secret) headers[SIGNATURE_HEADER] = signatureHeader(this.#o.secret, body, Math.floor(this.#o.now() / 1000));
    try {
      const response = await fetch(this.#o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.#o.timeoutMs) });
      // The body is not wanted, but reading it frees the connection for the next report.
      const text = await response.text().catch(() => '');
      if (response.ok) return undefined;
      return `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${this.#o.timeoutMs} ms`;
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      return errorMessage(cause);
    }
  }
}
