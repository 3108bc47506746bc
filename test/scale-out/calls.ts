// Calls as a carrier places them behind a load balancer: Twilio's signed webhook reaches one instance
// and the signed media stream, opened right after, may reach another; nothing but the auth token ties
// them together. Also: which instance took a call, and which agent connection is that call's.
import { randomBytes } from 'node:crypto';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import twilio from 'twilio';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import type { Instance } from '../../bench/lib/fleet.js';
import type { CallEvent } from '../../src/domain/call.js';
import type { AgentConnection, ScriptedAgent } from '../helpers/scripted-agent.js';
import { AUTH_TOKEN, PUBLIC_URL, ADMIN_TOKEN } from './rig.js';

const sign = (url: string, params: Record<string, string>) => twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);

/** Polls `probe` until it yields a value, or throws naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A JSON request with the admin's token; the status and the parsed body (or undefined). */
export async function api(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method,
    headers: { ...admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

/** An inbound call through `base` (the balancer): the signed webhook, then the signed stream with the call's token. */
export async function carrierCall(base: string): Promise<SimulatedCall> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const params = { AccountSid: `AC${'0'.repeat(32)}`, CallSid: callSid, From: '+15550100', To: '+15550199', CallStatus: 'ringing', Direction: 'inbound' };
  const answer = await fetch(`${base}/incoming-call`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(`${PUBLIC_URL}/incoming-call`, params) },
    body: new URLSearchParams(params).toString(),
  });
  const twiml = await answer.text();
  const callToken = /<Parameter name="callToken" value="([^"]+)"\/>/.exec(twiml)?.[1];
  if (answer.status !== 200 || !callToken) throw new Error(`the webhook answered ${answer.status}: ${twiml}`);
  const streamUrl = `${PUBLIC_URL.replace('https', 'wss')}/media-stream`;
  return SimulatedCall.connect({
    url: `${base.replace('http', 'ws')}/media-stream`,
    headers: { 'x-twilio-signature': sign(streamUrl, {}) },
    callSid,
    customParameters: { callToken },
    realtimePlayout: false,
  });
}

/** The instance that started the call (its "call started" log line). */
export function holderOf(instances: Instance[], callSid: string): Promise<Instance> {
  return eventually(`the instance holding ${callSid}`, () => instances.find((i) => i.logged('call started').some((l) => l.callSid === callSid)));
}

/**
 * The agent connection of this call: the bridge tells the agent nothing about the call, so the caller
 * says something only it says (one frame of random bytes), and the connection that heard it first is its.
 */
export async function agentLegOf(agent: ScriptedAgent, call: SimulatedCall): Promise<{ leg: AgentConnection; first: Buffer }> {
  const first = randomBytes(160);
  call.sendFrame(first);
  const leg = await eventually('the call\'s agent connection', () =>
    agent.connections.find((c) => c.audioBytes >= first.length && Buffer.concat(c.audio).subarray(0, first.length).equals(first)),
  );
  return { leg, first };
}

/** Hangs up as the caller and waits for the server to close the stream. */
export async function hangUp(call: SimulatedCall): Promise<void> {
  if (!call.open) return;
  call.hangUp();
  await call.closed();
}

/** The dashboard's live feed (GET /api/live) as one browser holds it: every event, parsed, as it arrives. */
export class LiveFeed {
  readonly events: CallEvent[] = [];
  readonly #request: ClientRequest;

  private constructor(request: ClientRequest, response: IncomingMessage) {
    this.#request = request;
    let buffer = '';
    response.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, end).split('\n').find((l) => l.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) this.events.push(JSON.parse(data.slice(6)) as CallEvent);
      }
    });
  }

  static open(base: string): Promise<LiveFeed> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}/api/live`, { headers: admin, agent: false }, (response) => {
        if (response.statusCode !== 200) reject(new Error(`GET /api/live answered ${response.statusCode}`));
        else resolve(new LiveFeed(req, response));
      });
      req.once('error', reject);
      req.end();
    });
  }

  /** The calls whose `type` event the feed has carried. */
  calls(type: 'call_started' | 'call_ended'): Set<string> {
    return new Set(this.events.flatMap((e) => (e.type !== type ? [] : [e.type === 'call_started' ? e.call.callSid : e.callSid])));
  }

  close(): void {
    this.#request.destroy();
  }
}
