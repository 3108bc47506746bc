import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge } from '../helpers/bridge-harness.js';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

test('POST /incoming-call answers TwiML that connects a stream to wss://{PUBLIC_URL host}/media-stream with the call parameters', async () => {
  const h = await startBridge({ env: { PUBLIC_URL: 'https://agent.example.com/' } });
  try {
    const res = await h.server.app.inject({
      method: 'POST',
      url: '/incoming-call',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ CallSid: 'CA123', From: '+15551230000', To: '+15559870000', Direction: 'inbound' }),
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/xml/);
    assert.equal(
      res.body,
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://agent.example.com/media-stream" ' +
        'statusCallback="https://agent.example.com/twilio/stream-status" statusCallbackMethod="POST">' +
        '<Parameter name="CallSid" value="CA123"/><Parameter name="From" value="+15551230000"/>' +
        '<Parameter name="To" value="+15559870000"/><Parameter name="Direction" value="inbound"/></Stream></Connect></Response>',
    );
  } finally {
    await h.close();
  }
});

test('without PUBLIC_URL the stream host comes from X-Forwarded-Host (ngrok, load balancers), and values are escaped', async () => {
  const h = await startBridge();
  try {
    const res = await h.server.app.inject({
      method: 'POST',
      url: '/incoming-call',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-host': 'abc.ngrok.app', 'x-forwarded-proto': 'https' },
      payload: form({ CallSid: 'CA1', From: '"/><Hangup/><x a="', To: '+1' }),
    });
    assert.match(res.body, /<Stream url="wss:\/\/abc\.ngrok\.app\/media-stream" statusCallback="https:\/\/abc\.ngrok\.app\/twilio\/stream-status"/);
    assert.doesNotMatch(res.body, /<Hangup\/>/);
    assert.ok(res.body.includes(`value="&quot;/>&lt;Hangup/>&lt;x a=&quot;"`), res.body);
  } finally {
    await h.close();
  }
});

test('health and readiness', async () => {
  const h = await startBridge();
  try {
    assert.equal((await h.server.app.inject('/healthz')).statusCode, 200);
    const ready = await h.server.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { ready: true, activeCalls: 0 });
  } finally {
    await h.close();
  }
});

test('Twilio\'s stream status callbacks join the call\'s record; a stream error is recorded as an error', async () => {
  const h = await startBridge();
  try {
    const post = (fields: Record<string, string>) =>
      h.server.app.inject({
        method: 'POST',
        url: '/twilio/stream-status',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form(fields),
      });
    assert.equal((await post({ CallSid: 'CA9', StreamSid: 'MZ9', StreamEvent: 'stream-started' })).statusCode, 204);
    assert.equal((await post({ CallSid: 'CA9', StreamSid: 'MZ9', StreamEvent: 'stream-error', StreamError: 'Handshake failed: 403' })).statusCode, 204);
    assert.equal((await post({ StreamEvent: 'stream-error' })).statusCode, 400);
    const recorded = h.events.filter((e) => e.type === 'event' && e.callSid === 'CA9');
    assert.deepEqual(
      recorded.map((e) => e.type === 'event' && [e.kind, e.detail]),
      [
        ['info', 'twilio stream status: stream-started MZ9'],
        ['error', 'twilio stream status: stream-error MZ9: Handshake failed: 403'],
      ],
    );
  } finally {
    await h.close();
  }
});
