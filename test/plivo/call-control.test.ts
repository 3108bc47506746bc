// Hang-up, transfer and outbound calls through Plivo's REST API, checked request by request against a
// local stand-in for api.plivo.com.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { endCallTool, transferToStaffTool } from '../../src/tools/call-tools.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { placePlivoCall } from '../../src/plivo/outbound.js';
import { PlivoRestClient } from '../../src/plivo/rest-client.js';
import type { StatusCallback } from '../../src/domain/dialer.js';
import { AUTH_ID, AUTH_TOKEN, CALL_PATH, PUBLIC, signedHeaders, startPlivo } from './harness.js';

const STAFF = '+15557654321';
const functions = () => new FunctionRegistry([transferToStaffTool, endCallTool]);

async function answered(agent: AgentConnection, id: string): Promise<Record<string, unknown>> {
  const m = await agent.waitFor((r) => r.type === 'FunctionCallResponse' && r.id === id);
  return JSON.parse(String(m.content)) as Record<string, unknown>;
}

test('transfer_to_staff points the caller\'s leg at /plivo/transfer, which dials the staff number; the stream closing after it is a transfer', async () => {
  const plivo = await startPlivo({ api: true, transferNumber: STAFF, authToken: AUTH_TOKEN, bridge: { functions: functions() } });
  try {
    const answer = await plivo.post('/plivo/incoming-call', { CallUUID: 'c0ffee00-0000-4000-8000-000000000001', From: '1555', To: '1666' }, AUTH_TOKEN);
    const callToken = /callToken=(\w+)/.exec(answer.body)![1]!;
    const { call, agent } = await plivo.connectedCall({
      callId: 'c0ffee00-0000-4000-8000-000000000001',
      headers: signedHeaders(AUTH_TOKEN, 'GET', 'wss://agent.example.com/plivo/media-stream'),
      extraHeaders: { callToken },
    });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{"reason":"billing"}', client_side: true }] });
    const transfer = await plivo.api!.request(0);
    assert.equal(transfer.method, 'POST');
    assert.equal(transfer.path, `${CALL_PATH}${call.callSid}/`);
    assert.equal(transfer.user, AUTH_ID);
    assert.equal(transfer.password, AUTH_TOKEN);
    assert.equal(transfer.contentType, 'application/json');
    assert.deepEqual(transfer.json, { legs: 'aleg', aleg_url: `${PUBLIC}/plivo/transfer`, aleg_method: 'POST' });
    assert.equal((await answered(agent, 't')).transferring, true);

    const dial = await plivo.post('/plivo/transfer', { CallUUID: call.callSid }, AUTH_TOKEN);
    assert.equal(dial.statusCode, 200);
    assert.equal(dial.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>15557654321</Number></Dial></Response>');
    assert.equal((await plivo.post('/plivo/transfer', { CallUUID: call.callSid })).statusCode, 403);

    call.hangUp(); // Plivo closes the stream once the new XML runs
    const ended = await plivo.bridge.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'transferred');
    assert.equal(plivo.api!.requests.length, 1, 'no hang-up after a transfer');
  } finally {
    await plivo.close();
  }
});

test('end_call hangs up after the goodbye has played, then deletes the call over REST', async () => {
  const plivo = await startPlivo({ api: true, bridge: { functions: functions(), timing: { hangupGraceMs: 100 } } });
  try {
    const { call, agent } = await plivo.connectedCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Goodbye!' });
    agent.sendAudio(randomBytes(4000, 3));
    agent.send({ type: 'AgentAudioDone' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 'e')).ending, true);
    const ended = await plivo.bridge.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'agent_hangup');
    assert.equal(call.stats.bytesPlayed, 4000, 'the whole goodbye was played first');
    await call.closed();
    const hangUp = await plivo.api!.request(0);
    assert.equal(hangUp.method, 'DELETE');
    assert.equal(hangUp.path, `${CALL_PATH}${call.callSid}/`);
  } finally {
    await plivo.close();
  }
});

test('pressing 0 transfers once even if the agent asks too; the digit still reaches the agent', async () => {
  const plivo = await startPlivo({ api: true, transferNumber: STAFF, bridge: { functions: functions() } });
  try {
    const { call, agent } = await plivo.connectedCall();
    call.sendDtmf('0');
    const transfer = await plivo.api!.request(0);
    assert.equal(transfer.path, `${CALL_PATH}${call.callSid}/`);
    assert.equal((await agent.waitFor((m) => m.type === 'InjectUserMessage')).content, dtmfText('0'));
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 't')).transferring, true);
    call.hangUp();
    assert.equal((await plivo.bridge.waitForEvent('call_ended')).summary.outcome, 'transferred');
    assert.equal(plivo.api!.requests.length, 1);
  } finally {
    await plivo.close();
  }
});

test('a refused transfer and missing credentials are errors the agent can say; the call goes on', async () => {
  const plivo = await startPlivo({ api: true, transferNumber: STAFF, bridge: { functions: functions() } });
  try {
    plivo.api!.failWith = { status: 404, body: { api_id: 'x', error: 'call not found' } };
    const { call, agent } = await plivo.connectedCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /the transfer failed: call not found/);
    assert.equal(plivo.bridge.events.some((e) => e.type === 'call_ended'), false);
    call.hangUp();
  } finally {
    await plivo.close();
  }
  const noCredentials = await startPlivo({ transferNumber: STAFF, bridge: { functions: functions() } });
  try {
    const { call, agent } = await noCredentials.connectedCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /set PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN/);
    call.hangUp();
  } finally {
    await noCredentials.close();
  }
});

test('a hang-up of a call already over (404) is not an error', async () => {
  const plivo = await startPlivo({ api: true });
  try {
    plivo.api!.failWith = { status: 404, body: { error: 'not found' } };
    const client = new PlivoRestClient({ authId: AUTH_ID, authToken: AUTH_TOKEN }, { apiBaseUrl: plivo.api!.url });
    await client.hangUp('gone');
    plivo.api!.failWith = { status: 500, body: { error: 'internal' } };
    await assert.rejects(client.hangUp('gone'), /internal/);
  } finally {
    await plivo.close();
  }
});

test('placePlivoCall dials through the Call resource, fetching /plivo/incoming-call; hang-up callbacks are kept', async () => {
  const callbacks: StatusCallback[] = [];
  const recordStatus = async (cb: StatusCallback) => void callbacks.push(cb);
  const plivo = await startPlivo({ api: true, authToken: AUTH_TOKEN, bridge: { recordStatus } });
  try {
    const client = new PlivoRestClient({ authId: AUTH_ID, authToken: AUTH_TOKEN }, { apiBaseUrl: plivo.api!.url });
    const placed = await placePlivoCall(client, { to: '+15552223333', from: '+15550001111', publicUrl: PUBLIC });
    assert.deepEqual(placed, { requestUuid: 'req-1' });
    const [create] = plivo.api!.requests;
    assert.equal(create!.method, 'POST');
    assert.equal(create!.path, CALL_PATH);
    assert.deepEqual(create!.json, {
      from: '+15550001111',
      to: '+15552223333',
      answer_url: `${PUBLIC}/plivo/incoming-call`,
      answer_method: 'POST',
      hangup_url: `${PUBLIC}/plivo/hangup`,
      hangup_method: 'POST',
    });

    const hangup = { CallUUID: 'c0ffee00-0000-4000-8000-000000000002', CallStatus: 'completed', HangupCause: 'NORMAL_CLEARING' };
    assert.equal((await plivo.post('/plivo/hangup', hangup, AUTH_TOKEN)).statusCode, 204);
    assert.equal((await plivo.post('/plivo/hangup', hangup)).statusCode, 403);
    assert.equal(callbacks.length, 1);
    assert.deepEqual({ ...callbacks[0], at: 0 }, { callSid: hangup.CallUUID, status: 'completed', at: 0, payload: hangup });
  } finally {
    await plivo.close();
  }
});
