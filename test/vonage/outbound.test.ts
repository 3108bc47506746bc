// POST /api/calls through Vonage's Dialer, checked against a recording stand-in for api.nexmo.com.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outboundCallRoutes } from '../../src/api/outbound-calls.js';
import { parseEnv } from '../../src/config/env.js';
import { vonageDialer } from '../../src/vonage/outbound.js';
import { PUBLIC, startVonage, type VonageHarness } from './harness.js';
import { VonageApiRecorder } from './vonage-api-recorder.js';

const ADMIN = 'admin-secret';
const FROM = '+15550001111';

async function withDialer(vars: Record<string, string>, withClient: boolean, run: (h: VonageHarness, api: VonageApiRecorder) => Promise<void>) {
  const api = await VonageApiRecorder.start();
  const dialer = vonageDialer({ env: parseEnv(vars), client: withClient ? api.client() : undefined });
  const h = await startVonage({}, { env: { ADMIN_TOKEN: ADMIN }, plugins: [outboundCallRoutes({ dialers: [dialer], adminToken: ADMIN })] });
  try {
    await run(h, api);
  } finally {
    await h.close();
    await api.close();
  }
}

const placeCall = (h: VonageHarness, body: object) =>
  h.server.app.inject({ method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${ADMIN}` }, payload: body });

test('POST /api/calls dials through Vonage from VONAGE_PHONE_NUMBER; the call leg uuid is the callSid', async () => {
  await withDialer({ VONAGE_PHONE_NUMBER: FROM, PUBLIC_URL: PUBLIC }, true, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333', carrier: 'vonage' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), { carrier: 'vonage', callSid: '11111111-2222-3333-4444-555555555555', status: 'started', to: '+15552223333', from: FROM });
    const [create] = api.requests;
    assert.equal(create!.path, '/v1/calls');
    assert.equal(create!.jwt?.verified, true);
    assert.deepEqual(create!.body, {
      to: [{ type: 'phone', number: '15552223333' }],
      from: { type: 'phone', number: '15550001111' },
      answer_url: [`${PUBLIC}/vonage/incoming-call?direction=outbound`],
      answer_method: 'GET',
      event_url: [`${PUBLIC}/vonage/events`],
      event_method: 'POST',
    });
    const voicemail = await placeCall(h, { to: '+15552223333', voicemail: {} });
    assert.equal(voicemail.statusCode, 400);
    assert.equal(voicemail.json().message, 'voicemail detection is not available on vonage');
    api.failWith = { status: 401, title: 'Unauthorized', detail: 'Invalid token' };
    const refused = await placeCall(h, { to: '+15552223333' });
    assert.equal(refused.statusCode, 502);
    assert.equal(refused.json().message, 'Vonage refused the call: HTTP 401: Unauthorized: Invalid token');
  });
});

test('the Vonage dialer names every variable it still needs', async () => {
  await withDialer({}, false, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333' });
    assert.equal(res.statusCode, 503);
    const needs = 'VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY, VONAGE_PHONE_NUMBER, PUBLIC_URL (where Vonage reaches this server)';
    assert.equal(res.json().message, `outbound calls need ${needs}`);
    assert.equal(api.requests.length, 0);
  });
});
