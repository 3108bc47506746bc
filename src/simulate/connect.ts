// One way into every carrier's simulated caller, for `phone-agent call --carrier`: the stream URL says
// where (ws:// for the websocket carriers, tcp://host:port for Asterisk AudioSocket), the carrier how.
import { connectAudioSocketCaller } from './audiosocket-caller.js';
import type { SimulatedCaller } from './caller.js';
import { connectPlivoCaller } from './plivo-caller.js';
import { connectSignalWireCaller } from './signalwire-caller.js';
import { connectTelnyxCaller } from './telnyx-caller.js';
import { SimulatedCall } from './twilio-caller.js';
import { connectVonageCaller } from './vonage-caller.js';

export const CARRIERS = ['twilio', 'signalwire', 'telnyx', 'plivo', 'vonage', 'audiosocket'] as const;
export type CarrierName = (typeof CARRIERS)[number];

export function isCarrier(name: string): name is CarrierName {
  return (CARRIERS as readonly string[]).includes(name);
}

/** Where a local server takes the carrier's media by default. */
export function defaultStreamUrl(carrier: CarrierName): string {
  if (carrier === 'audiosocket') return `tcp://127.0.0.1:${process.env.AUDIOSOCKET_PORT || 9092}`;
  return `ws://127.0.0.1:5000${carrier === 'twilio' ? '' : `/${carrier}`}/media-stream`;
}

export interface CallerDetails {
  callSid?: string;
  /** Passed as the call's custom parameters where the carrier has them (Twilio, SignalWire). */
  customParameters?: Record<string, string>;
}

export function connectCaller(carrier: CarrierName, url: string, details: CallerDetails = {}): Promise<SimulatedCaller> {
  switch (carrier) {
    case 'twilio':
      return SimulatedCall.connect({ url, ...details });
    case 'signalwire':
      return connectSignalWireCaller({ url, ...details });
    case 'telnyx':
      return connectTelnyxCaller({ url, ...(details.callSid && { callControlId: details.callSid }) });
    case 'plivo':
      return connectPlivoCaller({ url, ...(details.callSid && { callId: details.callSid }) });
    case 'vonage':
      return connectVonageCaller({ serverUrl: new URL(url.replace(/^ws/, 'http')).origin });
    case 'audiosocket': {
      const { hostname, port } = new URL(url);
      return connectAudioSocketCaller({ host: hostname, port: Number(port) });
    }
  }
}
