// Plivo's Voice REST API over plain HTTPS: JSON requests with Basic auth (auth ID : auth token) to
// https://api.plivo.com/v1/Account/{auth_id}/Call/. The plivo SDK would add a dependency for three
// requests. `apiBaseUrl` sends every request to another origin (a recording server in tests, a mock
// or an egress proxy).

const DEFAULT_API_BASE_URL = 'https://api.plivo.com';
const REQUEST_TIMEOUT_MS = 10_000;

export interface PlivoCredentials {
  authId: string;
  authToken: string;
}

export class PlivoApiError extends Error {
  override name = 'PlivoApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PlivoCallRequest {
  from: string;
  to: string;
  answer_url: string;
  answer_method: 'GET' | 'POST';
  hangup_url?: string;
  hangup_method?: 'GET' | 'POST';
}

export class PlivoRestClient {
  readonly #callUrl: string;
  readonly #authorization: string;

  constructor(credentials: PlivoCredentials, options: { apiBaseUrl?: string } = {}) {
    const origin = (options.apiBaseUrl ?? DEFAULT_API_BASE_URL).replace(/\/+$/, '');
    this.#callUrl = `${origin}/v1/Account/${encodeURIComponent(credentials.authId)}/Call/`;
    this.#authorization = `Basic ${Buffer.from(`${credentials.authId}:${credentials.authToken}`).toString('base64')}`;
  }

  /** Places a call; Plivo fetches answer_url for its XML once it is answered. Resolves with Plivo's request_uuid. */
  async createCall(call: PlivoCallRequest): Promise<{ requestUuid: string }> {
    const body = await this.#request('POST', this.#callUrl, call);
    return { requestUuid: String(body.request_uuid ?? '') };
  }

  /** Hangs up a live call; a call already over (404) counts as hung up. */
  async hangUp(callUuid: string): Promise<void> {
    try {
      await this.#request('DELETE', this.#liveCall(callUuid));
    } catch (err) {
      if (!(err instanceof PlivoApiError && err.status === 404)) throw err;
    }
  }

  /** Replaces the caller's (A leg's) running XML with what `url` answers. */
  async transfer(callUuid: string, url: string): Promise<void> {
    await this.#request('POST', this.#liveCall(callUuid), { legs: 'aleg', aleg_url: url, aleg_method: 'POST' });
  }

  #liveCall(callUuid: string): string {
    return `${this.#callUrl}${encodeURIComponent(callUuid)}/`;
  }

  async #request(method: 'POST' | 'DELETE', url: string, json?: object): Promise<Record<string, unknown>> {
    const res = await fetch(url, {
      method,
      headers: { authorization: this.#authorization, accept: 'application/json', ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // An error page: the status says enough.
    }
    if (!res.ok) throw new PlivoApiError(res.status, typeof body.error === 'string' ? body.error : `HTTP ${res.status}`);
    return body;
  }
}
