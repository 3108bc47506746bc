// The browser softphone: a caller that speaks Twilio's Media Streams protocol to /media-stream, as
// Twilio would for a real call. When the server checks Twilio's signatures, the dashboard user gets a
// one-time ticket for the stream (POST /api/softphone/ticket, authenticated as the admin) instead of
// pretending to be Twilio.
import { SoftphoneAudio } from './softphone-audio.js';
import { errorMessage } from '../../observability/error-message.js';

export type SoftphoneState = 'idle' | 'connecting' | 'in-call' | 'ended';

export interface SoftphoneCallbacks {
  state(state: SoftphoneState, detail?: string): void;
  level(rms: number): void;
}

interface StreamTicket {
  url: string;
  callSid?: string;
  streamSid?: string;
  customParameters?: Record<string, string>;
}

function randomSid(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Where to open the stream: a ticketed URL when the server issues tickets, else this server's /media-stream. */
async function streamTicket(): Promise<StreamTicket> {
  const response = await fetch('/api/softphone/ticket', { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 404) {
    return { url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/media-stream` };
  }
  if (!response.ok) throw new Error(`the server refused a softphone ticket (HTTP ${response.status})`);
  const ticket = (await response.json()) as StreamTicket & { ticket?: string };
  const url = new URL(ticket.url, location.href);
  if (url.protocol === 'http:' || url.protocol === 'https:') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (ticket.ticket && !url.searchParams.has('ticket')) url.searchParams.set('ticket', ticket.ticket);
  return { ...ticket, url: url.href };
}

export class Softphone {
  /** Generated here, unless the server's ticket names the call. */
  callSid = randomSid('CA');
  streamSid = randomSid('MZ');
  #socket: WebSocket | undefined;
  #audio: SoftphoneAudio | undefined;
  #sequence = 0;
  #chunk = 0;
  #timestamp = 0;
  #state: SoftphoneState = 'idle';
  readonly #callbacks: SoftphoneCallbacks;

  constructor(callbacks: SoftphoneCallbacks) {
    this.#callbacks = callbacks;
  }

  /** Agent audio played so far, in 8 kHz samples. */
  get playedSamples(): number {
    return this.#audio?.playedSamples ?? 0;
  }

  /** Caller audio sent so far, in 8 kHz samples. */
  get sentSamples(): number {
    return this.#timestamp * 8;
  }

  get state(): SoftphoneState {
    return this.#state;
  }

  async start(): Promise<void> {
    this.#setState('connecting');
    try {
      // The microphone first: the browser asks the user now, while the click that started the call counts.
      this.#audio = await SoftphoneAudio.open({
        frame: (mulaw) => this.#sendMedia(mulaw),
        mark: (name) => this.#send({ event: 'mark', streamSid: this.streamSid, mark: { name } }),
        level: (rms) => this.#callbacks.level(rms),
      });
      const ticket = await streamTicket();
      this.callSid = ticket.callSid ?? this.callSid;
      this.streamSid = ticket.streamSid ?? this.streamSid;
      const socket = new WebSocket(ticket.url);
      this.#socket = socket;
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error('could not reach the media stream'));
      });
      socket.onmessage = (event) => this.#onServerMessage(String(event.data));
      socket.onclose = (event) => void this.#finish(event.reason || 'the agent ended the call');
      this.#send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
      this.#send({
        event: 'start',
        sequenceNumber: String(++this.#sequence),
        start: {
          accountSid: 'AC00000000000000000000000000000000',
          streamSid: this.streamSid,
          callSid: this.callSid,
          tracks: ['inbound'],
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
          customParameters: { CallSid: this.callSid, From: 'softphone', To: 'agent', Source: 'dashboard softphone', ...ticket.customParameters },
        },
        streamSid: this.streamSid,
      });
      this.#setState('in-call');
    } catch (err) {
      await this.#finish(errorMessage(err));
      throw err;
    }
  }

  async hangUp(): Promise<void> {
    this.#send({
      event: 'stop',
      sequenceNumber: String(++this.#sequence),
      streamSid: this.streamSid,
      stop: { accountSid: 'AC00000000000000000000000000000000', callSid: this.callSid },
    });
    await this.#finish('you hung up');
  }

  #sendMedia(mulaw: Uint8Array): void {
    if (this.#state !== 'in-call') return;
    this.#send({
      event: 'media',
      sequenceNumber: String(++this.#sequence),
      streamSid: this.streamSid,
      media: { track: 'inbound', chunk: String(++this.#chunk), timestamp: String(this.#timestamp), payload: base64(mulaw) },
    });
    this.#timestamp += mulaw.length / 8;
  }

  #onServerMessage(text: string): void {
    let message: { event?: string; media?: { payload?: string }; mark?: { name?: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.event === 'media' && typeof message.media?.payload === 'string') this.#audio?.play(fromBase64(message.media.payload));
    else if (message.event === 'mark' && typeof message.mark?.name === 'string') this.#audio?.mark(message.mark.name);
    else if (message.event === 'clear') this.#audio?.clear();
  }

  #send(message: object): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  async #finish(reason: string): Promise<void> {
    if (this.#state === 'ended') return;
    this.#setState('ended', reason);
    this.#socket?.close(1000, 'caller hung up');
    await this.#audio?.close();
  }

  #setState(state: SoftphoneState, detail?: string): void {
    this.#state = state;
    this.#callbacks.state(state, detail);
  }
}
