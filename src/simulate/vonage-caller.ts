// A caller as Vonage presents it. Follows the Voice API: fetches the answer NCCO (GET, signed like
// Vonage's webhooks when the signature secret is known), opens the `connect` action's websocket
// endpoint (with Vonage's JWT when the endpoint asks for `authorization: {type: "vonage"}`), sends
// `websocket:connected` with the content-type and the endpoint's headers at the top level, then
// binary L16 little-endian audio in 20 ms messages and `websocket:dtmf` events. Models Vonage's
// playout buffer: agent audio (binary messages of exactly 20 ms, anything else is counted and not
// played) plays in real time, each `notify` action is echoed as `websocket:notify` with its payload
// once the audio before it has played, and `clear` empties the buffer, answers `websocket:cleared`
// and never echoes the notifies it dropped. Vonage has no "stop": hanging up closes the socket.
import { createHash, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { mulawDecode, mulawEncode } from '../audio/mulaw.js';
import { resampleLinear, StreamingResampler } from '../audio/resample.js';
import { signHs256 } from '../vonage/jwt.js';
import { openCarrierSocket, WebSocketCaller } from './websocket-caller.js';

const CORE_RATE = 8000;
const FRAME_MS = 20;

export interface VonageCallerOptions {
  /**
   * The server's base URL (http://host:port): the caller asks its answer webhook for the NCCO and
   * opens the socket the NCCO names, on this origin (the NCCO's host is the public one).
   */
  serverUrl?: string;
  /** Or the socket directly, with what `websocket:connected` should carry: for tests of bad input. */
  socketUrl?: string;
  headers?: Record<string, string>;
  contentType?: string;
  /** The caller's leg uuid (the call id) and its conversation. */
  uuid?: string;
  conversationUuid?: string;
  from?: string;
  to?: string;
  /** VONAGE_SIGNATURE_SECRET: signs the answer request and the handshake as Vonage does. */
  signatureSecret?: string;
  /** Handshake headers of our own (a forged Authorization, say). */
  handshakeHeaders?: Record<string, string>;
  /** Play agent audio in real time (true, like Vonage) or instantly (false: notifies echo at once). */
  realtimePlayout?: boolean;
}

interface ConnectEndpoint {
  uri: string;
  contentType: string;
  headers: Record<string, string>;
  signed: boolean;
}

/** An HS256 token as Vonage signs webhooks, bound to `payload` when given (its compact JSON's SHA-256). */
export function vonageJwt(secret: string, payload?: object): string {
  const claims: Record<string, unknown> = { iat: Math.floor(Date.now() / 1000), jti: randomUUID(), iss: 'Vonage', api_key: 'simulated' };
  if (payload) claims.payload_hash = createHash('sha256').update(JSON.stringify(payload)).digest('hex');
  return signHs256(claims, secret);
}

function rateOf(contentType: string): number {
  const rate = Number(/rate=(\d+)/.exec(contentType)?.[1]);
  if (![8000, 16000, 24000].includes(rate)) throw new Error(`unsupported content-type ${contentType}`);
  return rate;
}

/** Fetches the answer NCCO as Vonage does (GET with the call's fields as query parameters) and reads its websocket endpoint. */
async function answer(options: VonageCallerOptions, serverUrl: string, uuid: string, conversationUuid: string): Promise<ConnectEndpoint> {
  const query = { to: options.to ?? '15550199', from: options.from ?? '15550100', uuid, conversation_uuid: conversationUuid };
  const headers: Record<string, string> = options.signatureSecret ? { authorization: `Bearer ${vonageJwt(options.signatureSecret, query)}` } : {};
  const response = await fetch(`${serverUrl}/vonage/incoming-call?${new URLSearchParams(query)}`, { headers });
  if (!response.ok) throw new Error(`answer webhook refused: HTTP ${response.status}`);
  const ncco = (await response.json()) as Array<{ action?: string; endpoint?: Array<Record<string, unknown>> }>;
  const endpoint = ncco.find((a) => a.action === 'connect')?.endpoint?.find((e) => e.type === 'websocket');
  if (!endpoint || typeof endpoint.uri !== 'string') throw new Error('the NCCO connects no websocket');
  const path = new URL(endpoint.uri).pathname;
  return {
    uri: `${serverUrl.replace(/^http/, 'ws')}${path}`,
    contentType: String(endpoint['content-type'] ?? 'audio/l16;rate=8000'),
    headers: (endpoint.headers ?? {}) as Record<string, string>,
    signed: (endpoint.authorization as { type?: string } | undefined)?.type === 'vonage',
  };
}

export class VonageCaller extends WebSocketCaller {
  readonly rate: number;
  /** Every binary message the server sent, as sent (L16 at `rate`). */
  readonly received: Buffer[] = [];
  /** Binary messages that were not exactly 20 ms, which Vonage would not play. */
  invalidFrames = 0;
  readonly #frameBytes: number;
  /** Agent audio as the phone hears it: L16 back to mu-law 8 kHz. */
  readonly #toMulaw: StreamingResampler;
  readonly #notifies = new Map<string, unknown>();
  #notifySeq = 0;

  private constructor(ws: WebSocket, uuid: string, conversationUuid: string, rate: number, realtimePlayout: boolean) {
    super(ws, { callSid: uuid, streamSid: conversationUuid }, { realtimePlayout });
    this.rate = rate;
    this.#frameBytes = (rate / 1000) * FRAME_MS * 2;
    this.#toMulaw = new StreamingResampler(rate, CORE_RATE);
  }

  /** Answers the call (or opens `socketUrl`), opens the socket and sends `websocket:connected`, as Vonage does. */
  static async connect(options: VonageCallerOptions): Promise<VonageCaller> {
    const uuid = options.uuid ?? randomUUID();
    const conversationUuid = options.conversationUuid ?? `CON-${randomUUID()}`;
    const endpoint: ConnectEndpoint = options.serverUrl
      ? await answer(options, options.serverUrl, uuid, conversationUuid)
      : { uri: options.socketUrl ?? '', contentType: options.contentType ?? 'audio/l16;rate=16000', headers: options.headers ?? {}, signed: true };
    const handshake: Record<string, string> = {};
    if (endpoint.signed && options.signatureSecret) handshake.authorization = `Bearer ${vonageJwt(options.signatureSecret)}`;
    const ws = await openCarrierSocket(endpoint.uri, { ...handshake, ...options.handshakeHeaders });
    const caller = new VonageCaller(ws, uuid, conversationUuid, rateOf(endpoint.contentType), options.realtimePlayout !== false);
    caller.sendText({ event: 'websocket:connected', 'content-type': endpoint.contentType, ...endpoint.headers });
    return caller;
  }

  /** 20 ms of mu-law, as the phone network hands it to Vonage: one L16 message at the socket's rate. */
  sendFrame(mulaw: Buffer): void {
    const samples = resampleLinear(mulawDecode(mulaw), CORE_RATE, this.rate);
    const frame = Buffer.alloc(samples.length * 2);
    samples.forEach((s, i) => frame.writeInt16LE(s, i * 2));
    this.sendL16(frame);
  }

  /** One binary message of L16 audio, as given. */
  sendL16(frame: Buffer): void {
    this.sendRaw(frame);
  }

  sendDtmf(digit: string): void {
    this.sendText({ event: 'websocket:dtmf', digit, duration: 260 });
  }

  sendText(message: object | string): void {
    this.sendRaw(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Vonage sends no stop message: the caller's hang-up closes the socket normally. */
  stop(): void {
    this.hangUp();
  }

  override hangUp(): void {
    this.playout.stop();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, 'caller hung up');
  }

  // ---- Vonage's side of the server's messages -------------------------------------------------

  protected override onServerBinary(frame: Buffer): void {
    const now = performance.now();
    this.received.push(Buffer.from(frame));
    if (frame.length !== this.#frameBytes) {
      this.invalidFrames++;
      return;
    }
    const samples = new Int16Array(frame.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = frame.readInt16LE(i * 2);
    const encoded = mulawEncode(this.#toMulaw.process(samples));
    this.receivedAudio(Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length), now);
  }

  protected onServerText(text: string): void {
    let m: { action?: string; payload?: unknown };
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (m.action === 'notify') {
      const id = String(++this.#notifySeq);
      this.#notifies.set(id, m.payload ?? {});
      this.receivedAcknowledgementRequest(id);
    } else if (m.action === 'clear') {
      for (const id of this.receivedClear(performance.now())) this.#notifies.delete(id);
      this.sendText({ event: 'websocket:cleared' });
    }
  }

  /** Listeners see the notify payload's name (or the payload), as the server chose it. */
  protected override markLabel(id: string): string {
    const payload = this.#notifies.get(id);
    const name = (payload as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? name : JSON.stringify(payload);
  }

  protected sendAcknowledgement(id: string): void {
    const payload = this.#notifies.get(id);
    this.#notifies.delete(id);
    this.sendText({ event: 'websocket:notify', payload });
  }
}

/** The simulated Vonage caller `phone-agent call --carrier vonage` and the tests use. */
export function connectVonageCaller(options: VonageCallerOptions): Promise<VonageCaller> {
  return VonageCaller.connect(options);
}
