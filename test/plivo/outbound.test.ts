// POST /api/calls through Plivo's Dialer, checked against a local stand-in for Plivo's Call API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outboundCallRoutes } from '../../src/api/outbound-calls.js';
import { parseEnv } from '../../src/config/env.js';
import { plivoDialer } from '../../src/plivo/outbound.js';
import { ApiRecorder } from '../signalwire/api-recorder.js';
import { AUTH_ID, AUTH_TOKEN, CALL_PATH, PUBLIC, callAnswer, plivoClient, startPlivo, type PlivoHarness } from './harness.js';

const ADMIN = 'admin-secret';
const FROM = '+15550001111';

async function withDialer(vars: Record<string, string>, withClient: boolean, run: (plivo: PlivoHarness, api: ApiRecorder) => Promise<void>) {
  const api = await ApiRecorder.start(callAnswer);
  const client = withClient ? plivoClient(api) : undefined;
  const dialer = plivoDialer({ env: parseEnv(vars), client });
  const plivo = await startPlivo({ client, bridge: { env: { ADMIN_TOKEN: ADMIN }, plugins: [outboundCallRoutes({ dialers: [dialer], adminToken: ADMIN })] } });
  try {
    await run(plivo, api);
  } finally {
    await plivo.close();
    await api.close();
  }
}

const placeCall = (plivo: PlivoHarness, body: object) =>
  plivo.bridge.server.app.inject({ method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${ADMIN}` }, payload: body });

test('POST /api/calls dials through Plivo from PLIVO_PHONE_NUMBER, answered at /plivo/incoming-call', async () => {
  await withDialer({ PLIVO_PHONE_NUMBER: FROM, PUBLIC_URL: PUBLIC }, true, async (plivo, api) => {
    const res = await placeCall(plivo, { to: '+15552223333', carrier: 'plivo' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), { carrier: 'plivo', callSid: 'req-1', status: 'queued', to: '+15552223333', from: FROM });
    const [create] = api.requests;
    assert.equal(create!.path, CALL_PATH);
    assert.equal(create!.user, AUTH_ID);
    assert.equal(create!.password, AUTH_TOKEN);
    assert.deepEqual(create!.json, {
      from: FROM,
      to: '+15552223333',
      answer_url: `${PUBLIC}/plivo/incoming-call`,
      answer_method: 'POST',
      hangup_url: `${PUBLIC}/plivo/hangup`,
      hangup_method: 'POST',
    });
    const voicemail = await placeCall(plivo, { to: '+15552223333', voicemail: { message: 'Please call us back.' } });
    assert.equal(voicemail.statusCode, 400);
    assert.equal(voicemail.json().message, 'voicemail detection is not available on plivo');
    assert.equal(api.requests.length, 1);
  });
});

test('the Plivo dialer names every variable it still needs', async () => {
  await withDialer({}, false, async (plivo, api) => {
    const res = await placeCall(plivo, { to: '+15552223333' });
    assert.equal(res.statusCode, 503);
    const needs = 'PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, PLIVO_PHONE_NUMBER, PUBLIC_URL (where Plivo reaches this server)';
    assert.equal(res.json().message, `outbound calls need ${needs}`);
    assert.equal(api.requests.length, 0);
  });
});
