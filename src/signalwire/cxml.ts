// cXML, SignalWire's TwiML-compatible markup. Built by hand (no XML builder is a direct dependency,
// and the twilio SDK's builder does not know SignalWire's attributes): every attribute value and
// text goes through escapeXml.
import { escapeXml } from '../protocol/xml.js';

export interface StreamCxmlOptions {
  /** The wss:// URL SignalWire opens (no query string: SignalWire does not support one). */
  streamUrl: string;
  /** Passed to the stream as <Parameter>s; they arrive in `start.customParameters`. */
  parameters: Record<string, string>;
  /** SignalWire posts here when the stream starts, stops or fails (the only place handshake errors show). */
  statusCallback?: string;
  /** Sent back as `Authorization: Bearer` on the stream's handshake. */
  bearerToken?: string;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

function attributes(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
}

/** <Connect><Stream>: the bidirectional stream; nothing follows it, so the call ends when the stream does. */
export function streamCxml(options: StreamCxmlOptions): string {
  const stream = attributes({
    url: options.streamUrl,
    authBearerToken: options.bearerToken,
    statusCallback: options.statusCallback,
    statusCallbackMethod: options.statusCallback ? 'POST' : undefined,
  });
  const parameters = Object.entries(options.parameters)
    .map(([name, value]) => `<Parameter${attributes({ name, value })}/>`)
    .join('');
  return `${XML_DECLARATION}<Response><Connect><Stream${stream}>${parameters}</Stream></Connect></Response>`;
}

/** What a transferred call runs instead of the stream. */
export function dialCxml(number: string): string {
  return `${XML_DECLARATION}<Response><Dial>${escapeXml(number)}</Dial></Response>`;
}
