// Hang-up, transfer and outbound calls through Telnyx's TeXML REST API, end to end: a Telnyx-protocol
// caller and a scripted V1 agent on loopback, and a recording stand-in for api.telnyx.com checked
// request by request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { endCallTool, transferToStaffTool } from '../../src/tools/call-tools.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { silentLogger } from '../../src/observability/log.js';
import { parseEnv } from '../../src/config/env.js';
import { telnyxCallControl } from '../../src/telnyx/call-control.js';
import { placeTelnyxCall, telnyxOutboundConfig } from '../../src/telnyx/outbound.js';
import { ACCOUNT, API_KEY, TelnyxApiRecorder, startTelnyxBridge, type TelnyxHarness } from './telnyx-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';

const STAFF = '+15557654321';
const functions = () => new FunctionRegistry([transferToStaffTool, endCallTool]);

async function withTelnyx(run: (h: TelnyxHarness, api: TelnyxApiRecorder) => Promise<void>, transferNumber: string | null = STAFF): Promise<void> {
  const api = await TelnyxApiRecorder.start();
  const h = await startTelnyxBridge({
    functions: functions(),
    control: telnyxCallControl({ client: api.client(), transferNumber: transferNumber ?? undefined, logger: silentLogger }),
    timing: { hangupGraceMs: 100 },
  });
  try {
    await run(h, api);
  } finally {
    await h.close();
    await api.close();
  }
}

async function answered(agent: AgentConnection, id: string): Promise<Record<string, unknown>> {
  const m = await agent.waitFor((r) => r.type === 'FunctionCallResponse' && r.id === id);
  return JSON.parse(String(m.content)) as Record<string, unknown>;
}

const callPath = (callSid: string) => `/v2/texml/Accounts/${ACCOUNT}/Calls/${callSid}`;

test('transfer_to_staff replaces the call\'s TeXML with <Dial>, and the stop that follows is recorded as transferred', async () => {
  await withTelnyx(async (h, api) => {
    const { call, agent } = await h.connectedTelnyxCall({ callControlId: 'v3:abc_DEF-123', userId: ACCOUNT });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{"reason":"billing"}', client_side: true }] });
    const update = await api.request(0);
    assert.equal(update.method, 'POST');
    assert.equal(update.path, callPath('v3:abc_DEF-123'));
    assert.equal(update.authorization, `Bearer ${API_KEY}`);
    assert.equal(update.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual([...new URLSearchParams(update.body)], [['Texml', `<?xml version="1.0" encoding="UTF-8"?><Response><Dial>${STAFF}</Dial></Response>`]]);
    assert.equal((await answered(agent, 't')).transferring, true);
    call.stop(); // what Telnyx does once the call's TeXML is replaced
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'transferred');
    assert.equal(api.requests.length, 1, 'no hang-up after a transfer');
  });
});

test('end_call hangs up only after the goodbye has played, then completes the call over REST', async () => {
  await withTelnyx(async (h, api) => {
    const { call, agent } = await h.connectedTelnyxCall({ userId: ACCOUNT });
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Goodbye, take care!' });
    agent.sendAudio(randomBytes(4000, 3)); // half a second of goodbye
    agent.send({ type: 'AgentAudioDone' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 'e')).ending, true);
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'agent_hangup');
    assert.equal(call.stats.bytesPlayed, 4000, 'the whole goodbye was played before the hang-up');
    await call.closed();
    const hangUp = await api.request(0);
    assert.equal(hangUp.path, callPath(call.callSid));
    assert.equal(hangUp.authorization, `Bearer ${API_KEY}`);
    assert.equal(hangUp.body, 'Status=completed');
    assert.equal(api.requests.length, 1);
  });
});

test('pressing 0 transfers from the bridge itself; the agent still hears the digit, and its own transfer is not a second one', async () => {
  await withTelnyx(async (h, api) => {
    const { call, agent } = await h.connectedTelnyxCall({ userId: ACCOUNT });
    call.sendDtmf('0');
    const update = await api.request(0);
    assert.equal(update.path, callPath(call.callSid));
    assert.match(new URLSearchParams(update.body).get('Texml')!, new RegExp(`<Dial>\\${STAFF}</Dial>`));
    assert.equal((await agent.waitFor((m) => m.type === 'InjectUserMessage')).content, dtmfText('0'));
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 't')).transferring, true);
    call.stop();
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'transferred');
    assert.equal(api.requests.length, 1);
  });
});

test('a refused transfer is an error the agent can say, and the call goes on', async () => {
  await withTelnyx(async (h, api) => {
    api.failWith = { status: 422, detail: 'Call has already ended' };
    const { call, agent } = await h.connectedTelnyxCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /the transfer failed: Telnyx answered 422: Call has already ended/);
    await sleep(50);
    assert.equal(h.events.some((e) => e.type === 'call_ended'), false);
    call.hangUp();
  });
});

test('without a transfer number, or without TELNYX_API_KEY, transfer_to_staff tells the agent why', async (t) => {
  await t.test('no transfer number', () =>
    withTelnyx(async (h, api) => {
      const { call, agent } = await h.connectedTelnyxCall();
      agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
      assert.match(String((await answered(agent, 't')).error), /transfer is not configured: set TRANSFER_NUMBER/);
      assert.equal(api.requests.length, 0);
      call.hangUp();
    }, null));
  await t.test('no API key (no call control)', async () => {
    const h = await startTelnyxBridge({ functions: functions() });
    try {
      const { call, agent } = await h.connectedTelnyxCall();
      agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
      assert.match(String((await answered(agent, 't')).error), /transfer is not configured \(set TELNYX_API_KEY and a transfer number\)/);
      call.hangUp();
    } finally {
      await h.close();
    }
  });
});

test('an outbound call goes through the TeXML Calls API and comes back to /telnyx/incoming-call', async () => {
  const api = await TelnyxApiRecorder.start();
  try {
    const env = parseEnv({
      TELNYX_API_KEY: API_KEY,
      TELNYX_ACCOUNT_SID: ACCOUNT,
      TELNYX_TEXML_APP_ID: '1234567890',
      TELNYX_PHONE_NUMBER: '+15550001111',
      PUBLIC_URL: 'https://agent.example.com',
    });
    const outbound = telnyxOutboundConfig(env);
    assert.ok('config' in outbound);
    const created = await placeTelnyxCall(api.client(), outbound.config, '+15552223333');
    assert.deepEqual(created, { sid: 'v3:created-call', status: 'queued' });
    const request = await api.request(0);
    assert.equal(request.path, `/v2/texml/Accounts/${ACCOUNT}/Calls`);
    assert.equal(request.authorization, `Bearer ${API_KEY}`);
    assert.equal(request.contentType, 'application/json');
    assert.deepEqual(JSON.parse(request.body), {
      ApplicationSid: '1234567890',
      To: '+15552223333',
      From: '+15550001111',
      Url: 'https://agent.example.com/telnyx/incoming-call',
      Method: 'POST',
      StatusCallback: 'https://agent.example.com/telnyx/status',
      StatusCallbackMethod: 'POST',
      StatusCallbackEvent: 'initiated ringing answered completed',
    });
    assert.deepEqual(telnyxOutboundConfig(parseEnv({ TELNYX_API_KEY: API_KEY })), {
      missing: ['TELNYX_ACCOUNT_SID', 'TELNYX_TEXML_APP_ID', 'TELNYX_PHONE_NUMBER', 'PUBLIC_URL (where Telnyx reaches this server)'],
    });
  } finally {
    await api.close();
  }
});
