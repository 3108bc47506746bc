// The twilio SDK's REST client. `apiBaseUrl` sends every request to another origin (a recording
// server in tests, a mock or an egress proxy) through the SDK's own HTTP client, so what goes on
// the wire is exactly what the SDK would send to api.twilio.com.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

type RequestClientOptions<TData> = RequestClient.RequestOptions<TData>;

export type TwilioClient = twilio.Twilio;

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export function createTwilioClient(credentials: TwilioCredentials, options: { apiBaseUrl?: string } = {}): TwilioClient {
  const httpClient = options.apiBaseUrl ? new RedirectedRequestClient(options.apiBaseUrl) : undefined;
  return twilio(credentials.accountSid, credentials.authToken, httpClient ? { httpClient } : {});
}

class RedirectedRequestClient extends twilio.RequestClient {
  readonly #base: URL;

  constructor(apiBaseUrl: string) {
    super();
    this.#base = new URL(apiBaseUrl);
  }

  override request<TData>(opts: RequestClientOptions<TData>) {
    const uri = new URL(opts.uri);
    uri.protocol = this.#base.protocol;
    uri.host = this.#base.host;
    return super.request<TData>({ ...opts, uri: uri.toString() });
  }
}
