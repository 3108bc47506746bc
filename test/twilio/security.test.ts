// Who gets in with TWILIO_AUTH_TOKEN set: signatures made by the twilio SDK are accepted on the webhook
// and on the stream handshake, and any change of one byte, parameter or URL is refused; the per-call
// token gates `start`; softphone tickets open one stream once; rate limits answer 429.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startBridge, sleep, type BridgeHarness } from '../helpers/bridge-harness.js';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { CallTokens } from '../../src/twilio/call-token.js';
import { SoftphoneTickets } from '../../src/twilio/softphone-tickets.js';
import { AUTH_TOKEN } from './twilio-api-recorder.js';

const PUBLIC = 'https://agent.example.com';
const STREAM_URL = 'wss://agent.example.com/media-stream';
const ADMIN = 'admin-secret';
const CALL = {
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  CallSid: 'CA11112222333344445555666677778888',
  From: '+15551230000',
  To: '+15559870000',
  Direction: 'inbound',
  CallStatus: 'ringing',
};

const sign = (url: string, params: Record<string, string>, token = AUTH_TOKEN) => twilio.getExpectedTwilioSignature(token, url, params);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function secured(extra: Record<string, string> = {}, options: Parameters<typeof startBridge>[0] = {}): Promise<BridgeHarness> {
  return startBridge({ ...options, env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_URL: PUBLIC, ADMIN_TOKEN: ADMIN, ...extra } });
}

async function postIncoming(
  h: BridgeHarness,
  params: Record<string, string>,
  signature: string | undefined,
  url = '/incoming-call',
  headers: Record<string, string> = {},
) {
  return h.server.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === undefined ? {} : { 'x-twilio-signature': signature }), ...headers },
    payload: form(params),
  });
}

/** The per-call token the signed webhook hands out for CALL.CallSid. */
async function callToken(h: BridgeHarness, callSid = CALL.CallSid): Promise<string> {
  const params = { ...CALL, CallSid: callSid };
  const res = await postIncoming(h, params, sign(`${PUBLIC}/incoming-call`, params));
  assert.equal(res.statusCode, 200);
  const token = /<Parameter name="callToken" value="([^"]+)"\/>/.exec(res.body)?.[1];
  assert.ok(token, res.body);
  return token;
}

function openStream(h: BridgeHarness, options: { signature?: string; path?: string; callSid?: string; customParameters?: Record<string, string> }) {
  return SimulatedCall.connect({
    url: `${h.baseUrl.replace('http', 'ws')}${options.path ?? '/media-stream'}`,
    headers: options.signature === undefined ? {} : { 'x-twilio-signature': options.signature },
    callSid: options.callSid ?? CALL.CallSid,
    customParameters: options.customParameters,
  });
}

test('POST /incoming-call: a signature made by the twilio SDK over PUBLIC_URL + path and all parameters is accepted; any change is refused', async () => {
  const h = await secured();
  try {
    const url = `${PUBLIC}/incoming-call`;
    const ok = await postIncoming(h, CALL, sign(url, CALL));
    assert.equal(ok.statusCode, 200);
    const stream = /<Stream url="wss:\/\/agent\.example\.com\/media-stream"[^>]*>/.source;
    const callSid = /<Parameter name="CallSid" value="CA11112222333344445555666677778888"\/>/.source;
    const callToken = /<Parameter name="callToken" value="\d+\.[\w-]{43}"\/><\/Stream>/.source;
    assert.match(ok.body, new RegExp(`${stream}${callSid}.*${callToken}`));

    const good = sign(url, CALL);
    const { CallStatus: _status, ...withoutStatus } = CALL;
    const flipped = good.slice(0, 5) + (good[5] === 'A' ? 'B' : 'A') + good.slice(6);
    const refusals: Array<[string, Awaited<ReturnType<typeof postIncoming>>]> = [
      ['unsigned', await postIncoming(h, CALL, undefined)],
      ['empty signature', await postIncoming(h, CALL, '')],
      ['one byte of the signature', await postIncoming(h, CALL, flipped)],
      ['another auth token', await postIncoming(h, CALL, sign(url, CALL, 'someone-else'))],
      ['a tampered parameter', await postIncoming(h, { ...CALL, From: '+15551230001' }, good)],
      ['an added parameter', await postIncoming(h, { ...CALL, Extra: 'x' }, good)],
      ['a removed parameter', await postIncoming(h, withoutStatus, good)],
      ['another URL', await postIncoming(h, CALL, sign(`${PUBLIC}/incoming-call2`, CALL))],
      ['a query string not signed', await postIncoming(h, CALL, good, '/incoming-call?x=1')],
      ['another host', await postIncoming(h, CALL, sign('https://evil.example.com/incoming-call', CALL))],
    ];
    for (const [what, res] of refusals) assert.equal(res.statusCode, 403, `${what}: ${res.statusCode} ${res.body}`);
    // A query string is part of what Twilio signs.
    const withQuery = await postIncoming(h, CALL, sign(`${url}?clinic=main`, CALL), '/incoming-call?clinic=main');
    assert.equal(withQuery.statusCode, 200);
  } finally {
    await h.close();
  }
});

test('without PUBLIC_URL the signed URL is rebuilt from the forwarded protocol and host', async () => {
  const h = await startBridge({ env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN } });
  try {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'abc.ngrok.app' };
    const signature = sign('https://abc.ngrok.app/incoming-call', CALL);
    assert.equal((await postIncoming(h, CALL, signature, '/incoming-call', forwarded)).statusCode, 200);
    const hostOnly = { 'x-forwarded-host': 'abc.ngrok.app' };
    assert.equal((await postIncoming(h, CALL, signature, '/incoming-call', hostOnly)).statusCode, 403, 'http:// is not what Twilio signed');
  } finally {
    await h.close();
  }
});

test('the stream handshake: signed over the exact wss:// URL with no parameters, or refused before the upgrade', async () => {
  const h = await secured();
  try {
    const token = await callToken(h);
    const call = await openStream(h, { signature: sign(STREAM_URL, {}), customParameters: { callToken: token } });
    const agent = await h.agent.connection();
    await agent.waitFor((m) => m.type === 'Settings');
    const started = await h.waitForEvent('call_started');
    assert.equal(started.call.callSid, CALL.CallSid);
    assert.equal(started.call.customParameters.callToken, undefined, 'the token is not recorded');
    call.hangUp();

    const good = sign(STREAM_URL, {});
    const attempts: Array<[string, Parameters<typeof openStream>[1]]> = [
      ['unsigned', {}],
      ['one byte of the signature', { signature: good.slice(0, -2) + (good.at(-2) === 'A' ? 'B' : 'A') + good.at(-1) }],
      ['signed over https://', { signature: sign(`${PUBLIC}/media-stream`, {}) }],
      ['signed with parameters', { signature: sign(STREAM_URL, { CallSid: CALL.CallSid }) }],
      ['another host', { signature: sign('wss://evil.example.com/media-stream', {}) }],
      ['a query string', { signature: sign(`${STREAM_URL}?x=1`, {}), path: '/media-stream?x=1' }],
      ['a query string beside a valid signature', { signature: good, path: '/media-stream?x=1' }],
    ];
    for (const [what, options] of attempts) {
      await assert.rejects(openStream(h, { ...options, customParameters: { callToken: token } }), /stream handshake refused: HTTP 403/, what);
    }
    assert.equal(h.agent.connections.length, 1, 'no refused stream reached the agent');
  } finally {
    await h.close();
  }
});

test('the per-call token: a signed stream whose start lacks the token for its CallSid is closed before any audio is bridged', async () => {
  const h = await secured();
  try {
    const otherToken = await callToken(h, 'CA99998888777766665555444433332222');
    const starts: Array<Record<string, string>> = [{}, { callToken: 'forged' }, { callToken: otherToken }];
    for (const customParameters of starts) {
      const call = await openStream(h, { signature: sign(STREAM_URL, {}), customParameters });
      const closed = new Promise<[number, string]>((resolve) => call.once('closed', (code, reason) => resolve([code, reason])));
      assert.deepEqual(await closed, [1008, 'missing or invalid call token']);
    }
    assert.equal(h.agent.connections.length, 0);
    assert.equal(h.events.filter((e) => e.type === 'call_started').length, 0);
  } finally {
    await h.close();
  }
});

test('call tokens are bound to their CallSid and expire', () => {
  let now = 1_000_000;
  const tokens = new CallTokens('secret', () => now, 60_000);
  const token = tokens.issue('CA1');
  assert.ok(tokens.verify('CA1', token));
  assert.equal(tokens.verify('CA2', token), false);
  assert.equal(new CallTokens('another secret', () => now).verify('CA1', token), false);
  assert.equal(tokens.verify('CA1', token.replace(/^\d+/, String(now + 10 * 60_000))), false, 'a longer expiry is not signed');
  assert.equal(tokens.verify('CA1', undefined), false);
  now += 60_001;
  assert.equal(tokens.verify('CA1', token), false);
});

type SoftphoneTicket = { url: string; ticket: string; expiresInMs: number; callSid: string; callToken: string; customParameters: Record<string, string> };

/** Asks for a softphone ticket as the admin. */
function requestTicket(h: BridgeHarness, headers: Record<string, string> = {}) {
  return h.server.app.inject({ method: 'POST', url: '/api/softphone/ticket', headers: { authorization: `Bearer ${ADMIN}`, ...headers } });
}

/** A stream opened on `path` with the call and parameters a ticket came with. */
function streamWith(ticket: SoftphoneTicket, path: string) {
  return { path, callSid: ticket.callSid, customParameters: ticket.customParameters };
}

test('softphone tickets: admin only, open one stream once (with the call token they come with), and expire', async () => {
  const h = await secured({}, { timing: { softphoneTicketMs: 1000 } });
  try {
    const denied = await h.server.app.inject({ method: 'POST', url: '/api/softphone/ticket' });
    assert.equal(denied.statusCode, 401);
    const res = await requestTicket(h, { host: '127.0.0.1:5000' });
    assert.equal(res.statusCode, 200);
    const ticket = res.json() as SoftphoneTicket;
    assert.equal(ticket.url, `ws://127.0.0.1:5000/media-stream?ticket=${ticket.ticket}`);
    assert.equal(ticket.expiresInMs, 1000);
    assert.match(ticket.callSid, /^CA[0-9a-f]{32}$/);
    assert.deepEqual(ticket.customParameters, { callToken: ticket.callToken });

    const path = `/media-stream?ticket=${ticket.ticket}`;
    const phone = await openStream(h, { path, callSid: ticket.callSid, customParameters: { ...ticket.customParameters, From: 'softphone' } });
    const agent = await h.agent.connection();
    await agent.waitFor((m) => m.type === 'Settings');
    phone.hangUp();
    await assert.rejects(openStream(h, { path, callSid: ticket.callSid, customParameters: ticket.customParameters }), /HTTP 403/, 'a ticket is single-use');

    const fresh = (await requestTicket(h)).json() as SoftphoneTicket;
    await assert.rejects(openStream(h, streamWith(fresh, `/media-stream?ticket=${fresh.ticket}&x=1`)), /HTTP 403/, 'nothing beside the ticket');
    await assert.rejects(openStream(h, streamWith(fresh, '/media-stream?ticket=made-up')), /HTTP 403/);
  } finally {
    await h.close();
  }
  const short = await secured({}, { timing: { softphoneTicketMs: 1 } });
  try {
    const ticket = (await requestTicket(short)).json() as SoftphoneTicket;
    await sleep(50);
    await assert.rejects(openStream(short, streamWith(ticket, `/media-stream?ticket=${ticket.ticket}`)), /HTTP 403/, 'an expired ticket');
  } finally {
    await short.close();
  }
});

test('softphone tickets stay bounded in memory and expire on a clock', () => {
  let now = 0;
  const tickets = new SoftphoneTickets(() => now, 1000, 3);
  const issued = [tickets.issue(), tickets.issue(), tickets.issue(), tickets.issue()];
  assert.equal(tickets.size, 3);
  assert.equal(tickets.redeem(issued[0]!), false, 'the oldest was evicted');
  assert.ok(tickets.redeem(issued[1]!));
  now = 1001;
  assert.equal(tickets.redeem(issued[2]!), false, 'expired');
});

test('with signature checks off (no TWILIO_AUTH_TOKEN) streams need no signature, ticket or token', async () => {
  const h = await startBridge();
  try {
    const res = await h.server.app.inject({ method: 'POST', url: '/api/softphone/ticket', remoteAddress: '127.0.0.1' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().customParameters, {});
    assert.equal(res.json().callToken, undefined);
    const call = await openStream(h, {});
    await (await h.agent.connection()).waitFor((m) => m.type === 'Settings');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('rate limits with checks off: /incoming-call and /media-stream upgrades answer 429 past the burst, each route counted apart', async () => {
  const h = await startBridge({ rateLimit: { burst: 3, perSecond: 0.001 } });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await postIncoming(h, CALL, undefined)).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    const limited = await postIncoming(h, CALL, undefined);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 3000, `retry-after ${limited.headers['retry-after']} within the 3000 s window`);
    for (let i = 0; i < 3; i++) (await openStream(h, {})).hangUp();
    await assert.rejects(openStream(h, {}), /stream handshake refused: HTTP 429/);
  } finally {
    await h.close();
  }
});

test('rate limits with checks on: a burst of signed webhooks is never refused; unsigned and badly signed ones are counted and refused 429', async () => {
  const h = await secured({}, { rateLimit: { burst: 3, perSecond: 0.001 } });
  try {
    for (let i = 0; i < 20; i++) {
      const params = { ...CALL, CallSid: `CA${String(i).padStart(32, '0')}` };
      assert.equal((await postIncoming(h, params, sign(`${PUBLIC}/incoming-call`, params))).statusCode, 200, `signed webhook ${i}`);
    }
    const codes: number[] = [];
    for (let i = 0; i < 2; i++) codes.push((await postIncoming(h, CALL, undefined)).statusCode);
    for (let i = 0; i < 2; i++) codes.push((await postIncoming(h, CALL, 'forged')).statusCode);
    assert.deepEqual(codes, [403, 403, 403, 429]);
    // The address over its limit for unsigned requests still gets its signed ones through.
    assert.equal((await postIncoming(h, CALL, sign(`${PUBLIC}/incoming-call`, CALL))).statusCode, 200);
  } finally {
    await h.close();
  }
});

test('websocket messages over 1 MiB close the stream (1009) before they are even parsed', async () => {
  const h = await startBridge();
  try {
    const call = await openStream(h, {});
    await (await h.agent.connection()).waitFor((m) => m.type === 'Settings');
    const closed = new Promise<number>((resolve) => call.once('closed', (code) => resolve(code)));
    call.sendRaw('x'.repeat(1024 * 1024 + 1));
    assert.equal(await closed, 1009);
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'twilio_disconnected');
  } finally {
    await h.close();
  }
});
