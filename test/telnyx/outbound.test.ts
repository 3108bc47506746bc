// POST /api/calls through Telnyx's Dialer (the TeXML Calls API, checked against a recording stand-in
// for api.telnyx.com), and TeXML's asynchronous answering-machine detection posted to /telnyx/amd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outboundCallRoutes } from '../../src/api/outbound-calls.js';
import { parseEnv } from '../../src/config/env.js';
import { systemClock } from '../../src/domain/clock.js';
import { LiveCalls } from '../../src/domain/live-calls.js';
import { VoicemailDetections } from '../../src/domain/voicemail.js';
import { telnyxDialer } from '../../src/telnyx/outbound.js';
import { randomBytes } from '../helpers/bridge-harness.js';
import { ACCOUNT, API_KEY, TelnyxApiRecorder, form, startTelnyxBridge, type TelnyxHarness } from './telnyx-harness.js';

const ADMIN = 'admin-secret';
const PUBLIC = 'https://agent.example.com';
const FROM = '+15550001111';
const CONFIGURED = { TELNYX_API_KEY: API_KEY, TELNYX_ACCOUNT_SID: ACCOUNT, TELNYX_TEXML_APP_ID: '1234567890', TELNYX_PHONE_NUMBER: FROM, PUBLIC_URL: PUBLIC };
const MESSAGE = 'Hello, this is the clinic calling about your appointment tomorrow.';

async function withDialer(vars: Record<string, string>, run: (h: TelnyxHarness, api: TelnyxApiRecorder) => Promise<void>) {
  const api = await TelnyxApiRecorder.start();
  const calls = new LiveCalls(systemClock);
  const detections = new VoicemailDetections(calls);
  const dialer = telnyxDialer({ env: parseEnv(vars), client: vars.TELNYX_API_KEY ? api.client() : undefined, detections });
  const h = await startTelnyxBridge({
    env: { ADMIN_TOKEN: ADMIN },
    detections,
    liveCalls: calls,
    plugins: [outboundCallRoutes({ dialers: [dialer], adminToken: ADMIN })],
  });
  try {
    await run(h, api);
  } finally {
    await h.close();
    await api.close();
  }
}

const placeCall = (h: TelnyxHarness, body: object) =>
  h.server.app.inject({ method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${ADMIN}` }, payload: body });

test('POST /api/calls places a TeXML call from TELNYX_PHONE_NUMBER; Telnyx refusals are reported', async () => {
  await withDialer(CONFIGURED, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333', carrier: 'telnyx' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), { carrier: 'telnyx', callSid: 'v3:created-call', status: 'queued', to: '+15552223333', from: FROM });
    const request = await api.request(0);
    assert.equal(request.path, `/v2/texml/Accounts/${ACCOUNT}/Calls`);
    const body = JSON.parse(request.body) as Record<string, unknown>;
    assert.equal(body.Url, `${PUBLIC}/telnyx/incoming-call`);
    assert.equal(body.MachineDetection, undefined, 'no detection unless voicemail is asked for');
    api.failWith = { status: 422, detail: 'The destination number is invalid' };
    const refused = await placeCall(h, { to: '+15552223333' });
    assert.equal(refused.statusCode, 502);
    assert.match(refused.json().message, /^Telnyx refused the call: Telnyx answered 422: The destination number is invalid/);
  });
});

test('the Telnyx dialer names every variable it still needs', async () => {
  await withDialer({ TELNYX_API_KEY: API_KEY }, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333' });
    assert.equal(res.statusCode, 503);
    assert.equal(
      res.json().message,
      'outbound calls need TELNYX_ACCOUNT_SID, TELNYX_TEXML_APP_ID, TELNYX_PHONE_NUMBER, PUBLIC_URL (where Telnyx reaches this server)',
    );
    assert.equal(api.requests.length, 0);
  });
});

test('voicemail over Telnyx: asynchronous detection that waits for the beep, then the message and the end of the call', async () => {
  await withDialer(CONFIGURED, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333', voicemail: { message: MESSAGE } });
    assert.equal(res.statusCode, 201, res.body);
    const body = JSON.parse((await api.request(0)).body) as Record<string, unknown>;
    assert.equal(body.MachineDetection, 'DetectMessageEnd');
    assert.equal(body.AsyncAmd, true);
    assert.equal(body.AsyncAmdStatusCallback, `${PUBLIC}/telnyx/amd`);
    const { callSid } = res.json() as { callSid: string };
    const { call, agent } = await h.connectedTelnyxCall({ callControlId: callSid, realtimePlayout: false });
    agent.sendAudio(randomBytes(8000, 3));
    const amd = form({ AccountSid: ACCOUNT, CallSid: callSid, AnsweredBy: 'machine_end_beep', MachineDetectionDuration: '4210' });
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const posted = await h.server.app.inject({ method: 'POST', url: '/telnyx/amd', headers, payload: amd });
    assert.equal(posted.statusCode, 204);
    assert.deepEqual(await agent.waitFor((m) => m.type === 'InjectAgentMessage'), { type: 'InjectAgentMessage', message: MESSAGE, behavior: 'interrupt' });
    agent.send({ type: 'AgentStartedSpeaking' });
    agent.sendAudio(randomBytes(1600, 4));
    agent.send({ type: 'AgentAudioDone' });
    const ended = await h.waitForEvent('call_ended', undefined, 10_000);
    assert.equal(ended.summary.outcome, 'voicemail');
    await call.closed();
  });
});
