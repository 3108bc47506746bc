// Vonage's Voice REST API over plain fetch (the SDK would add a dozen packages for three requests).
// Every request carries a fresh RS256 JWT for the application. `apiBaseUrl` sends them elsewhere: a
// recording stand-in in tests, a regional endpoint (https://api-us.nexmo.com) or an egress proxy.
import type { KeyObject } from 'node:crypto';
import { applicationToken } from './jwt.js';
import type { Ncco } from './ncco.js';

export const VONAGE_API_URL = 'https://api.nexmo.com';
const REQUEST_TIMEOUT_MS = 10_000;

export interface VonageCredentials {
  applicationId: string;
  privateKey: KeyObject;
}

export interface VonageClientOptions {
  apiBaseUrl?: string;
  now?: () => number;
}

/** A refusal from Vonage, with its HTTP status and the problem it described. */
export class VonageApiError extends Error {
  override name = 'VonageApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OutboundCallRequest {
  /** E.164, with or without the plus. */
  to: string;
  /** One of the application's Vonage numbers. */
  from: string;
  answerUrl: string;
  eventUrl: string;
}

export interface OutboundCall {
  uuid: string;
  status: string;
  direction: string;
  conversation_uuid: string;
}

export class VonageClient {
  readonly #credentials: VonageCredentials;
  readonly #base: string;
  readonly #now: () => number;

  constructor(credentials: VonageCredentials, options: VonageClientOptions = {}) {
    this.#credentials = credentials;
    this.#base = (options.apiBaseUrl ?? VONAGE_API_URL).replace(/\/+$/, '');
    this.#now = options.now ?? Date.now;
  }

  /** Ends a call leg (the caller's, to end the phone call). */
  async hangUp(uuid: string): Promise<void> {
    await this.#request('PUT', `/v1/calls/${encodeURIComponent(uuid)}`, { action: 'hangup' });
  }

  /** Replaces a leg's NCCO: the caller leaves our WebSocket for whatever `ncco` does. */
  async transfer(uuid: string, ncco: Ncco): Promise<void> {
    await this.#request('PUT', `/v1/calls/${encodeURIComponent(uuid)}`, { action: 'transfer', destination: { type: 'ncco', ncco } });
  }

  /** Dials `to`; once answered, Vonage fetches `answerUrl` like any inbound call. */
  async createCall(call: OutboundCallRequest): Promise<OutboundCall> {
    const body = {
      to: [{ type: 'phone', number: call.to.replace(/^\+/, '') }],
      from: { type: 'phone', number: call.from.replace(/^\+/, '') },
      answer_url: [call.answerUrl],
      answer_method: 'GET',
      event_url: [call.eventUrl],
      event_method: 'POST',
    };
    return (await this.#request('POST', '/v1/calls', body)) as OutboundCall;
  }

  async #request(method: string, path: string, body: object): Promise<unknown> {
    const token = applicationToken(this.#credentials.applicationId, this.#credentials.privateKey, this.#now());
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw new VonageApiError(response.status, problemText(response.status, parsed, text));
    return parsed;
  }
}

/** Vonage describes refusals as RFC 7807 problems: {type, title, detail}. */
function problemText(status: number, parsed: unknown, text: string): string {
  if (typeof parsed === 'object' && parsed !== null) {
    const { title, detail } = parsed as { title?: unknown; detail?: unknown };
    const parts = [title, detail].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length > 0) return `HTTP ${status}: ${parts.join(': ')}`;
  }
  return `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}
