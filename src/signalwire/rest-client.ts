// SignalWire's Compatibility (LaML) REST API over plain HTTPS: form-encoded requests with Basic auth
// (project id : API token) to https://{space}/api/laml/2010-04-01/Accounts/{project}/Calls. The
// SignalWire SDK would add a Twilio-sized dependency for two requests. `apiBaseUrl` sends every
// request to another origin (a recording server in tests, a mock or an egress proxy).

const API_PATH = '/api/laml/2010-04-01';
const REQUEST_TIMEOUT_MS = 10_000;

export interface SignalWireCredentials {
  projectId: string;
  apiToken: string;
  /** The space's host name: example.signalwire.com. */
  spaceUrl: string;
}

export interface SignalWireCall {
  sid: string;
  status: string;
}

export class SignalWireApiError extends Error {
  override name = 'SignalWireApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class SignalWireRestClient {
  readonly #callsUrl: string;
  readonly #authorization: string;

  constructor(credentials: SignalWireCredentials, options: { apiBaseUrl?: string } = {}) {
    const origin = (options.apiBaseUrl ?? `https://${credentials.spaceUrl}`).replace(/\/+$/, '');
    this.#callsUrl = `${origin}${API_PATH}/Accounts/${encodeURIComponent(credentials.projectId)}/Calls`;
    this.#authorization = `Basic ${Buffer.from(`${credentials.projectId}:${credentials.apiToken}`).toString('base64')}`;
  }

  /** Places a call; SignalWire then fetches `Url` for its cXML once it is answered. */
  createCall(fields: Array<[string, string]>): Promise<SignalWireCall> {
    return this.#post(this.#callsUrl, fields);
  }

  /** Changes a live call: `Status=completed` hangs up, `Url` replaces its cXML. */
  updateCall(callSid: string, fields: Array<[string, string]>): Promise<SignalWireCall> {
    return this.#post(`${this.#callsUrl}/${encodeURIComponent(callSid)}`, fields);
  }

  async #post(url: string, fields: Array<[string, string]>): Promise<SignalWireCall> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: this.#authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // An error page or an empty body: the status says enough.
    }
    if (!res.ok) throw new SignalWireApiError(res.status, typeof body.message === 'string' ? body.message : `HTTP ${res.status}`);
    return { sid: String(body.sid ?? ''), status: String(body.status ?? '') };
  }
}
