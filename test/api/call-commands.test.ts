// POST /api/calls/:callSid/hangup and /transfer on the instance holding the call (any instance reaches it
// through the shared state: test/shared/): through Twilio's REST API, recorded by a stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge, type BridgeHarness } from '../helpers/bridge-harness.js';
import { twilioCallControl, transferTwiml } from '../../src/twilio/call-control.js';
import { silentLogger } from '../../src/observability/log.js';
import { LiveCalls } from '../../src/domain/live-calls.js';
import { systemClock } from '../../src/domain/clock.js';
import { InProcessState } from '../../src/shared/in-process.js';
import { callCommandRoutes } from '../../src/api/call-commands.js';
import { ACCOUNT_SID, TwilioApiRecorder } from '../twilio/twilio-api-recorder.js';

const STAFF = '+15557654321';
const ELSEWHERE = '+15550001111';

/** `transferNumber` null: none configured. */
async function withCommands(run: (h: BridgeHarness, twilio: TwilioApiRecorder) => Promise<void>, transferNumber: string | null = STAFF): Promise<void> {
  const twilio = await TwilioApiRecorder.start();
  const liveCalls = new LiveCalls(systemClock);
  const h = await startBridge({
    liveCalls,
    twilioControl: twilioCallControl({ client: twilio.client(), transferNumber: transferNumber ?? undefined, logger: silentLogger }),
    timing: { hangupGraceMs: 100 },
    plugins: [callCommandRoutes({ calls: liveCalls, shared: new InProcessState(), instanceId: () => 'solo', adminToken: undefined })],
  });
  try {
    await run(h, twilio);
  } finally {
    await h.close();
    await twilio.close();
  }
}

const post = (h: BridgeHarness, url: string, body?: object) =>
  h.server.app.inject({ method: 'POST', url, ...(body ? { payload: body } : {}), remoteAddress: '127.0.0.1' });

test('transfer { to } dials that number instead of the transfer number; the call ends transferred', async () => {
  await withCommands(async (h, twilio) => {
    const { call } = await h.connectedCall();
    const res = await post(h, `/api/calls/${call.callSid}/transfer`, { to: ELSEWHERE });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { callSid: call.callSid, instance: 'solo' });
    const update = await twilio.request(0);
    assert.equal(update.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.callSid}.json`);
    assert.deepEqual(update.form, [['Twiml', transferTwiml(ELSEWHERE)]]);
    call.stop();
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'transferred');
  });
});

test('hangup ends the call and completes it over REST', async () => {
  await withCommands(async (h, twilio) => {
    const { call } = await h.connectedCall();
    assert.equal((await post(h, `/api/calls/${call.callSid}/hangup`)).statusCode, 202);
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'agent_hangup');
    await call.closed();
    assert.deepEqual((await twilio.request(0)).form, [['Status', 'completed']]);
  });
});

test('404 for a call live nowhere, 400 for a bad number, 409 with the reason when there is nowhere to transfer to', async () => {
  await withCommands(async (h) => {
    const nowhere = await post(h, '/api/calls/CA0000/hangup');
    assert.equal(nowhere.statusCode, 404);
    const { call } = await h.connectedCall();
    const bad = await post(h, `/api/calls/${call.callSid}/transfer`, { to: '555-1234' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /^to: must be an E\.164 phone number/);
    const unknownField = await post(h, `/api/calls/${call.callSid}/transfer`, { number: ELSEWHERE });
    assert.equal(unknownField.statusCode, 400);
    const nowhereToGo = await post(h, `/api/calls/${call.callSid}/transfer`);
    assert.equal(nowhereToGo.statusCode, 409);
    assert.match(nowhereToGo.json().message, /transfer is not configured/);
    call.hangUp();
  }, null);
});
