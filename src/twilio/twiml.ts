// TwiML, always built by the twilio SDK so that every attribute value is XML-escaped.
import twilio from 'twilio';

export interface StreamTwimlOptions {
  /** The wss:// URL Twilio opens (no query string: Twilio rejects or strips it). */
  streamUrl: string;
  /** Passed to the stream as <Parameter>s; each name+value must stay under 500 characters. */
  parameters: Record<string, string>;
  /** Twilio posts here when the stream starts, stops or fails (the only place handshake errors show). */
  statusCallback?: string;
}

export const MAX_PARAMETER_LENGTH = 499;

export function streamTwiml(options: StreamTwimlOptions): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({
    url: options.streamUrl,
    ...(options.statusCallback ? { statusCallback: options.statusCallback, statusCallbackMethod: 'POST' } : {}),
  });
  for (const [name, value] of Object.entries(options.parameters)) {
    stream.parameter({ name, value: value.slice(0, Math.max(0, MAX_PARAMETER_LENGTH - name.length)) });
  }
  return response.toString();
}

/** Public base URLs: where Twilio reaches this server over https, and the matching wss stream URL. */
export function streamUrlFor(publicBase: string): string {
  return `${publicBase.replace(/^http/, 'ws')}/media-stream`;
}
