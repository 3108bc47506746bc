// TeXML answers: every value goes through escapeXml.
import { escapeXml } from '../protocol/xml.js';

export interface StreamTexmlOptions {
  /** The wss:// URL Telnyx opens. */
  streamUrl: string;
  /** Telnyx posts the stream's start, stop and failures here. */
  statusCallback?: string;
  /** Passed to the stream as <Parameter>s; they arrive in start.custom_parameters. */
  parameters: Record<string, string>;
}

function attributes(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * <Connect><Stream>: the call waits on the stream until it stops. bidirectionalMode="rtp" is what lets
 * the caller hear us at all (TeXML's default, mp3, takes whole files once a second), and PCMU both
 * ways keeps the core's mu-law untouched. enableReconnect="false": a redialled socket would start a
 * second session for the same call; with nothing after <Connect>, a lost stream ends the call, as on Twilio.
 */
export function streamTexml(options: StreamTexmlOptions): string {
  const stream = attributes({
    url: options.streamUrl,
    track: 'inbound_track',
    codec: 'PCMU',
    bidirectionalMode: 'rtp',
    bidirectionalCodec: 'PCMU',
    bidirectionalSamplingRate: '8000',
    enableReconnect: 'false',
    statusCallback: options.statusCallback,
    statusCallbackMethod: options.statusCallback ? 'POST' : undefined,
  });
  const parameters = Object.entries(options.parameters)
    .map(([name, value]) => `<Parameter${attributes({ name, value })}/>`)
    .join('');
  return `${XML_DECLARATION}<Response><Connect><Stream${stream}>${parameters}</Stream></Connect></Response>`;
}

/** What a transfer replaces the call's TeXML with. */
export function dialTexml(number: string): string {
  return `${XML_DECLARATION}<Response><Dial>${escapeXml(number)}</Dial></Response>`;
}
