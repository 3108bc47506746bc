// POST /api/calls through SignalWire's Dialer, checked against a local stand-in for the space's
// Compatibility API, and its asynchronous answering-machine detection (POST /signalwire/amd, signed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outboundCallRoutes } from '../../src/api/outbound-calls.js';
import { parseEnv } from '../../src/config/env.js';
import { systemClock } from '../../src/domain/clock.js';
import { LiveCalls } from '../../src/domain/live-calls.js';
import { VoicemailDetections } from '../../src/domain/voicemail.js';
import { signalWireDialer } from '../../src/signalwire/outbound.js';
import { ApiRecorder } from './api-recorder.js';
import { CALLS_PATH, PROJECT_ID, PUBLIC, SIGNING_KEY, callsAnswer, signalWireClient, startSignalWire, type SignalWireHarness } from './harness.js';

const ADMIN = 'admin-secret';
const FROM = '+15550001111';

async function withDialer(vars: Record<string, string>, withClient: boolean, run: (sw: SignalWireHarness, api: ApiRecorder) => Promise<void>) {
  const api = await ApiRecorder.start(callsAnswer);
  const client = withClient ? signalWireClient(api) : undefined;
  const calls = new LiveCalls(systemClock);
  const detections = new VoicemailDetections(calls);
  const dialer = signalWireDialer({ env: parseEnv(vars), client, detections });
  const sw = await startSignalWire({
    client,
    signingKey: SIGNING_KEY,
    detections,
    bridge: { liveCalls: calls, env: { ADMIN_TOKEN: ADMIN }, plugins: [outboundCallRoutes({ dialers: [dialer], adminToken: ADMIN })] },
  });
  try {
    await run(sw, api);
  } finally {
    await sw.close();
    await api.close();
  }
}

const placeCall = (sw: SignalWireHarness, body: object) =>
  sw.bridge.server.app.inject({ method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${ADMIN}` }, payload: body });

const CONFIGURED = { SIGNALWIRE_PHONE_NUMBER: FROM, PUBLIC_URL: PUBLIC };

test('POST /api/calls dials through SignalWire: the call fetches /signalwire/incoming-call and reports to /signalwire/status', async () => {
  await withDialer(CONFIGURED, true, async (sw, api) => {
    const res = await placeCall(sw, { to: '+15552223333', carrier: 'signalwire' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), { carrier: 'signalwire', callSid: '00000000-0000-4000-8000-000000000001', status: 'queued', to: '+15552223333', from: FROM });
    const [create] = api.requests;
    assert.equal(create!.path, CALLS_PATH);
    assert.equal(create!.user, PROJECT_ID);
    assert.deepEqual(create!.form, [
      ['To', '+15552223333'],
      ['From', FROM],
      ['Url', `${PUBLIC}/signalwire/incoming-call`],
      ['Method', 'POST'],
      ['StatusCallback', `${PUBLIC}/signalwire/status`],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
    ]);
    api.failWith = { status: 400, body: { message: 'The number is not allowed' } };
    const refused = await placeCall(sw, { to: '+15552223333' });
    assert.equal(refused.statusCode, 502);
    assert.equal(refused.json().message, 'SignalWire refused the call: The number is not allowed');
  });
});

test('the SignalWire dialer names every variable it still needs', async () => {
  await withDialer({}, false, async (sw, api) => {
    const res = await placeCall(sw, { to: '+15552223333' });
    assert.equal(res.statusCode, 503);
    const credentials = 'SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE_URL';
    assert.equal(res.json().message, `outbound calls need ${credentials}, SIGNALWIRE_PHONE_NUMBER, PUBLIC_URL (where SignalWire reaches this server)`);
    assert.equal(api.requests.length, 0);
  });
});

test('voicemail: SignalWire detects a machine asynchronously, and a machine without a message is hung up on', async () => {
  await withDialer(CONFIGURED, true, async (sw, api) => {
    const res = await placeCall(sw, { to: '+15552223333', voicemail: {} });
    assert.equal(res.statusCode, 201, res.body);
    const form = new Map(api.requests[0]!.form);
    assert.equal(form.get('MachineDetection'), 'DetectMessageEnd');
    assert.equal(form.get('AsyncAmd'), 'true');
    assert.equal(form.get('AsyncAmdStatusCallback'), `${PUBLIC}/signalwire/amd`);
    const { callSid } = res.json() as { callSid: string };
    // Answered: SignalWire fetches the cXML, whose bearer token opens the stream.
    const answered = { CallSid: callSid, From: FROM, To: '+15552223333', Direction: 'outbound-api' };
    const answer = await sw.post('/signalwire/incoming-call', answered, SIGNING_KEY);
    const bearerToken = /authBearerToken="([^"]+)"/.exec(answer.body)![1]!;
    const { call } = await sw.connectedCall({ callSid, bearerToken, realtimePlayout: false });
    const report = { AccountSid: PROJECT_ID, CallSid: callSid, AnsweredBy: 'machine_end_silence' };
    assert.equal((await sw.post('/signalwire/amd', report)).statusCode, 403, 'an unsigned report is refused');
    assert.equal((await sw.post('/signalwire/amd', report, SIGNING_KEY)).statusCode, 204);
    const ended = await sw.bridge.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'voicemail');
    assert.match(ended.summary.reason ?? '', /answering machine answered \(machine_end_silence\); no message to leave/);
    await call.closed();
    assert.equal((await sw.post('/signalwire/amd', { CallSid: callSid }, SIGNING_KEY)).statusCode, 400);
  });
});
