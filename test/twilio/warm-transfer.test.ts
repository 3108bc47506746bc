// Warm transfer end to end over loopback: a Twilio-protocol caller, a scripted V1 agent, the recording
// stand-in for api.twilio.com, and Twilio's callbacks played by the test. Staff answer; staff do not
// answer (a no-answer callback, and separately the server's own timeout on a controllable clock), and
// the caller comes back to the agent on a new stream for the same CallSid, who takes a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startBridge, randomBytes, type BridgeHarness } from '../helpers/bridge-harness.js';
import { ManualClock } from '../helpers/manual-clock.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { transferToStaffTool } from '../../src/tools/call-tools.js';
import { twilioCallControl } from '../../src/twilio/call-control.js';
import { holdTwiml, TRANSFER_STATUS_PATH, WarmTransfers } from '../../src/twilio/warm-transfer.js';
import { TRANSFER_TEXT } from '../../src/domain/call-control.js';
import { StreamSecurity } from '../../src/twilio/stream-security.js';
import { silentLogger } from '../../src/observability/log.js';
import { Metrics } from '../../src/observability/metrics.js';
import { CallEventBus } from '../../src/domain/call.js';
import { systemClock, type Clock } from '../../src/domain/clock.js';
import { openStore } from '../../src/store/open.js';
import { CallRecorder } from '../../src/store/recorder.js';
import type { Store } from '../../src/store/types.js';
import { apiRoutes } from '../../src/api/routes.js';
import { dialects } from '../store/databases.js';
import { ACCOUNT_SID, TwilioApiRecorder, formOf, type RecordedRequest } from './twilio-api-recorder.js';
import type { SimulatedCall } from '../../src/simulate/twilio-caller.js';

const STAFF = '+15557654321';
const PUBLIC_URL = 'https://agent.example.com';
const CALLER = '+15550100';
const CLINIC = '+15550199';
/** The sid the REST stand-in gives the first call created. */
const STAFF_CALL_SID = `CA${'1'.padStart(32, '0')}`;
const BOOKED = { id: 7, patient_name: 'Jane Doe', date: '2026-01-06', time: '10:30', weekday: 'Tuesday' };

interface WarmHarness {
  h: BridgeHarness;
  twilio: TwilioApiRecorder;
  metrics: Metrics;
  store: Store;
  recorder: CallRecorder;
}

async function withWarmTransfer(run: (w: WarmHarness) => Promise<void>, clock: Clock = systemClock): Promise<void> {
  const twilio = await TwilioApiRecorder.start();
  const db = await dialects[0]!.create();
  const store = await openStore(db.url);
  const events = new CallEventBus();
  const recorder = new CallRecorder(store, events, { flushIntervalMs: 10 });
  const metrics = new Metrics({ defaultMetrics: false });
  const warm = new WarmTransfers({ client: twilio.client(), publicUrl: PUBLIC_URL, timeoutMs: 30_000, clock, metrics });
  const functions = new FunctionRegistry([
    transferToStaffTool,
    { name: 'book_appointment', schema: z.object({}).passthrough(), run: async () => ({ booked: BOOKED }) },
  ]);
  const h = await startBridge({
    clock,
    events,
    metrics,
    functions,
    env: { PUBLIC_URL },
    twilioControl: twilioCallControl({ client: twilio.client(), transferNumber: STAFF, logger: silentLogger, warm, metrics }),
    timing: { hangupGraceMs: 100 },
    plugins: [warm.routes({ PUBLIC_URL, TWILIO_AUTH_TOKEN: undefined }), async (app) => void (await app.register(apiRoutes, { store, adminToken: undefined }))],
  });
  try {
    await run({ h, twilio, metrics, store, recorder });
  } finally {
    await h.close();
    await recorder.close();
    await store.close();
    await db.drop();
    await twilio.close();
  }
}

async function answered(agent: AgentConnection, id: string): Promise<Record<string, unknown>> {
  const m = await agent.waitFor((r) => r.type === 'FunctionCallResponse' && r.id === id);
  return JSON.parse(String(m.content)) as Record<string, unknown>;
}

/** The agent says something: words, audio, done (the caller's side echoes its marks). */
function agentSays(agent: AgentConnection, text: string): void {
  agent.send({ type: 'ConversationText', role: 'assistant', content: text });
  agent.sendAudio(randomBytes(800, 5));
  agent.send({ type: 'AgentAudioDone' });
}

/** The caller books, asks for a person, and hears the agent say so: up to the caller's hold (request 0) and the staff call (request 1). */
async function transferWithSummary(
  { h, twilio }: WarmHarness,
  settle: () => Promise<void> = async () => undefined,
): Promise<{ call: SimulatedCall; agent: AgentConnection; hold: RecordedRequest; staff: RecordedRequest }> {
  const { call, agent } = await h.connectedCall({ from: CALLER, to: CLINIC, realtimePlayout: false });
  agent.send({ type: 'ConversationText', role: 'user', content: 'I have a question about my bill, can I talk to someone?' });
  agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'b', name: 'book_appointment', arguments: '{}', client_side: true }] });
  await answered(agent, 'b');
  agent.send({
    type: 'FunctionCallRequest',
    functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{"reason":"a billing question"}', client_side: true }],
  });
  assert.equal((await answered(agent, 't')).transferring, true);
  agentSays(agent, 'Let me connect you to the front desk, one moment please.');
  await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
  await settle();
  const hold = await twilio.request(0);
  call.stop(); // what Twilio does once the call's TwiML is replaced
  assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'transferred');
  const staff = await twilio.request(1);
  return { call, agent, hold, staff };
}

function staffStatus(h: BridgeHarness, callSid: string, status: string): Promise<Response> {
  return fetch(`${h.baseUrl}${TRANSFER_STATUS_PATH}?call=${callSid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ CallSid: STAFF_CALL_SID, CallStatus: status }),
  });
}

async function policyEvents(h: BridgeHarness, callSid: string): Promise<string[]> {
  return h.events.flatMap((e) => (e.type === 'event' && e.callSid === callSid && e.kind === 'policy' ? [e.detail] : []));
}

/** Plays Twilio sent back to the webhook: fetches the TwiML, then opens the new stream with its parameters. */
async function resumedStream(h: BridgeHarness, resumeUrl: string, callSid: string): Promise<{ call: SimulatedCall; agent: AgentConnection }> {
  const path = resumeUrl.slice(PUBLIC_URL.length);
  const twiml = await (
    await fetch(`${h.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ CallSid: callSid, From: CALLER, To: CLINIC, Direction: 'inbound' }),
    })
  ).text();
  const parameters = Object.fromEntries([...twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1]!, m[2]!]));
  assert.equal(parameters.resume, 'transfer_unanswered');
  return h.connectedCall({ callSid, customParameters: parameters, realtimePlayout: false });
}

async function metricValue(metrics: Metrics, result: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('phone_agent_transfers_total')!.get();
  return metric.values.find((v) => v.labels.mode === 'warm' && v.labels.result === result)?.value ?? 0;
}

test('warm transfer: the caller waits in a conference, staff hear who, why and what was booked, then join; the answer is on the record', async () => {
  await withWarmTransfer(async (w) => {
    const { call, hold, staff } = await transferWithSummary(w);
    assert.equal(hold.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.callSid}.json`);
    assert.deepEqual(hold.form, [['Twiml', holdTwiml(call.callSid)]]);
    assert.match(
      formOf(hold).Twiml!,
      new RegExp(`<Dial><Conference startConferenceOnEnter="false" endConferenceOnExit="true" beep="false">${call.callSid}</Conference></Dial>`),
    );

    assert.equal(staff.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
    const form = formOf(staff);
    assert.equal(form.To, STAFF);
    assert.equal(form.From, CLINIC, 'staff see the clinic number calling');
    assert.equal(form.Timeout, '30');
    assert.equal(form.StatusCallback, `${PUBLIC_URL}${TRANSFER_STATUS_PATH}?call=${call.callSid}`);
    assert.deepEqual(
      staff.form.filter(([k]) => k === 'StatusCallbackEvent').map(([, v]) => v),
      ['answered', 'completed'],
    );
    const say = /<Say>([^<]*)<\/Say>/.exec(form.Twiml!)?.[1] ?? '';
    assert.match(say, /a caller from \+1 5 5 5 0 1 0 0/, "the caller's number, digit by digit");
    assert.match(say, /Reason: a billing question\./);
    assert.match(say, /booked an appointment for Jane Doe on Tuesday 2026-01-06 at 10:30/);
    assert.match(
      form.Twiml!,
      new RegExp(`</Say><Dial><Conference startConferenceOnEnter="true" endConferenceOnExit="true" beep="false">${call.callSid}</Conference></Dial>`),
    );

    assert.equal((await staffStatus(w.h, call.callSid, 'in-progress')).status, 204);
    await w.h.waitForEvent('event', (e) => e.detail.startsWith('transfer: staff answered after'));
    assert.deepEqual((await policyEvents(w.h, call.callSid)).slice(0, 1), ['transfer: warm, caller on hold']);
    assert.equal((await staffStatus(w.h, call.callSid, 'completed')).status, 204, 'the end of the staff call changes nothing');
    assert.equal(w.twilio.requests.length, 2, 'nothing sent back to the agent');
    assert.equal(await metricValue(w.metrics, 'answered'), 1);
  });
});

/** After the caller is back: the apology, the earlier conversation, the message stored and listed, then a polite close. */
async function takesAMessage(w: WarmHarness, first: AgentConnection, resumeUrl: string, callSid: string): Promise<void> {
  const { call, agent } = await resumedStream(w.h, resumeUrl, callSid);
  const settings = agent.settings as { agent: { greeting?: string; context?: { messages: Array<Record<string, unknown>> } } };
  assert.equal(settings.agent.greeting, undefined, 'no second greeting');
  const context = settings.agent.context?.messages ?? [];
  assert.ok(context.some((m) => m.role === 'user' && String(m.content).includes('question about my bill')), 'the earlier conversation');
  assert.ok(context.some((m) => m.role === 'assistant' && String(m.content).includes('connect you to the front desk')));
  assert.notEqual(agent, first);
  const apology = await agent.waitFor((m) => m.type === 'InjectAgentMessage');
  assert.equal(apology.message, TRANSFER_TEXT.unanswered);

  agentSays(agent, TRANSFER_TEXT.unanswered);
  agent.send({ type: 'ConversationText', role: 'user', content: 'Please ask Dr Smith to call me back about the bill.' });
  const stored = await w.h.waitForEvent('staff_message');
  assert.equal(stored.message.text, 'Please ask Dr Smith to call me back about the bill.');
  const closing = await agent.waitFor((m) => m.type === 'InjectAgentMessage' && m.message === TRANSFER_TEXT.messageTaken);
  assert.equal(closing.behavior, 'queue');
  await w.recorder.flush();
  const listed = (await (await fetch(`${w.h.baseUrl}/api/messages`)).json()) as { messages: Array<Record<string, unknown>> };
  assert.equal(listed.messages.length, 1);
  assert.deepEqual(
    { callSid: listed.messages[0]!.callSid, from: listed.messages[0]!.from, text: listed.messages[0]!.text },
    { callSid, from: CALLER, text: 'Please ask Dr Smith to call me back about the bill.' },
  );
  assert.equal((await w.store.getCall(callSid))?.messages.length, 1, "on the call's record");
  call.hangUp();
  await w.h.waitForEvent('call_ended', (e) => e.summary.outcome !== 'transferred');
}

test('warm transfer unanswered (no-answer): the caller is back with the agent, who apologises and takes a message for staff', async () => {
  await withWarmTransfer(async (w) => {
    const { call, agent } = await transferWithSummary(w);
    assert.equal((await staffStatus(w.h, call.callSid, 'no-answer')).status, 204);
    const back = await w.twilio.request(2);
    assert.equal(back.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.callSid}.json`);
    const resumeUrl = `${PUBLIC_URL}/incoming-call?resume=transfer_unanswered`;
    assert.deepEqual(formOf(back), { Url: resumeUrl, Method: 'POST' });
    assert.equal(w.twilio.requests.length, 3, 'a staff call that ended on its own is not cancelled');
    await takesAMessage(w, agent, resumeUrl, call.callSid);
    assert.ok((await policyEvents(w.h, call.callSid)).some((d) => /staff did not answer \(staff's call ended no-answer\)/.test(d)));
    assert.equal(await metricValue(w.metrics, 'unanswered'), 1);
  });
});

test('warm transfer unanswered (the server gives up after TRANSFER_TIMEOUT_MS): staff stop ringing and the caller is back with the agent', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  await withWarmTransfer(async (w) => {
    const { call, agent, staff } = await transferWithSummary(w, () => clock.advance(100));
    await clock.advance(29_999);
    assert.equal(w.twilio.requests.length, 2, 'still ringing');
    await clock.advance(1);
    const cancel = await w.twilio.request(2);
    assert.equal(staff.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
    assert.equal(cancel.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${STAFF_CALL_SID}.json`, 'the staff call the stand-in created');
    assert.deepEqual(formOf(cancel), { Status: 'canceled' });
    const back = await w.twilio.request(3);
    assert.equal(formOf(back).Url, `${PUBLIC_URL}/incoming-call?resume=transfer_unanswered`);
    await takesAMessage(w, agent, formOf(back).Url!, call.callSid);
    assert.ok((await policyEvents(w.h, call.callSid)).some((d) => d.includes('no answer within 30000 ms')));
  }, clock);
});

test('a resumption is admitted only with the proof the resumed webhook handed out, when signature checks are on', () => {
  const security = new StreamSecurity({ authToken: 'secret-token', publicUrl: PUBLIC_URL });
  const start = (callSid: string, customParameters: Record<string, string>) => ({
    event: 'start' as const,
    streamSid: 'MZ1',
    start: {
      accountSid: ACCOUNT_SID,
      callSid,
      streamSid: 'MZ1',
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: { ...security.callParameters(callSid), ...customParameters },
    },
  });
  const admitted = security.admit(start('CA1', security.resumeParameters('CA1')));
  assert.ok(!('refused' in admitted));
  assert.deepEqual(admitted.start.customParameters, { resume: 'transfer_unanswered' });
  assert.deepEqual(security.admit(start('CA1', { resume: 'transfer_unanswered' })), { refused: 'invalid resume parameter' });
  assert.deepEqual(security.admit(start('CA2', security.resumeParameters('CA1'))), { refused: 'invalid resume parameter' }, "another call's proof");
});
