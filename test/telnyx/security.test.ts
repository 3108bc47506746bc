// Who gets in with TELNYX_PUBLIC_KEY set: webhooks signed with the account's Ed25519 key over
// `timestamp|raw body` are accepted, any change of one byte, the timestamp or the key is refused; the
// stream URL's token gates the upgrade, and the stream's start must be for the token's own call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../helpers/bridge-harness.js';
import { form, signedHeaders, startTelnyxBridge, telnyxKeys, type TelnyxHarness } from './telnyx-harness.js';
import { parseEnv } from '../../src/config/env.js';
import { dialTexml, streamTexml } from '../../src/telnyx/texml.js';

const PUBLIC = 'https://agent.example.com';
const CALL_SID = 'v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ';
const WEBHOOK = { AccountSid: 'f5586561-8ff0-4291-a51b-c7dfe4139ff9', CallSid: CALL_SID, From: '+35319605860', To: '+13129457420', Direction: 'inbound' };

const keys = telnyxKeys();

function secured(): Promise<TelnyxHarness> {
  return startTelnyxBridge({ env: { TELNYX_PUBLIC_KEY: keys.publicKeyBase64, TELNYX_API_KEY: 'KEY-secret', PUBLIC_URL: PUBLIC } });
}

function post(h: TelnyxHarness, url: string, body: string, headers: Record<string, string>) {
  return h.server.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: body });
}

/** The stream URL a signed webhook answers for `callSid`, rewritten to this loopback server. */
async function streamPath(h: TelnyxHarness, callSid = CALL_SID): Promise<string> {
  const body = form({ ...WEBHOOK, CallSid: callSid });
  const res = await post(h, '/telnyx/incoming-call', body, signedHeaders(keys.privateKey, body));
  assert.equal(res.statusCode, 200, res.body);
  const url = /<Stream url="([^"]+)"/.exec(res.body)?.[1];
  assert.ok(url, res.body);
  return new URL(url).pathname;
}

test('POST /telnyx/incoming-call: signed by the account key over timestamp|raw body is accepted; any change is refused', async () => {
  const h = await secured();
  try {
    const body = form(WEBHOOK);
    const headers = signedHeaders(keys.privateKey, body);
    const ok = await post(h, '/telnyx/incoming-call', body, headers);
    assert.equal(ok.statusCode, 200);
    assert.match(ok.headers['content-type'] as string, /text\/xml/);
    assert.match(ok.body, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Connect>/);
    assert.match(ok.body, /<Stream url="wss:\/\/agent\.example\.com\/telnyx\/media-stream\/[\w-]+\.\d+\.[\w-]{43}" /);
    assert.match(ok.body, / bidirectionalMode="rtp" bidirectionalCodec="PCMU" /);

    const signature = headers['telnyx-signature-ed25519']!;
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    const other = telnyxKeys();
    const old = Math.floor(Date.now() / 1000) - 301;
    const refusals: Array<[string, Awaited<ReturnType<typeof post>>]> = [
      ['unsigned', await post(h, '/telnyx/incoming-call', body, {})],
      ['no timestamp', await post(h, '/telnyx/incoming-call', body, { 'telnyx-signature-ed25519': signature })],
      ['one byte of the signature', await post(h, '/telnyx/incoming-call', body, { ...headers, 'telnyx-signature-ed25519': flipped })],
      ['another timestamp', await post(h, '/telnyx/incoming-call', body, { ...headers, 'telnyx-timestamp': String(Number(headers['telnyx-timestamp']) + 1) })],
      ['a tampered parameter', await post(h, '/telnyx/incoming-call', form({ ...WEBHOOK, From: '+35319605861' }), headers)],
      ['an added parameter', await post(h, '/telnyx/incoming-call', `${body}&Extra=x`, headers)],
      ['another account key', await post(h, '/telnyx/incoming-call', body, signedHeaders(other.privateKey, body))],
      ['a stale timestamp (replay)', await post(h, '/telnyx/incoming-call', body, signedHeaders(keys.privateKey, body, old))],
    ];
    for (const [what, res] of refusals) assert.equal(res.statusCode, 403, `${what}: ${res.statusCode} ${res.body}`);
    // The same bytes re-encoded differently are not what Telnyx signed.
    const reordered = form({ CallSid: WEBHOOK.CallSid, AccountSid: WEBHOOK.AccountSid, From: WEBHOOK.From, To: WEBHOOK.To, Direction: WEBHOOK.Direction });
    assert.equal((await post(h, '/telnyx/incoming-call', reordered, headers)).statusCode, 403);
  } finally {
    await h.close();
  }
});

test('the stream upgrade needs a fresh token from the signed webhook, and its start must be for the token\'s call', async () => {
  const h = await secured();
  try {
    const path = await streamPath(h);
    const call = await h.telnyxCall({ url: `${h.wsBase}${path}`, callControlId: CALL_SID });
    const agent = await h.agent.connection(0);
    await agent.waitFor((m) => m.type === 'Settings');
    const started = await h.waitForEvent('call_started');
    assert.equal(started.call.callSid, CALL_SID);
    call.hangUp();

    const token = path.split('/').pop()!;
    const [id, expires, mac] = token.split('.') as [string, string, string];
    const forged = [
      ['no token', '/telnyx/media-stream'],
      ['one byte of the mac', `/telnyx/media-stream/${id}.${expires}.${(mac[0] === 'A' ? 'B' : 'A') + mac.slice(1)}`],
      ['a longer expiry', `/telnyx/media-stream/${id}.${Number(expires) + 1}.${mac}`],
      ['another call id', `/telnyx/media-stream/${Buffer.from('v3:someone-else').toString('base64url')}.${expires}.${mac}`],
      ['garbage', '/telnyx/media-stream/not-a-token'],
    ];
    for (const [what, p] of forged) {
      await assert.rejects(h.telnyxCall({ url: `${h.wsBase}${p}`, callControlId: CALL_SID }), /HTTP 403/, what);
    }

    // A genuine token, presented by a stream for another call: refused at start, before any audio.
    const stolen = await h.telnyxCall({ url: `${h.wsBase}${path}`, callControlId: 'v3:another-call' });
    const closed = new Promise<[number, string]>((resolve) => stolen.once('closed', (code, reason) => resolve([code, reason])));
    assert.deepEqual(await closed, [1008, 'the stream token was issued for another call']);
    await sleep(50);
    assert.equal(h.events.filter((e) => e.type === 'call_started').length, 1);
  } finally {
    await h.close();
  }
});

test('a token expires: the upgrade ten minutes later is refused', async () => {
  let now = Date.now();
  const h = await startTelnyxBridge({ env: { TELNYX_PUBLIC_KEY: keys.publicKeyBase64, PUBLIC_URL: PUBLIC }, now: () => now });
  try {
    const path = await streamPath(h);
    now += 10 * 60_000 + 1;
    await assert.rejects(h.telnyxCall({ url: `${h.wsBase}${path}`, callControlId: CALL_SID }), /HTTP 403/);
  } finally {
    await h.close();
  }
});

test('stream status and call status callbacks are signature-checked like the webhook', async () => {
  const h = await secured();
  try {
    const status = form({ CallSid: CALL_SID, StreamEvent: 'stream-failed', StreamSid: 'st-1', StreamError: 'Connection timeout' });
    assert.equal((await post(h, '/telnyx/stream-status', status, {})).statusCode, 403);
    assert.equal((await post(h, '/telnyx/stream-status', status, signedHeaders(keys.privateKey, status))).statusCode, 204);
    const recorded = h.events.find((e) => e.type === 'event' && e.callSid === CALL_SID);
    assert.ok(recorded && recorded.type === 'event');
    assert.deepEqual([recorded.kind, recorded.detail], ['error', 'telnyx stream status: stream-failed st-1: Connection timeout']);
    const progress = form({ CallSid: CALL_SID, CallStatus: 'ringing' });
    assert.equal((await post(h, '/telnyx/status', progress, { ...signedHeaders(keys.privateKey, progress), 'telnyx-timestamp': '1' })).statusCode, 403);
  } finally {
    await h.close();
  }
});

test('without TELNYX_PUBLIC_KEY: the answer names the bare stream URL and anyone may open it', async () => {
  const h = await startTelnyxBridge();
  try {
    const body = form({ CallSid: 'v3:1', Direction: 'outbound-api' });
    const res = await post(h, '/telnyx/incoming-call', body, { 'x-forwarded-host': 'abc.ngrok.app', 'x-forwarded-proto': 'https' });
    assert.equal(res.statusCode, 200);
    assert.equal(
      res.body,
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://abc.ngrok.app/telnyx/media-stream" track="inbound_track" codec="PCMU" ' +
        'bidirectionalMode="rtp" bidirectionalCodec="PCMU" bidirectionalSamplingRate="8000" enableReconnect="false" ' +
        'statusCallback="https://abc.ngrok.app/telnyx/stream-status" statusCallbackMethod="POST">' +
        '<Parameter name="Direction" value="outbound"/></Stream></Connect></Response>',
    );
    const call = await h.telnyxCall();
    await h.waitForEvent('call_started');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('TELNYX_PUBLIC_KEY must be a 32-byte base64 key; the error names the variable', () => {
  assert.throws(() => parseEnv({ TELNYX_PUBLIC_KEY: 'not-a-key' }), /TELNYX_PUBLIC_KEY: must be the base64 Ed25519 public key/);
  assert.throws(() => parseEnv({ TELNYX_PHONE_NUMBER: '555-1234' }), /TELNYX_PHONE_NUMBER: must be an E\.164 phone number/);
  assert.equal(parseEnv({ TELNYX_PUBLIC_KEY: keys.publicKeyBase64 }).TELNYX_PUBLIC_KEY, keys.publicKeyBase64);
});

test('every value in TeXML is escaped, and characters XML cannot carry are dropped', () => {
  const texml = streamTexml({ streamUrl: 'wss://h/x?a=1&b="2"', parameters: { "n'": '"/><Hangup/><x a="\u0001' } });
  assert.doesNotMatch(texml, /<Hangup\/>/);
  assert.ok(texml.includes('url="wss://h/x?a=1&amp;b=&quot;2&quot;"'), texml);
  assert.ok(texml.includes('<Parameter name="n&apos;" value="&quot;/&gt;&lt;Hangup/&gt;&lt;x a=&quot;"/>'), texml);
  assert.equal(dialTexml('+1555<Hangup/>'), '<?xml version="1.0" encoding="UTF-8"?><Response><Dial>+1555&lt;Hangup/&gt;</Dial></Response>');
});
