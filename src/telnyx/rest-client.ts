// The few Telnyx REST calls phone-agent makes (TeXML Calls API, `Authorization: Bearer <API key>`),
// over plain fetch: the telnyx SDK would be a large dependency for two endpoints. `apiBaseUrl` sends
// every request elsewhere (a recording stand-in in tests, an egress proxy).

export const TELNYX_API_BASE = 'https://api.telnyx.com/v2';
const REQUEST_TIMEOUT_MS = 10_000;

export class TelnyxApiError extends Error {
  override name = 'TelnyxApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface TelnyxRestClientOptions {
  apiKey: string;
  apiBaseUrl?: string;
}

export interface CreatedCall {
  sid: string;
  status: string;
}

/** A path segment as Telnyx writes it: call ids such as `v3:…` keep their colon. */
function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

export class TelnyxRestClient {
  readonly #apiKey: string;
  readonly #base: string;

  constructor(options: TelnyxRestClientOptions) {
    this.#apiKey = options.apiKey;
    this.#base = (options.apiBaseUrl ?? TELNYX_API_BASE).replace(/\/+$/, '');
  }

  /** Update call (form-encoded, CamelCase keys): `Status=completed` ends it, `Texml=…` replaces its instructions. */
  async updateTexmlCall(accountSid: string, callSid: string, fields: Record<string, string>): Promise<void> {
    const path = `/texml/Accounts/${segment(accountSid)}/Calls/${segment(callSid)}`;
    await this.#request(path, 'application/x-www-form-urlencoded', new URLSearchParams(fields).toString());
  }

  /** Initiate an outbound call: Telnyx dials `To` and, once answered, fetches TeXML from `Url`. */
  async createTexmlCall(accountSid: string, call: Record<string, string | boolean>): Promise<CreatedCall> {
    const body = await this.#request(`/texml/Accounts/${segment(accountSid)}/Calls`, 'application/json', JSON.stringify(call));
    const sid = body.sid ?? body.call_sid;
    return { sid: typeof sid === 'string' ? sid : '', status: typeof body.status === 'string' ? body.status : 'queued' };
  }

  async #request(path: string, contentType: string, body: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.#base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': contentType, accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null) parsed = value as Record<string, unknown>;
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    if (!response.ok) {
      throw new TelnyxApiError(response.status, `Telnyx answered ${response.status}: ${errorDetail(parsed) ?? (text.slice(0, 200) || response.statusText)}`);
    }
    return parsed;
  }
}

/** Telnyx's error bodies: `{errors:[{code,title,detail}]}` (API v2), or TeXML's `{message}`. */
function errorDetail(body: Record<string, unknown>): string | undefined {
  const first = Array.isArray(body.errors) ? (body.errors[0] as Record<string, unknown> | undefined) : undefined;
  const detail = first?.detail ?? first?.title ?? body.message;
  return typeof detail === 'string' ? detail : undefined;
}
