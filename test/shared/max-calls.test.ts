// MAX_CALLS: at capacity the instance says so to the balancer (/readyz 503 with the reason), answers the
// carrier's webhook 503 so it tries elsewhere, and closes a new stream with the reason; the call in
// progress goes on, and once it ends the instance is ready again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge } from '../helpers/bridge-harness.js';
import { until } from './instances.js';

test('MAX_CALLS=1: /readyz 503, the webhook 503 and a second stream closed with the reason, until the first call ends', async () => {
  const h = await startBridge({ env: { MAX_CALLS: '1' } });
  try {
    assert.equal((await h.server.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    const { call } = await h.connectedCall();

    const ready = await h.server.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json(), { ready: false, draining: false, reason: 'at capacity (MAX_CALLS=1)', activeCalls: 1 });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const webhook = await h.server.app.inject({ method: 'POST', url: '/incoming-call', payload: 'CallSid=CA2', headers: form });
    assert.equal(webhook.statusCode, 503);
    assert.equal(webhook.headers['retry-after'], '30');

    const second = await h.call();
    const [code, reason] = await new Promise<[number, string]>((resolve) => second.once('closed', (c, r) => resolve([c, r])));
    assert.deepEqual([code, reason], [1008, 'at capacity (MAX_CALLS=1)']);
    assert.equal(h.server.sessions.size, 1, 'the first call goes on');

    call.hangUp();
    await until(() => (h.server.sessions.size === 0 ? true : undefined), 'the first call to end');
    assert.equal((await h.server.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  } finally {
    await h.close();
  }
});
