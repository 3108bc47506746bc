// Transfer and hang-up through the twilio SDK, end to end: a Twilio-protocol caller and a scripted
// V1 agent on loopback, and a recording stand-in for api.twilio.com checked request by request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge, randomBytes, sleep, type BridgeHarness } from '../helpers/bridge-harness.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { endCallTool, transferToStaffTool } from '../../src/tools/call-tools.js';
import { twilioCallControl, transferTwiml } from '../../src/twilio/call-control.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { silentLogger } from '../../src/observability/log.js';
import { ACCOUNT_SID, TwilioApiRecorder, formOf } from './twilio-api-recorder.js';

const STAFF = '+15557654321';
const functions = () => new FunctionRegistry([transferToStaffTool, endCallTool]);

async function withTwilio(
  run: (h: BridgeHarness, twilio: TwilioApiRecorder) => Promise<void>,
  options: { transferNumber?: string | null } = {},
): Promise<void> {
  const twilio = await TwilioApiRecorder.start();
  const transferNumber = options.transferNumber === null ? undefined : (options.transferNumber ?? STAFF);
  const h = await startBridge({
    functions: functions(),
    twilioControl: twilioCallControl({ client: twilio.client(), transferNumber, logger: silentLogger }),
    timing: { hangupGraceMs: 100 },
  });
  try {
    await run(h, twilio);
  } finally {
    await h.close();
    await twilio.close();
  }
}

async function answered(agent: Awaited<ReturnType<BridgeHarness['agent']['connection']>>, id: string): Promise<Record<string, unknown>> {
  const m = await agent.waitFor((r) => r.type === 'FunctionCallResponse' && r.id === id);
  return JSON.parse(String(m.content)) as Record<string, unknown>;
}

test('transfer_to_staff updates the live call with <Dial> TwiML, and the stop that follows is recorded as transferred', async () => {
  await withTwilio(async (h, twilio) => {
    const { call, agent } = await h.connectedCall();
    agent.send({
      type: 'FunctionCallRequest',
      functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{"reason":"billing question"}', client_side: true }],
    });
    const update = await twilio.request(0);
    assert.equal(update.method, 'POST');
    assert.equal(update.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.callSid}.json`);
    assert.equal(update.user, ACCOUNT_SID);
    assert.deepEqual(update.form, [['Twiml', `<?xml version="1.0" encoding="UTF-8"?><Response><Dial>${STAFF}</Dial></Response>`]]);
    assert.equal(transferTwiml(STAFF), update.form[0]![1]);
    assert.deepEqual(await answered(agent, 't'), { transferring: true, note: 'the caller is being connected to the front desk; this conversation is over' });
    call.stop(); // what Twilio does once the call's TwiML is replaced
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'transferred');
    assert.equal(twilio.requests.length, 1, 'no hang-up after a transfer');
  });
});

test('end_call hangs up only after the goodbye has played, then completes the call over REST', async () => {
  await withTwilio(async (h, twilio) => {
    const { call, agent } = await h.connectedCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Goodbye, take care!' });
    agent.sendAudio(randomBytes(4000, 3)); // half a second of goodbye
    agent.send({ type: 'AgentAudioDone' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 'e')).ending, true);
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'agent_hangup');
    assert.equal(call.stats.bytesPlayed, 4000, 'the whole goodbye was played before the hang-up');
    await call.closed();
    const hangUp = await twilio.request(0);
    assert.equal(hangUp.method, 'POST');
    assert.equal(hangUp.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.callSid}.json`);
    assert.deepEqual(hangUp.form, [['Status', 'completed']]);
    assert.equal(twilio.requests.length, 1);
  });
});

test('pressing 0 transfers the call from the bridge itself; the agent still hears the digit, and its own transfer is not a second one', async () => {
  await withTwilio(async (h, twilio) => {
    const { call, agent } = await h.connectedCall();
    call.sendDtmf('0');
    const update = await twilio.request(0);
    assert.equal(update.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.callSid}.json`);
    assert.match(formOf(update).Twiml!, new RegExp(`<Dial>\\${STAFF}</Dial>`));
    const injected = await agent.waitFor((m) => m.type === 'InjectUserMessage');
    assert.equal(injected.content, dtmfText('0'));
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.equal((await answered(agent, 't')).transferring, true);
    call.stop();
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'transferred');
    assert.equal(twilio.requests.length, 1, 'one transfer request for the digit and the function together');
  });
});

test('other digits are only for the agent', async () => {
  await withTwilio(async (h, twilio) => {
    const { call, agent } = await h.connectedCall();
    call.sendDtmf('5');
    await agent.waitFor((m) => m.type === 'InjectUserMessage' && m.content === dtmfText('5'));
    await sleep(100);
    assert.equal(twilio.requests.length, 0);
    call.hangUp();
  });
});

test('a refused transfer is an error the agent can say, and the call goes on', async () => {
  await withTwilio(async (h, twilio) => {
    twilio.failWith = { status: 404, code: 20404, message: 'The requested resource was not found' };
    const { call, agent } = await h.connectedCall();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    assert.match(String((await answered(agent, 't')).error), /the transfer failed: The requested resource was not found/);
    assert.equal(h.events.some((e) => e.type === 'call_ended'), false);
    call.hangUp();
  });
});

test('without a transfer number, or without Twilio credentials, transfer_to_staff tells the agent why', async (t) => {
  await t.test('no transfer number', () =>
    withTwilio(
      async (h, twilio) => {
        const { call, agent } = await h.connectedCall();
        agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
        assert.match(String((await answered(agent, 't')).error), /transfer is not configured: set TRANSFER_NUMBER or transferNumber in the clinic config/);
        assert.equal(twilio.requests.length, 0);
        call.hangUp();
      },
      { transferNumber: null },
    ));
  await t.test('no credentials (no call control)', async () => {
    const h = await startBridge({ functions: functions() });
    try {
      const { call, agent } = await h.connectedCall();
      agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
      const { error } = await answered(agent, 't');
      assert.match(String(error), /transfer is not configured \(set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a transfer number\)/);
      call.sendDtmf('0');
      await agent.waitFor((m) => m.type === 'InjectUserMessage');
      assert.equal(h.events.some((e) => e.type === 'call_ended'), false, 'the digit did not end the call');
      call.hangUp();
    } finally {
      await h.close();
    }
  });
});
