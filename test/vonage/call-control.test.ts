// Transfer, hang-up and outbound calls through Vonage's Voice API, end to end: a Vonage-protocol caller
// and a scripted V1 agent on loopback, and a recording stand-in for api.nexmo.com checked request by request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { endCallTool, transferToStaffTool } from '../../src/tools/call-tools.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { silentLogger } from '../../src/observability/log.js';
import { vonageCallControl } from '../../src/vonage/call-control.js';
import { placeVonageCall } from '../../src/vonage/routes.js';
import { startVonage, type VonageHarness } from './harness.js';
import { APPLICATION_ID, VonageApiRecorder, type RecordedRequest } from './vonage-api-recorder.js';

const STAFF = '+15557654321';
const OUR_NUMBER = '15559870000';

async function withVonage(run: (h: VonageHarness, api: VonageApiRecorder) => Promise<void>, options: { transferNumber?: string | null } = {}): Promise<void> {
  const api = await VonageApiRecorder.start();
  const transferNumber = options.transferNumber === null ? undefined : (options.transferNumber ?? STAFF);
  const h = await startVonage(
    { control: vonageCallControl({ client: api.client(), transferNumber, logger: silentLogger }) },
    { functions: new FunctionRegistry([transferToStaffTool, endCallTool]), timing: { hangupGraceMs: 100 } },
  );
  try {
    await run(h, api);
  } finally {
    await h.close();
    await api.close();
  }
}

async function answered(agent: Awaited<ReturnType<VonageHarness['agent']['connection']>>, id: string): Promise<Record<string, unknown>> {
  const m = await agent.waitFor((r) => r.type === 'FunctionCallResponse' && r.id === id);
  return JSON.parse(String(m.content)) as Record<string, unknown>;
}

/** Every request is signed RS256 with the application's key, as Vonage's SDKs sign them. */
function assertSigned(request: RecordedRequest): void {
  assert.ok(request.jwt?.verified, 'the JWT verifies with the application public key');
  assert.deepEqual(request.jwt.header, { alg: 'RS256', typ: 'JWT' });
  assert.equal(request.jwt.claims.application_id, APPLICATION_ID);
  const { iat, exp, jti } = request.jwt.claims as { iat: number; exp: number; jti: string };
  assert.ok(Math.abs(iat - Date.now() / 1000) < 5 && exp > iat && typeof jti === 'string' && jti.length > 0);
}

test('transfer_to_staff gives the caller\'s leg an NCCO that dials staff, then closes the socket; the call is recorded as transferred', async () => {
  await withVonage(async (h, api) => {
    const { call, agent } = await h.connectedVonageCall({ to: OUR_NUMBER });
    const request = { id: 't', name: 'transfer_to_staff', arguments: '{"reason":"billing question"}', client_side: true };
    agent.send({ type: 'FunctionCallRequest', functions: [request] });
    const update = await api.request(0);
    assert.equal(update.method, 'PUT');
    assert.equal(update.path, `/v1/calls/${call.callSid}`);
    assertSigned(update);
    assert.deepEqual(update.body, {
      action: 'transfer',
      destination: { type: 'ncco', ncco: [{ action: 'connect', from: OUR_NUMBER, endpoint: [{ type: 'phone', number: '15557654321' }] }] },
    });
    assert.deepEqual(await answered(agent, 't'), { transferring: true, note: 'the caller is being connected to the front desk; this conversation is over' });
    await call.closed();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'transferred');
    await sleep(50);
    assert.equal(api.requests.length, 1, 'no hang-up after a transfer');
  });
});

test('end_call hangs up only after the goodbye has played, then hangs up the caller\'s leg over REST', async () => {
  await withVonage(async (h, api) => {
    const { call, agent } = await h.connectedVonageCall({ realtimePlayout: true });
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Goodbye, take care!' });
    agent.sendAudio(randomBytes(4000, 3)); // half a second of goodbye
    agent.send({ type: 'AgentAudioDone' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 'e')).ending, true);
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'agent_hangup');
    assert.equal(call.stats.bytesPlayed, 4000, 'the whole goodbye (25 messages of 20 ms) was played before the hang-up');
    await call.closed();
    const hangUp = await api.request(0);
    assert.equal(hangUp.method, 'PUT');
    assert.equal(hangUp.path, `/v1/calls/${call.callSid}`);
    assert.deepEqual(hangUp.body, { action: 'hangup' });
    assertSigned(hangUp);
    assert.equal(api.requests.length, 1);
  });
});

test('pressing 0 transfers the call from the bridge itself; the agent still hears the digit', async () => {
  await withVonage(async (h, api) => {
    const { call, agent } = await h.connectedVonageCall();
    call.sendDtmf('0');
    const update = await api.request(0);
    assert.equal(update.path, `/v1/calls/${call.callSid}`);
    assert.equal((update.body as { action: string }).action, 'transfer');
    await agent.waitFor((m) => m.type === 'InjectUserMessage' && m.content === dtmfText('0'));
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'transferred');
  });
});

test('a refused transfer is an error the agent can say, and the call goes on', async () => {
  await withVonage(async (h, api) => {
    api.failWith = { status: 404, title: 'Not Found', detail: 'Call not found' };
    const { call, agent } = await h.connectedVonageCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /the transfer failed: HTTP 404: Not Found: Call not found/);
    assert.ok(call.open);
    assert.equal(h.events.some((e) => e.type === 'call_ended'), false);
    call.hangUp();
  });
});

test('without a transfer number, or without the application\'s credentials, transfer_to_staff tells the agent why', async (t) => {
  await t.test('no transfer number', () =>
    withVonage(
      async (h, api) => {
        const { call, agent } = await h.connectedVonageCall();
        agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
        assert.match(String((await answered(agent, 't')).error), /transfer is not configured: set TRANSFER_NUMBER/);
        assert.equal(api.requests.length, 0);
        call.hangUp();
      },
      { transferNumber: null },
    ));
  await t.test('no credentials', async () => {
    const h = await startVonage({}, { functions: new FunctionRegistry([transferToStaffTool]) });
    try {
      const { call, agent } = await h.connectedVonageCall();
      agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
      assert.match(String((await answered(agent, 't')).error), /set VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY and a transfer number/);
      call.hangUp();
    } finally {
      await h.close();
    }
  });
});

test('placeVonageCall dials out through POST /v1/calls, answered by our answer URL marked outbound', async () => {
  const api = await VonageApiRecorder.start();
  try {
    const call = await placeVonageCall(api.client(), { to: '+15551112222', from: '+15559870000', publicUrl: 'https://agent.example.com' });
    assert.deepEqual(call, { uuid: '11111111-2222-3333-4444-555555555555', status: 'started', direction: 'outbound', conversation_uuid: 'CON-0001' });
    const request = await api.request(0);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v1/calls');
    assertSigned(request);
    assert.deepEqual(request.body, {
      to: [{ type: 'phone', number: '15551112222' }],
      from: { type: 'phone', number: '15559870000' },
      answer_url: ['https://agent.example.com/vonage/incoming-call?direction=outbound'],
      answer_method: 'GET',
      event_url: ['https://agent.example.com/vonage/events'],
      event_method: 'POST',
    });
    api.failWith = { status: 401, title: 'Unauthorized', detail: 'Invalid token' };
    const refused = placeVonageCall(api.client(), { to: '+15551112222', from: '+15559870000', publicUrl: 'https://x' });
    await assert.rejects(refused, /HTTP 401: Unauthorized: Invalid token/);
  } finally {
    await api.close();
  }
});
