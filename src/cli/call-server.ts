// What the simulated caller asks the server over HTTP, on the host of the stream URL:
// - the words of the call (and the rest of its record): Twilio's Media Streams carry audio only, so GET /api/calls/:callSid,
//   once the store has recorded the end of the call (it writes in batches, so the record lags the call a moment);
// - a softphone ticket (POST /api/softphone/ticket), when the server checks Twilio's signatures and so
//   refuses an unsigned stream: the caller then comes in as the admin, as the dashboard's softphone does.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallDetail } from '../store/types.js';

export interface TranscriptLine {
  role: 'user' | 'assistant';
  text: string;
}

export interface StreamTicket {
  ticket: string;
  callSid: string;
  customParameters: Record<string, string>;
}

function authorization(adminToken: string | undefined): Record<string, string> {
  return adminToken ? { authorization: `Bearer ${adminToken}` } : {};
}

export async function fetchStreamTicket(server: string, adminToken: string | undefined): Promise<StreamTicket> {
  const response = await fetch(`${server}/api/softphone/ticket`, {
    method: 'POST',
    headers: authorization(adminToken),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) {
    const hint = response.status === 401 || response.status === 403 ? ': set ADMIN_TOKEN to the server\'s admin token' : '';
    throw new Error(`the server refused the stream and a softphone ticket (HTTP ${response.status})${hint}`);
  }
  return (await response.json()) as StreamTicket;
}

export interface FetchTranscriptOptions {
  /** The server's http(s):// base, where its API lives. */
  server: string;
  callSid: string;
  adminToken?: string;
  /** How long to wait for the record to show the call as ended. */
  waitMs?: number;
}

/**
 * http(s)://host:port of the server behind a stream URL: the same origin for a ws(s):// stream; for a
 * raw TCP stream (AudioSocket, its own port) the same host on the server's PORT.
 */
export function httpBase(streamUrl: string): string {
  const url = new URL(streamUrl);
  if (url.protocol === 'tcp:') return `http://${url.hostname}:${process.env.PORT || 5000}`;
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

/** The server's transcript of the call, or undefined when the server has none to give (no API, no access, no record). */
export async function fetchTranscript(options: FetchTranscriptOptions): Promise<TranscriptLine[] | undefined> {
  return (await fetchCallDetail(options))?.transcript.map(({ role, text }) => ({ role, text }));
}

/** The server's record of the call (transcript, function calls, outcome) once it shows the call as ended, or the latest by the deadline. */
export async function fetchCallDetail({ server, callSid, adminToken, waitMs = 5_000 }: FetchTranscriptOptions): Promise<CallDetail | undefined> {
  const url = `${server}/api/calls/${encodeURIComponent(callSid)}`;
  const headers = authorization(adminToken);
  const deadline = Date.now() + waitMs;
  let latest: CallDetail | undefined;
  for (;;) {
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
      if (response.ok) latest = (await response.json()) as CallDetail;
      // 401/403: no access, and waiting will not grant it; 404 may be a record not yet written.
      else if (response.status === 401 || response.status === 403) return undefined;
    } catch {
      // Unreachable or slow: try again until the deadline.
    }
    if (latest?.endedAt != null || Date.now() >= deadline) break;
    await sleep(200);
  }
  return latest;
}
