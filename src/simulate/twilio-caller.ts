// A caller as Twilio presents it: speaks the Media Streams protocol to /media-stream (connected,
// start, 20 ms media frames on a real-time clock, dtmf, stop) and models Twilio's playout buffer:
// agent audio plays in real time, each mark is echoed when the audio before it has played, and
// `clear` drops what is buffered and echoes the pending marks at once. Used by `phone-agent call`,
// the tests and the benchmarks.
import type WebSocket from 'ws';
import { simulatedId } from './caller.js';
import { openCarrierSocket, WebSocketCaller } from './websocket-caller.js';

export { FRAME_BYTES, FRAME_MS } from './caller.js';

export interface SimulatedCallOptions {
  url: string;
  callSid?: string;
  streamSid?: string;
  accountSid?: string;
  from?: string;
  to?: string;
  customParameters?: Record<string, string>;
  headers?: Record<string, string>;
  /** Play agent audio in real time (true, like Twilio) or instantly (false: marks echo at once). */
  realtimePlayout?: boolean;
}

export class SimulatedCall extends WebSocketCaller {
  #sequence = 0;
  #chunk = 0;
  #mediaTimestamp = 0;

  private constructor(ws: WebSocket, options: SimulatedCallOptions) {
    super(ws, { callSid: options.callSid ?? simulatedId('CA'), streamSid: options.streamSid ?? simulatedId('MZ') }, options);
  }

  /** Opens the stream and sends `connected` and `start`, as Twilio does. */
  static async connect(options: SimulatedCallOptions): Promise<SimulatedCall> {
    const call = new SimulatedCall(await openCarrierSocket(options.url, options.headers), options);
    call.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    call.sendJson({
      event: 'start',
      sequenceNumber: String(++call.#sequence),
      start: {
        accountSid: options.accountSid ?? 'AC00000000000000000000000000000000',
        streamSid: call.streamSid,
        callSid: call.callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: { CallSid: call.callSid, From: options.from ?? '+15550100', To: options.to ?? '+15550199', ...options.customParameters },
      },
      streamSid: call.streamSid,
    });
    return call;
  }

  /** One media message; Twilio's fields as Twilio sends them (strings). */
  sendFrame(payload: Buffer): void {
    this.#chunk++;
    this.sendJson({
      event: 'media',
      sequenceNumber: String(++this.#sequence),
      media: { track: 'inbound', chunk: String(this.#chunk), timestamp: String(this.#mediaTimestamp), payload: payload.toString('base64') },
      streamSid: this.streamSid,
    });
    this.#mediaTimestamp += Math.round(payload.length / 8);
  }

  sendDtmf(digit: string): void {
    this.sendJson({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: String(++this.#sequence), dtmf: { track: 'inbound_track', digit } });
  }

  stop(): void {
    const stop = { accountSid: 'AC00000000000000000000000000000000', callSid: this.callSid };
    this.sendJson({ event: 'stop', sequenceNumber: String(++this.#sequence), stop, streamSid: this.streamSid });
  }

  // ---- Twilio's side of the server's messages -------------------------------------------------

  protected onServerText(text: string): void {
    let m: { event?: string; streamSid?: string; media?: { payload?: string }; mark?: { name?: string } };
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    const now = performance.now();
    if (m.event === 'media' && typeof m.media?.payload === 'string') {
      this.receivedAudio(Buffer.from(m.media.payload, 'base64'), now);
    } else if (m.event === 'mark' && typeof m.mark?.name === 'string') {
      this.receivedAcknowledgementRequest(m.mark.name);
    } else if (m.event === 'clear') {
      // Twilio empties its buffer and sends back every mark still pending.
      for (const name of this.receivedClear(now)) this.echo(name);
    }
  }

  protected sendAcknowledgement(name: string): void {
    this.sendJson({ event: 'mark', sequenceNumber: String(++this.#sequence), streamSid: this.streamSid, mark: { name } });
  }
}
