// Post-call reports from a running phone-agent (the composition root, a real store, the clinic's
// functions, a scripted V1 agent): a call's report reaches a receiver signed and complete; with the
// receiver down, then a restart of phone-agent, then the receiver back, every report arrives, once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEnv } from '../../src/config/env.js';
import { startApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/observability/log.js';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import { ReportReceiver } from './receiver.js';

const SECRET = 'whsec-e2e-secret';

/** A weekday two weeks or more ahead, inside the clinic's booking window. */
function openWeekday(): string {
  const day = new Date(Date.now() + 14 * 86_400_000);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('post-call reports from phone-agent', () => {
  let dir: string;
  let agent: ScriptedAgent;
  let receiver: ReportReceiver;
  const apps = new Set<App>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pa-webhooks-'));
    agent = await ScriptedAgent.start();
    receiver = await ReportReceiver.start(SECRET);
  });
  after(async () => {
    for (const app of apps) await app.shutdown(0);
    await agent.close();
    await receiver.down();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<App> {
    const env = parseEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: join(dir, 'calls.db'),
      AGENT_URL: agent.url,
      CALL_WEBHOOK_URL: receiver.url,
      CALL_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'silent',
    });
    const app = await startApp(env, { logger: silentLogger });
    apps.add(app);
    return app;
  }

  async function stop(app: App): Promise<void> {
    apps.delete(app);
    await app.shutdown(0);
  }

  /** A call in which the agent greets, is interrupted, hears a request, answers and books; then the caller hangs up. */
  async function bookingCall(app: App, patient: string): Promise<string> {
    const index = agent.connections.length;
    const call = await SimulatedCall.connect({ url: `${app.url.replace('http', 'ws')}/media-stream`, from: '+15550001111', to: '+15559990000' });
    const conn = await agent.connection(index);
    await conn.waitFor((m) => m.type === 'Settings');
    conn.send({ type: 'ConversationText', role: 'assistant', content: 'Thank you for calling Maple Street Family Medicine.' });
    conn.sendAudio(Buffer.alloc(8000, 0xff));
    await new Promise<void>((resolve) => call.once('media', () => resolve()));
    conn.send({ type: 'UserStartedSpeaking' });
    await new Promise<void>((resolve) => call.once('clear', () => resolve()));
    conn.send({ type: 'ConversationText', role: 'user', content: 'I would like to book a checkup.' });
    conn.send({ type: 'ConversationText', role: 'assistant', content: 'You are booked.' });
    conn.sendAudio(Buffer.alloc(1600, 0xff));
    const args = { patient_name: patient, date_of_birth: '1980-07-04', date: openWeekday(), time: '10:00', reason: 'checkup' };
    conn.send({ type: 'FunctionCallRequest', functions: [{ id: 'fc-book', name: 'book_appointment', arguments: JSON.stringify(args), client_side: true }] });
    await conn.waitFor((m) => m.type === 'FunctionCallResponse');
    call.hangUp();
    return call.callSid;
  }

  it('reports a call signed, with its transcript, interruption, function call, appointment and latency', async () => {
    const app = await start();
    const callSid = await bookingCall(app, 'John Smith');
    await receiver.waitFor(() => receiver.received.length === 1, 'the report');
    const [{ key, report, signatureProblem, headers }] = receiver.received as [(typeof receiver.received)[0]];
    assert.equal(signatureProblem, undefined);
    assert.equal(key, `call.ended:${callSid}`);
    assert.equal(headers['x-phone-agent-event'], 'call.ended');
    assert.deepEqual(
      { ...report.call, startedAt: typeof report.call.startedAt, endedAt: typeof report.call.endedAt, durationMs: typeof report.call.durationMs },
      {
        sid: callSid,
        carrier: 'twilio',
        from: '+15550001111',
        to: '+15559990000',
        direction: 'inbound',
        agent: 'default',
        startedAt: 'string',
        endedAt: 'string',
        durationMs: 'number',
        outcome: 'completed',
        reason: report.call.reason,
      },
    );
    assert.equal(report.idempotencyKey, key);
    assert.deepEqual(
      report.transcript.map((t) => [t.role, t.text, t.interrupted]),
      [
        ['assistant', 'Thank you for calling Maple Street Family Medicine.', true],
        ['user', 'I would like to book a checkup.', false],
        ['assistant', 'You are booked.', false],
      ],
    );
    assert.equal(report.interruptions, 1);
    assert.deepEqual(
      report.functionCalls.map((f) => [f.name, f.ok, (f.arguments as { patient_name: string }).patient_name]),
      [['book_appointment', true, 'John Smith']],
    );
    const [booked] = await app.store.listAppointments({ callSid });
    const weekday = report.appointments[0]!.appointment.weekday;
    assert.deepEqual(report.appointments, [
      { action: 'booked', appointment: { id: booked!.id, patient_name: 'John Smith', date: booked!.date, time: '10:00', weekday, reason: 'checkup' } },
    ]);
    assert.equal(report.latency.turns, 1);
    assert.equal(typeof report.latency.responseMs?.p50, 'number');
    assert.equal(report.summary.source, 'composed');
    assert.match(report.summary.text, /^Call from \+15550001111 \(default\), \d+ s, ended completed.* Booked John Smith for \d{4}-\d\d-\d\d at 10:00\./);
    await stop(app);
  });

  it('loses nothing while the receiver is down and phone-agent restarts: every report arrives, once per key', async () => {
    receiver.received.length = 0;
    await receiver.down();
    const first = await start();
    const calls = [await bookingCall(first, 'Ann Lee'), await bookingCall(first, 'Bob Ray')];
    // Both reports tried and refused before the restart.
    await until(async () => {
      const pending = await first.store.listWebhooks({ status: 'pending' });
      return calls.every((sid) => pending.some((w) => w.callSid === sid && w.attempts >= 1 && /ECONNREFUSED/.test(w.lastError ?? '')));
    }, 'a failed attempt at each report');
    await stop(first);

    await receiver.up();
    const second = await start();
    await receiver.waitFor(() => receiver.received.length >= 2, 'both reports after the restart');
    await until(async () => (await second.store.listWebhooks({ status: 'pending' })).length === 0, 'an empty outbox');
    const webhooks = (await second.server.app.inject('/api/webhooks')).json<{ pending: unknown[]; failed: unknown[] }>();
    assert.deepEqual(webhooks, { pending: [], failed: [] });
    await stop(second);
    assert.deepEqual(receiver.keys().sort(), calls.map((sid) => `call.ended:${sid}`).sort());
    assert.ok(receiver.received.every((r) => r.signatureProblem === undefined));
  });
});
