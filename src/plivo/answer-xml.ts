// Plivo XML. Built by hand (no XML builder is a direct dependency): every attribute value and text
// goes through escapeXml.
import { escapeXml } from '../protocol/xml.js';

export interface StreamXmlOptions {
  /** The wss:// URL Plivo opens: the element's text, with no whitespace around it. */
  streamUrl: string;
  /** Plivo posts StartStream, StopStream, DroppedStream and DegradedStream here. */
  statusCallbackUrl: string;
  /** Passed to the stream as `extra_headers` in `start`; names and values are reduced to [A-Za-z0-9], all Plivo allows. */
  extraHeaders: Record<string, string>;
}

/** Plivo's limit on extraHeaders. */
export const MAX_EXTRA_HEADERS_BYTES = 512;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** `k=v,k2=v2` with only the characters Plivo accepts, cut at Plivo's limit on a whole pair. */
export function extraHeadersAttribute(headers: Record<string, string>): string {
  let out = '';
  for (const [name, value] of Object.entries(headers)) {
    const pair = `${name.replace(/[^A-Za-z0-9]/g, '')}=${value.replace(/[^A-Za-z0-9]/g, '')}`;
    const next = out ? `${out},${pair}` : pair;
    if (next.length > MAX_EXTRA_HEADERS_BYTES) break;
    out = next;
  }
  return out;
}

/**
 * A bidirectional stream in mu-law at 8 kHz (Plivo's default is L16, which the core does not speak).
 * keepCallAlive runs the stream alone; nothing follows it, so the call ends when the stream does.
 */
export function streamXml(options: StreamXmlOptions): string {
  const attributes = [
    ['bidirectional', 'true'],
    ['keepCallAlive', 'true'],
    ['contentType', 'audio/x-mulaw;rate=8000'],
    ['statusCallbackUrl', options.statusCallbackUrl],
    ['statusCallbackMethod', 'POST'],
    ['extraHeaders', extraHeadersAttribute(options.extraHeaders)],
  ]
    .map(([name, value]) => ` ${name}="${escapeXml(value!)}"`)
    .join('');
  return `${XML_DECLARATION}<Response><Stream${attributes}>${escapeXml(options.streamUrl)}</Stream></Response>`;
}

/** What a transferred call runs instead of the stream: Plivo writes numbers without the leading +. */
export function dialXml(number: string): string {
  return `${XML_DECLARATION}<Response><Dial><Number>${escapeXml(number.replace(/^\+/, ''))}</Number></Dial></Response>`;
}
