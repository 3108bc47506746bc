// Who gets in with PLIVO_AUTH_TOKEN set: V3-signed webhooks are answered and anything altered is
// refused; the stream handshake must be V3-signed over the stream's public URL; the stream's start
// must carry the call token the signed answer put in its extra headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signatureBase } from '../../src/plivo/signature.js';
import { CallTokens } from '../../src/plivo/call-token.js';
import { parseExtraHeaders } from '../../src/plivo/media-messages.js';
import { capturedLogger } from '../signalwire/harness.js';
import { AUTH_TOKEN, PUBLIC, STREAM_URL, signedHeaders, startPlivo, type PlivoHarness } from './harness.js';

const CALL = { CallUUID: '97ceeb52-58b6-11e1-86da-77300b68f8bb', From: '14155551234', To: '14155556789', Direction: 'inbound', CallStatus: 'ringing' };
const INCOMING = '/plivo/incoming-call';

/** The extra headers of a signed answer for `callUuid`, as Plivo would repeat them in `start`. */
async function answerHeaders(plivo: PlivoHarness, callUuid = CALL.CallUUID): Promise<Record<string, string>> {
  const res = await plivo.post(INCOMING, { ...CALL, CallUUID: callUuid }, AUTH_TOKEN);
  assert.equal(res.statusCode, 200, res.body);
  const attribute = /extraHeaders="([^"]*)"/.exec(res.body)?.[1];
  assert.ok(attribute !== undefined, res.body);
  return parseExtraHeaders(attribute);
}

test('the V3 base: URL, sorted query, "." before sorted fields as name+value; the signature: base64 HMAC-SHA256 of base.nonce', () => {
  assert.equal(signatureBase('GET', 'https://a.example.com/p?b=2&a=1'), 'https://a.example.com/p?a=1&b=2');
  assert.equal(signatureBase('POST', 'https://a.example.com/p', { To: '2', From: '1' }), 'https://a.example.com/p?From1To2');
  assert.equal(signatureBase('POST', 'https://a.example.com/p?x=1', { From: '1' }), 'https://a.example.com/p?x=1.From1');
  assert.equal(signatureBase('POST', 'https://a.example.com/p', {}), 'https://a.example.com/p');
  const expected = createHmac('sha256', 'token').update('https://a.example.com/p?From1.nonce').digest('base64');
  assert.equal(signedHeaders('token', 'POST', 'https://a.example.com/p', { From: '1' }, 'nonce')['x-plivo-signature-v3'], expected);
});

test('POST /plivo/incoming-call: a signed answer request gets the stream XML; any change is refused', async () => {
  const plivo = await startPlivo({ authToken: AUTH_TOKEN });
  try {
    const ok = await plivo.post(INCOMING, CALL, AUTH_TOKEN);
    assert.equal(ok.statusCode, 200);
    assert.match(ok.headers['content-type'] as string, /text\/xml/);
    const token = /callToken=(\d+x[0-9a-f]{64}),/.exec(ok.body)?.[1];
    assert.ok(token, ok.body);
    assert.equal(
      ok.body,
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000" ' +
        'statusCallbackUrl="https://agent.example.com/plivo/stream-status" statusCallbackMethod="POST" ' +
        `extraHeaders="callToken=${token},Direction=inbound,From=14155551234,To=14155556789">` +
        'wss://agent.example.com/plivo/media-stream</Stream></Response>',
    );

    const url = `${PUBLIC}${INCOMING}`;
    const good = signedHeaders(AUTH_TOKEN, 'POST', url, CALL);
    const inject = (fields: Record<string, string>, headers: Record<string, string>, path = INCOMING) =>
      plivo.bridge.server.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams(fields).toString(),
      });
    const sig = good['x-plivo-signature-v3']!;
    const refusals: Array<[string, Record<string, string>, Record<string, string>, string?]> = [
      ['unsigned', CALL, {}],
      ['no nonce', CALL, { 'x-plivo-signature-v3': sig }],
      ['another nonce', CALL, { ...good, 'x-plivo-signature-v3-nonce': '99999' }],
      ['one byte of the signature', CALL, { ...good, 'x-plivo-signature-v3': sig.slice(0, 4) + (sig[4] === 'A' ? 'B' : 'A') + sig.slice(5) }],
      ['another auth token', CALL, signedHeaders('someone-else', 'POST', url, CALL)],
      ['a tampered parameter', { ...CALL, From: '14155551235' }, good],
      ['an added parameter', { ...CALL, Extra: 'x' }, good],
      ['another host', CALL, signedHeaders(AUTH_TOKEN, 'POST', 'https://evil.example.com/plivo/incoming-call', CALL)],
      ['a query string not signed', CALL, good, `${INCOMING}?x=1`],
      ['signed as a GET', CALL, signedHeaders(AUTH_TOKEN, 'GET', url)],
    ];
    for (const [what, fields, headers, path] of refusals) assert.equal((await inject(fields, headers, path)).statusCode, 403, what);
    // Several signatures (one per active auth token): any may match.
    assert.equal((await inject(CALL, { ...good, 'x-plivo-signature-v3': `bm90IGl0,${sig}` })).statusCode, 200);
    assert.equal((await inject(CALL, signedHeaders(AUTH_TOKEN, 'POST', `${url}?clinic=main`, CALL), `${INCOMING}?clinic=main`)).statusCode, 200);
  } finally {
    await plivo.close();
  }
});

test('the stream handshake is V3-signed (GET) over the stream URL; the start must carry the call token for its CallUUID', async () => {
  const plivo = await startPlivo({ authToken: AUTH_TOKEN });
  try {
    const extraHeaders = await answerHeaders(plivo);
    const handshake = signedHeaders(AUTH_TOKEN, 'GET', STREAM_URL);
    const { call, agent } = await plivo.connectedCall({ callId: CALL.CallUUID, headers: handshake, extraHeaders });
    const started = await plivo.bridge.waitForEvent('call_started');
    assert.equal(started.call.callSid, CALL.CallUUID);
    assert.equal(started.call.from, '14155551234');
    assert.equal(started.call.customParameters.callToken, undefined, 'the token is not recorded');
    call.sendFrame(Buffer.alloc(160, 0x55));
    await agent.waitForAudioBytes(160);
    call.hangUp();
    // Plivo's stream SDK rebuilds the URL as https://: accepted too.
    const httpsSigned = await plivo.call({ callId: CALL.CallUUID, headers: signedHeaders(AUTH_TOKEN, 'GET', `${PUBLIC}/plivo/media-stream`), extraHeaders });
    httpsSigned.hangUp();

    const attempts: Array<[string, Record<string, string>]> = [
      ['unsigned', {}],
      ['another auth token', signedHeaders('someone-else', 'GET', STREAM_URL)],
      ['another path', signedHeaders(AUTH_TOKEN, 'GET', 'wss://agent.example.com/plivo/other')],
      ['another host', signedHeaders(AUTH_TOKEN, 'GET', 'wss://evil.example.com/plivo/media-stream')],
      ['signed as a POST', signedHeaders(AUTH_TOKEN, 'POST', STREAM_URL, { a: '1' })],
    ];
    for (const [what, headers] of attempts) {
      await assert.rejects(plivo.call({ callId: CALL.CallUUID, headers, extraHeaders }), /stream handshake refused: HTTP 403/, what);
    }

    const otherCall = await answerHeaders(plivo, '11111111-2222-4333-8444-555555555555');
    const expired = { ...extraHeaders, callToken: new CallTokens(AUTH_TOKEN, () => Date.now() - 11 * 60_000).issue(CALL.CallUUID) };
    const starts: Array<Record<string, string>> = [{ From: '1' }, { ...extraHeaders, callToken: 'forged' }, otherCall, expired];
    for (const headers of starts) {
      const stream = await plivo.call({ callId: CALL.CallUUID, headers: handshake, extraHeaders: headers });
      const closed = await new Promise<[number, string]>((resolve) => stream.once('closed', (code, reason) => resolve([code, reason])));
      assert.deepEqual(closed, [1008, 'missing or invalid call token']);
    }
    assert.equal(plivo.bridge.agent.connections.length, 2, 'no refused stream reached the agent');
  } finally {
    await plivo.close();
  }
});

test('without an auth token every webhook and stream is accepted; XML values are escaped, extra headers reduced to what Plivo allows', async () => {
  const plivo = await startPlivo();
  try {
    const res = await plivo.post(INCOMING, { ...CALL, From: 'sip:"/><Hangup/>@x.com' });
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /<Hangup/);
    assert.match(res.body, /extraHeaders="Direction=inbound,From=sipHangupxcom,To=14155556789"/);
    const { call } = await plivo.connectedCall();
    call.hangUp();
    assert.equal((await plivo.post(INCOMING, { From: '1' })).statusCode, 400, 'CallUUID is required');
  } finally {
    await plivo.close();
  }
});

test('stream status callbacks are checked and logged; a dropped stream is a warning', async () => {
  const { logger, lines } = capturedLogger();
  const plivo = await startPlivo({ authToken: AUTH_TOKEN, bridge: { logger } });
  try {
    const status = { Event: 'DroppedStream', CallUUID: CALL.CallUUID, StreamID: 'abc', Error: 'socket closed' };
    assert.equal((await plivo.post('/plivo/stream-status', status, AUTH_TOKEN)).statusCode, 204);
    assert.equal((await plivo.post('/plivo/stream-status', status)).statusCode, 403);
    const warned = lines.filter((l) => l.msg === 'Plivo reports a dropped or degraded stream');
    assert.equal(warned.length, 1);
    assert.equal(warned[0]!.error, 'socket closed');
  } finally {
    await plivo.close();
  }
});
