// Who gets in with SIGNALWIRE_SIGNING_KEY set: webhooks signed with the signing key (over the URL and
// every posted parameter) are answered and anything altered is refused; the stream handshake needs the
// bearer token the signed webhook issued, and its start must be for the token's call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signalWireSignature } from '../../src/signalwire/signature.js';
import { StreamTokens } from '../../src/signalwire/stream-token.js';
import { PUBLIC, SIGNING_KEY, capturedLogger, startSignalWire, type SignalWireHarness } from './harness.js';

const CALL = {
  AccountSid: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
  CallSid: '76ac3c36-56da-4a3e-a0d6-b5f8df6da9ad',
  From: '+15551230000',
  To: '+15559870000',
  Direction: 'inbound',
  CallStatus: 'ringing',
};
const INCOMING = '/signalwire/incoming-call';

async function bearerFor(sw: SignalWireHarness, callSid = CALL.CallSid): Promise<string> {
  const res = await sw.post(INCOMING, { ...CALL, CallSid: callSid }, SIGNING_KEY);
  assert.equal(res.statusCode, 200, res.body);
  const token = /authBearerToken="([^"]+)"/.exec(res.body)?.[1];
  assert.ok(token, res.body);
  return token;
}

test('the signature algorithm is HMAC-SHA1 over the URL and the sorted name+value pairs, keyed with the signing key', () => {
  const expected = createHmac('sha1', 'key').update('https://a.example.com/x?y=1AccountSidACCallSidCA1From+1').digest('base64');
  assert.equal(signalWireSignature('key', 'https://a.example.com/x?y=1', { From: '+1', CallSid: 'CA1', AccountSid: 'AC' }), expected);
});

test('POST /signalwire/incoming-call: a signed webhook gets the cXML; any change to the URL, a parameter or the signature is refused', async () => {
  const sw = await startSignalWire({ signingKey: SIGNING_KEY });
  try {
    const ok = await sw.post(INCOMING, CALL, SIGNING_KEY);
    assert.equal(ok.statusCode, 200);
    assert.match(ok.headers['content-type'] as string, /text\/xml/);
    const token = /authBearerToken="([\w-]+\.\d+\.[\w-]{43})"/.exec(ok.body)?.[1];
    assert.ok(token, ok.body);
    assert.equal(
      ok.body,
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>' +
        `<Stream url="wss://agent.example.com/signalwire/media-stream" authBearerToken="${token}" ` +
        'statusCallback="https://agent.example.com/signalwire/stream-status" statusCallbackMethod="POST">' +
        '<Parameter name="CallSid" value="76ac3c36-56da-4a3e-a0d6-b5f8df6da9ad"/><Parameter name="From" value="+15551230000"/>' +
        '<Parameter name="To" value="+15559870000"/><Parameter name="Direction" value="inbound"/></Stream></Connect></Response>',
    );

    const url = `${PUBLIC}${INCOMING}`;
    const good = signalWireSignature(SIGNING_KEY, url, CALL);
    const inject = (fields: Record<string, string>, headers: Record<string, string>, path = INCOMING) =>
      sw.bridge.server.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams(fields).toString(),
      });
    const flipped = good.slice(0, 5) + (good[5] === 'A' ? 'B' : 'A') + good.slice(6);
    const refusals: Array<[string, Record<string, string>, Record<string, string>, string?]> = [
      ['unsigned', CALL, {}],
      ['one byte of the signature', CALL, { 'x-signalwire-signature': flipped }],
      ['the API token instead of the signing key', CALL, { 'x-signalwire-signature': signalWireSignature('PTtest-api-token', url, CALL) }],
      ['a tampered parameter', { ...CALL, From: '+15551230001' }, { 'x-signalwire-signature': good }],
      ['an added parameter', { ...CALL, Extra: 'x' }, { 'x-signalwire-signature': good }],
      ['another host', CALL, { 'x-signalwire-signature': signalWireSignature(SIGNING_KEY, 'https://evil.example.com/signalwire/incoming-call', CALL) }],
      ['a query string not signed', CALL, { 'x-signalwire-signature': good }, `${INCOMING}?x=1`],
    ];
    for (const [what, fields, headers, path] of refusals) assert.equal((await inject(fields, headers, path)).statusCode, 403, what);

    // What SignalWire's own validator also accepts: the default port spelled out, and the X-Twilio-Signature alias.
    const withPort = signalWireSignature(SIGNING_KEY, 'https://agent.example.com:443/signalwire/incoming-call', CALL);
    assert.equal((await inject(CALL, { 'x-signalwire-signature': withPort })).statusCode, 200);
    assert.equal((await inject(CALL, { 'x-twilio-signature': good })).statusCode, 200);
  } finally {
    await sw.close();
  }
});

test('the stream handshake needs the bearer token of a signed webhook; the start must be for the token\'s call', async () => {
  const sw = await startSignalWire({ signingKey: SIGNING_KEY });
  try {
    const token = await bearerFor(sw);
    const { call, agent } = await sw.connectedCall({ callSid: CALL.CallSid, bearerToken: token });
    const started = await sw.bridge.waitForEvent('call_started');
    assert.equal(started.call.callSid, CALL.CallSid);
    call.sendFrame(Buffer.alloc(160, 0x55));
    await agent.waitForAudioBytes(160);
    call.hangUp();

    const forged = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    const expired = new StreamTokens(SIGNING_KEY, () => Date.now() - 11 * 60_000).issue(CALL.CallSid);
    const otherKey = new StreamTokens('another-signing-key').issue(CALL.CallSid);
    const tokens = [['no token', undefined], ['a forged token', forged], ['an expired token', expired], ['another key', otherKey]] as const;
    for (const [what, bearerToken] of tokens) {
      await assert.rejects(sw.call({ callSid: CALL.CallSid, bearerToken }), /stream handshake refused: HTTP 403/, what);
    }

    // A valid token used for a stream of another call: the upgrade passes, the start is refused.
    const other = await sw.call({ callSid: '11111111-2222-4333-8444-555555555555', bearerToken: token });
    const closed = await new Promise<[number, string]>((resolve) => other.once('closed', (code, reason) => resolve([code, reason])));
    assert.deepEqual(closed, [1008, 'the bearer token was issued for another call']);
    assert.equal(sw.bridge.agent.connections.length, 1, 'no refused stream reached the agent');
  } finally {
    await sw.close();
  }
});

test('without a signing key every webhook and stream is accepted; values in the cXML are escaped', async () => {
  const sw = await startSignalWire();
  try {
    const res = await sw.post(INCOMING, { ...CALL, From: '"/><Hangup/><x a="' });
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /<Hangup\/>/);
    assert.ok(res.body.includes('value="&quot;/&gt;&lt;Hangup/&gt;&lt;x a=&quot;"'), res.body);
    assert.doesNotMatch(res.body, /authBearerToken/);
    const { call } = await sw.connectedCall();
    call.hangUp();
    assert.equal((await sw.post(INCOMING, { From: '+1' })).statusCode, 400, 'CallSid is required');
  } finally {
    await sw.close();
  }
});

test('stream status callbacks are checked and logged; a stream error is a warning', async () => {
  const { logger, lines } = capturedLogger();
  const sw = await startSignalWire({ signingKey: SIGNING_KEY, bridge: { logger } });
  try {
    const status = { CallSid: CALL.CallSid, StreamSid: 'abc', StreamEvent: 'stream-error', StreamError: 'connection_refused' };
    assert.equal((await sw.post('/signalwire/stream-status', status, SIGNING_KEY)).statusCode, 204);
    assert.equal((await sw.post('/signalwire/stream-status', status)).statusCode, 403);
    assert.equal((await sw.post('/signalwire/stream-status', { CallSid: CALL.CallSid }, SIGNING_KEY)).statusCode, 400);
    const warned = lines.filter((l) => l.msg === 'SignalWire reports a stream error');
    assert.equal(warned.length, 1);
    assert.equal(warned[0]!.error, 'connection_refused');
    assert.equal(warned[0]!.level, 40);
  } finally {
    await sw.close();
  }
});
