// Hang-up, transfer and outbound calls through SignalWire's Compatibility REST API, checked request by
// request against a local stand-in for the space's API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { endCallTool, transferToStaffTool } from '../../src/tools/call-tools.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { placeSignalWireCall } from '../../src/signalwire/outbound.js';
import { SignalWireRestClient } from '../../src/signalwire/rest-client.js';
import type { StatusCallback } from '../../src/domain/dialer.js';
import { API_TOKEN, CALLS_PATH, PROJECT_ID, PUBLIC, SIGNING_KEY, SPACE, startSignalWire } from './harness.js';

const STAFF = '+15557654321';
const functions = () => new FunctionRegistry([transferToStaffTool, endCallTool]);

async function answered(agent: AgentConnection, id: string): Promise<Record<string, unknown>> {
  const m = await agent.waitFor((r) => r.type === 'FunctionCallResponse' && r.id === id);
  return JSON.parse(String(m.content)) as Record<string, unknown>;
}

test('transfer_to_staff points the live call at /signalwire/transfer, which dials the staff number; the stop that follows is a transfer', async () => {
  const sw = await startSignalWire({ api: true, transferNumber: STAFF, signingKey: SIGNING_KEY, bridge: { functions: functions() } });
  try {
    await assert.rejects(sw.call(), /HTTP 403/, 'checks are on: a stream needs its token');
    const res = await sw.post('/signalwire/incoming-call', { CallSid: 'c0ffee00-0000-4000-8000-000000000001', From: '+1555', To: '+1666' }, SIGNING_KEY);
    const bearerToken = /authBearerToken="([^"]+)"/.exec(res.body)![1]!;
    const { call: live, agent } = await sw.connectedCall({ callSid: 'c0ffee00-0000-4000-8000-000000000001', bearerToken });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{"reason":"billing"}', client_side: true }] });
    const update = await sw.api!.request(0);
    assert.equal(update.method, 'POST');
    assert.equal(update.path, `${CALLS_PATH}/${live.callSid}`);
    assert.equal(update.user, PROJECT_ID);
    assert.equal(update.password, API_TOKEN);
    assert.deepEqual(update.form, [
      ['Url', `${PUBLIC}/signalwire/transfer`],
      ['Method', 'POST'],
    ]);
    assert.equal((await answered(agent, 't')).transferring, true);

    // What SignalWire fetches next: signed like every webhook.
    const dial = await sw.post('/signalwire/transfer', { CallSid: live.callSid }, SIGNING_KEY);
    assert.equal(dial.statusCode, 200);
    assert.equal(dial.body, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial>${STAFF}</Dial></Response>`);
    assert.equal((await sw.post('/signalwire/transfer', { CallSid: live.callSid })).statusCode, 403);

    live.stop();
    const ended = await sw.bridge.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'transferred');
    assert.equal(sw.api!.requests.length, 1, 'no hang-up after a transfer');
  } finally {
    await sw.close();
  }
});

test('end_call hangs up after the goodbye has played, then completes the call over REST', async () => {
  const sw = await startSignalWire({ api: true, bridge: { functions: functions(), timing: { hangupGraceMs: 100 } } });
  try {
    const { call, agent } = await sw.connectedCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Goodbye!' });
    agent.sendAudio(randomBytes(4000, 3));
    agent.send({ type: 'AgentAudioDone' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 'e')).ending, true);
    const ended = await sw.bridge.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'agent_hangup');
    assert.equal(call.stats.bytesPlayed, 4000, 'the whole goodbye was played first');
    await call.closed();
    const hangUp = await sw.api!.request(0);
    assert.equal(hangUp.path, `${CALLS_PATH}/${call.callSid}`);
    assert.deepEqual(hangUp.form, [['Status', 'completed']]);
  } finally {
    await sw.close();
  }
});

test('pressing 0 transfers once even if the agent asks too; the digit still reaches the agent', async () => {
  const sw = await startSignalWire({ api: true, transferNumber: STAFF, bridge: { functions: functions() } });
  try {
    const { call, agent } = await sw.connectedCall();
    call.sendDtmf('0');
    const update = await sw.api!.request(0);
    assert.equal(update.path, `${CALLS_PATH}/${call.callSid}`);
    assert.equal((await agent.waitFor((m) => m.type === 'InjectUserMessage')).content, dtmfText('0'));
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 't')).transferring, true);
    call.stop();
    assert.equal((await sw.bridge.waitForEvent('call_ended')).summary.outcome, 'transferred');
    assert.equal(sw.api!.requests.length, 1);
  } finally {
    await sw.close();
  }
});

test('a refused transfer, a missing transfer number and missing credentials are errors the agent can say; the call goes on', async () => {
  const sw = await startSignalWire({ api: true, transferNumber: STAFF, bridge: { functions: functions() } });
  try {
    sw.api!.failWith = { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    const { call, agent } = await sw.connectedCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /the transfer failed: The requested resource was not found/);
    assert.equal(sw.bridge.events.some((e) => e.type === 'call_ended'), false);
    call.hangUp();
  } finally {
    await sw.close();
  }
  const noNumber = await startSignalWire({ api: true, bridge: { functions: functions() } });
  try {
    const { call, agent } = await noNumber.connectedCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /set TRANSFER_NUMBER .* and PUBLIC_URL/);
    assert.equal(noNumber.api!.requests.length, 0);
    call.hangUp();
  } finally {
    await noNumber.close();
  }
  const noCredentials = await startSignalWire({ transferNumber: STAFF, bridge: { functions: functions() } });
  try {
    const { call, agent } = await noCredentials.connectedCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /set SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN, SIGNALWIRE_SPACE_URL/);
    await sleep(50);
    call.hangUp();
  } finally {
    await noCredentials.close();
  }
});

test('placeSignalWireCall dials through the Calls resource, fetching /signalwire/incoming-call; status callbacks are kept', async () => {
  const callbacks: StatusCallback[] = [];
  const recordStatus = async (cb: StatusCallback) => void callbacks.push(cb);
  const sw = await startSignalWire({ api: true, signingKey: SIGNING_KEY, bridge: { recordStatus } });
  try {
    const client = new SignalWireRestClient({ projectId: PROJECT_ID, apiToken: API_TOKEN, spaceUrl: SPACE }, { apiBaseUrl: sw.api!.url });
    const placed = await placeSignalWireCall(client, { to: '+15552223333', from: '+15550001111', publicUrl: PUBLIC });
    assert.deepEqual(placed, { sid: '00000000-0000-4000-8000-000000000001', status: 'queued' });
    const [create] = sw.api!.requests;
    assert.equal(create!.method, 'POST');
    assert.equal(create!.path, CALLS_PATH);
    assert.equal(create!.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual(create!.form, [
      ['To', '+15552223333'],
      ['From', '+15550001111'],
      ['Url', `${PUBLIC}/signalwire/incoming-call`],
      ['Method', 'POST'],
      ['StatusCallback', `${PUBLIC}/signalwire/status`],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
    ]);

    const progress = { CallSid: placed.sid, CallStatus: 'ringing', To: '+15552223333' };
    assert.equal((await sw.post('/signalwire/status', progress, SIGNING_KEY)).statusCode, 204);
    assert.equal((await sw.post('/signalwire/status', progress)).statusCode, 403);
    assert.equal(callbacks.length, 1);
    assert.deepEqual({ ...callbacks[0], at: 0 }, { callSid: placed.sid, status: 'ringing', at: 0, payload: progress });

    sw.api!.failWith = { status: 401, body: { message: 'Unauthorized' } };
    await assert.rejects(placeSignalWireCall(client, { to: '+1', from: '+2', publicUrl: PUBLIC }), /Unauthorized/);
  } finally {
    await sw.close();
  }
});
