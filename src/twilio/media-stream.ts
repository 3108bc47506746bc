// The Twilio side of WS /media-stream: reads messages until `start`, then hands the stream to a
// CallSession. Bad input is counted and logged once per kind; a socket that sends nothing but garbage
// is closed with a reason. Nothing here can throw into the event loop.
import type WebSocket from 'ws';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import { parseTwilioMessage, type TwilioStart } from './media-messages.js';
import type { CallSession } from '../call/session.js';

/** Twilio's frames are a few hundred bytes; anything this large is not a media stream message. */
export const MAX_TWILIO_MESSAGE_BYTES = 64 * 1024;
/** A peer that sends this many bad messages in a row is not Twilio. */
const MAX_CONSECUTIVE_BAD = 50;
const START_TIMEOUT_MS = 10_000;

export interface MediaStreamHandlerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Creates the call for a `start`; returns a reason string to refuse it (e.g. a bad per-call token). */
  startCall(socket: WebSocket, start: TwilioStart): CallSession | { refused: string };
}

export function handleMediaStream(socket: WebSocket, opts: MediaStreamHandlerOptions): void {
  let session: CallSession | undefined;
  let consecutiveBad = 0;
  const logged = new Set<string>();
  const startTimer = setTimeout(() => closeWith(1008, 'no start message'), START_TIMEOUT_MS);

  function closeWith(code: number, reason: string): void {
    clearTimeout(startTimer);
    (session?.log ?? opts.logger).warn({ reason }, 'closing media stream');
    if (session) session.end('rejected', reason);
    else socket.close(code, reason);
  }

  function bad(kind: string, detail: string): void {
    if (session) session.malformedFromTwilio(kind, detail);
    else {
      opts.metrics.malformedMessages.labels('twilio').inc();
      if (!logged.has(kind)) {
        logged.add(kind);
        opts.logger.warn({ detail }, 'ignored a malformed media stream message (logged once per kind)');
      }
    }
    if (++consecutiveBad >= MAX_CONSECUTIVE_BAD) closeWith(1008, `${MAX_CONSECUTIVE_BAD} invalid messages in a row`);
  }

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const arrivedAt = performance.now();
    if (isBinary) return bad('binary', 'binary frame (Twilio sends JSON text frames only)');
    if (data.length > MAX_TWILIO_MESSAGE_BYTES) return bad('oversized', `message of ${data.length} bytes`);
    const parsed = parseTwilioMessage(data.toString('utf8'));
    if (parsed.kind === 'unknown') return bad(`unknown:${parsed.event}`, `unknown event "${parsed.event}"`);
    if (parsed.kind === 'invalid') return bad(`invalid:${parsed.reason.split(':')[0]}`, parsed.reason);
    consecutiveBad = 0;
    const m = parsed.message;
    switch (m.event) {
      case 'media':
        if (session) session.onMedia(m, arrivedAt);
        else bad('media-before-start', 'media before start');
        return;
      case 'mark':
        session?.onMark(m.mark.name);
        return;
      case 'dtmf':
        if (session) session.onDtmf(m.dtmf.digit);
        return;
      case 'connected':
        return;
      case 'start': {
        if (session) return bad('second-start', 'a second start on one stream');
        clearTimeout(startTimer);
        const started = opts.startCall(socket, m);
        if ('refused' in started) return closeWith(1008, started.refused);
        session = started;
        return;
      }
      case 'stop':
        if (session) session.onStop();
        else closeWith(1000, 'stop before start');
        return;
    }
  });

  socket.on('close', (code: number) => {
    clearTimeout(startTimer);
    session?.onTwilioClosed(code);
  });
  socket.on('error', (err: Error) => {
    (session?.log ?? opts.logger).warn({ err: err.message }, 'media stream socket error');
  });
}
