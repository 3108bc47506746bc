// POST /api/calls places an outbound call through the twilio SDK (checked request by request against a
// recording stand-in for api.twilio.com); POST /twilio/status keeps Twilio's signed progress callbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startBridge, type BridgeHarness } from '../helpers/bridge-harness.js';
import { parseEnv } from '../../src/config/env.js';
import { twilioOutbound } from '../../src/twilio/call-routes.js';
import { outboundCallRoutes } from '../../src/api/outbound-calls.js';
import type { StatusCallback } from '../../src/domain/dialer.js';
import { ACCOUNT_SID, AUTH_TOKEN, TwilioApiRecorder } from './twilio-api-recorder.js';
import { LiveCalls } from '../../src/domain/live-calls.js';
import { systemClock } from '../../src/domain/clock.js';
import { randomBytes } from '../helpers/bridge-harness.js';

const PUBLIC = 'https://agent.example.com';
const ADMIN = 'admin-secret';
const TWILIO_ENV = {
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_PHONE_NUMBER: '+15550001111',
  PUBLIC_URL: PUBLIC,
  ADMIN_TOKEN: ADMIN,
};

async function withRoutes(
  vars: Record<string, string>,
  withClient: boolean,
  run: (h: BridgeHarness, api: TwilioApiRecorder, callbacks: StatusCallback[]) => Promise<void>,
): Promise<void> {
  const api = await TwilioApiRecorder.start();
  const callbacks: StatusCallback[] = [];
  const env = parseEnv({ LOG_LEVEL: 'silent', ...vars });
  const recordStatus = async (cb: StatusCallback) => void callbacks.push(cb);
  const calls = new LiveCalls(systemClock);
  const outbound = twilioOutbound({ env, client: withClient ? api.client() : undefined, recordStatus, calls });
  const routes = [outbound.routes, outboundCallRoutes({ dialers: [outbound.dialer], adminToken: env.ADMIN_TOKEN })];
  const h = await startBridge({ env: vars, liveCalls: calls, plugins: routes });
  try {
    await run(h, api, callbacks);
  } finally {
    await h.close();
    await api.close();
  }
}

const placeCall = (h: BridgeHarness, body: object, auth: string | null = ADMIN) =>
  h.server.app.inject({ method: 'POST', url: '/api/calls', headers: auth ? { authorization: `Bearer ${auth}` } : {}, payload: body });

test('POST /api/calls dials `to` from TWILIO_PHONE_NUMBER, fetching /incoming-call and reporting to /twilio/status', async () => {
  await withRoutes(TWILIO_ENV, true, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), { carrier: 'twilio', callSid: `CA${'1'.padStart(32, '0')}`, status: 'queued', to: '+15552223333', from: '+15550001111' });
    assert.equal(api.requests.length, 1);
    const [create] = api.requests;
    assert.equal(create!.method, 'POST');
    assert.equal(create!.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
    assert.equal(create!.user, ACCOUNT_SID);
    assert.deepEqual(
      [...create!.form].sort(([a], [b]) => a.localeCompare(b)),
      [
        ['From', '+15550001111'],
        ['Method', 'POST'],
        ['StatusCallback', `${PUBLIC}/twilio/status`],
        ['StatusCallbackEvent', 'initiated'],
        ['StatusCallbackEvent', 'ringing'],
        ['StatusCallbackEvent', 'answered'],
        ['StatusCallbackEvent', 'completed'],
        ['StatusCallbackMethod', 'POST'],
        ['To', '+15552223333'],
        ['Url', `${PUBLIC}/incoming-call`],
      ],
    );
  });
});

test('POST /api/calls: admin only, a valid number, and Twilio refusals reported', async () => {
  await withRoutes(TWILIO_ENV, true, async (h, api) => {
    assert.equal((await placeCall(h, { to: '+15552223333' }, null)).statusCode, 401);
    assert.equal((await placeCall(h, { to: '+15552223333' }, 'wrong')).statusCode, 401);
    const bad = await placeCall(h, { to: '555-2223' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /to: must be an E\.164 phone number/);
    assert.equal(api.requests.length, 0);
    api.failWith = { status: 400, code: 21215, message: 'Account not authorized to call +15552223333' };
    const refused = await placeCall(h, { to: '+15552223333' });
    assert.equal(refused.statusCode, 502);
    assert.match(refused.json().message, /Twilio refused the call: Account not authorized/);
  });
});

test('POST /api/calls answers 503 with what is missing when Twilio is not configured', async () => {
  await withRoutes({ ADMIN_TOKEN: ADMIN }, false, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333' });
    assert.equal(res.statusCode, 503);
    assert.equal(
      res.json().message,
      'outbound calls need TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER, PUBLIC_URL (where Twilio reaches this server)',
    );
    assert.equal(api.requests.length, 0);
  });
});

test('POST /twilio/status records signed callbacks through the store and refuses forged ones', async () => {
  await withRoutes(TWILIO_ENV, true, async (h, _api, callbacks) => {
    const params = {
      AccountSid: ACCOUNT_SID,
      CallSid: 'CA00000000000000000000000000000001',
      CallStatus: 'ringing',
      To: '+15552223333',
      From: '+15550001111',
      Direction: 'outbound-api',
    };
    const post = (fields: Record<string, string>, signature: string) =>
      h.server.app.inject({
        method: 'POST',
        url: '/twilio/status',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: new URLSearchParams(fields).toString(),
      });
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}/twilio/status`, params);
    assert.equal((await post(params, signature)).statusCode, 204);
    assert.equal((await post({ ...params, CallStatus: 'completed' }, signature)).statusCode, 403);
    assert.equal(callbacks.length, 1);
    assert.equal(callbacks[0]!.callSid, params.CallSid);
    assert.equal(callbacks[0]!.status, 'ringing');
    assert.deepEqual(callbacks[0]!.payload, params);
  });
});

// Voicemail: Twilio's asynchronous answering-machine detection. The stand-in REST API answers calls.create;
// the detection callback is posted as Twilio posts it (form fields CallSid, AnsweredBy, MachineDetectionDuration).
const UNSIGNED_ENV = { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_PHONE_NUMBER: '+15550001111', PUBLIC_URL: PUBLIC, ADMIN_TOKEN: ADMIN };
const MESSAGE = 'Hello, this is the clinic calling about your appointment tomorrow. Please call us back.';
const detected = (h: BridgeHarness, callSid: string, answeredBy: string) =>
  h.server.app.inject({
    method: 'POST',
    url: '/twilio/amd',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ AccountSid: ACCOUNT_SID, CallSid: callSid, AnsweredBy: answeredBy, MachineDetectionDuration: '4210' }).toString(),
  });

test('POST /api/calls with voicemail asks Twilio for asynchronous detection that waits for the beep', async () => {
  await withRoutes(TWILIO_ENV, true, async (h, api) => {
    const res = await placeCall(h, { to: '+15552223333', voicemail: { message: MESSAGE } });
    assert.equal(res.statusCode, 201, res.body);
    const form = new Map(api.requests[0]!.form);
    assert.equal(form.get('MachineDetection'), 'DetectMessageEnd');
    assert.equal(form.get('AsyncAmd'), 'true');
    assert.equal(form.get('AsyncAmdStatusCallback'), `${PUBLIC}/twilio/amd`);
    assert.equal(form.get('AsyncAmdStatusCallbackMethod'), 'POST');
    const bad = await placeCall(h, { to: '+15552223333', voicemail: { message: '', extra: 1 } });
    assert.equal(bad.statusCode, 400);
  });
});

test('a machine gets the message at once, over whatever the agent was saying, then the call ends: outcome voicemail', async () => {
  await withRoutes(UNSIGNED_ENV, true, async (h, api) => {
    const { callSid } = (await placeCall(h, { to: '+15552223333', voicemail: { message: MESSAGE } })).json();
    assert.equal(api.requests.length, 1);
    const { call, agent } = await h.connectedCall({ callSid });
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Hello! This is the clinic.' });
    agent.sendAudio(randomBytes(16000, 3)); // two seconds of greeting, talking to the machine
    await new Promise((resolve) => call.once('media', resolve));
    assert.equal((await detected(h, callSid, 'machine_end_beep')).statusCode, 204);
    const inject = await agent.waitFor((m) => m.type === 'InjectAgentMessage');
    assert.deepEqual(inject, { type: 'InjectAgentMessage', message: MESSAGE, behavior: 'interrupt' });
    assert.equal(call.stats.clears, 1, 'the greeting still buffered for the machine is cleared');
    agent.send({ type: 'AgentStartedSpeaking' });
    agent.send({ type: 'ConversationText', role: 'assistant', content: MESSAGE });
    agent.sendAudio(randomBytes(1600, 4));
    agent.send({ type: 'AgentAudioDone' });
    const ended = await h.waitForEvent('call_ended', undefined, 10_000);
    assert.equal(ended.summary.outcome, 'voicemail');
    assert.ok(h.events.some((e) => e.type === 'event' && e.kind === 'policy' && e.detail === 'answering machine detection: machine_end_beep'));
    await call.closed();
  });
});

test('a person gets the agent: the detection is recorded and the call goes on', async () => {
  await withRoutes(UNSIGNED_ENV, true, async (h) => {
    const { callSid } = (await placeCall(h, { to: '+15552223333', voicemail: { message: MESSAGE } })).json();
    const { call, agent } = await h.connectedCall({ callSid, realtimePlayout: false });
    assert.equal((await detected(h, callSid, 'human')).statusCode, 204);
    await h.waitForEvent('event', (e) => e.kind === 'policy' && e.detail === 'answering machine detection: human');
    assert.equal(agent.messages.some((m) => m.type === 'InjectAgentMessage'), false);
    assert.ok(call.open);
    call.hangUp();
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'completed');
  });
});

test('without a message a machine is hung up on, even when Twilio reports before the stream has started', async () => {
  await withRoutes(UNSIGNED_ENV, true, async (h) => {
    const { callSid } = (await placeCall(h, { to: '+15552223333', voicemail: {} })).json();
    assert.equal((await detected(h, callSid, 'machine_end_silence')).statusCode, 204);
    const call = await h.call({ callSid });
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'voicemail');
    assert.match(ended.summary.reason ?? '', /answering machine answered \(machine_end_silence\); no message to leave/);
    await call.closed();
    assert.equal((await detected(h, callSid, 'machine_end_beep')).statusCode, 204, 'a repeated report is ignored');
  });
});
