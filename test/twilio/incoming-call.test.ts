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
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://agent.example.com/media-stream">' +
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
    assert.match(res.body, /<Stream url="wss:\/\/abc\.ngrok\.app\/media-stream">/);
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
