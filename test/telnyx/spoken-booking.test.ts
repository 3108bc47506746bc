// The whole product over Telnyx on loopback: the real app (startApp) with TELNYX_PUBLIC_KEY set, a
// signed TeXML webhook whose answer names the token-bearing stream URL, and a spoken caller on a
// PCMA leg (flite through a G.711 line) talking to the embedded engine: Silero VAD, pocketsphinx,
// the clinic dialog, flite. The appointment must be in the store with exactly the spoken values.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env.js';
import { startApp, type App } from '../../src/app.js';
import { TelnyxCaller } from '../../src/simulate/telnyx-caller.js';
import { spokenCaller } from '../../src/engine/speak/phone-channel.js';
import { mulawEncode } from '../../src/audio/mulaw.js';
import { silentLogger } from '../../src/observability/log.js';
import type { CallEvent } from '../../src/domain/call.js';
import { form, signedHeaders, telnyxKeys } from './telnyx-harness.js';

const CALL_SID = 'v3:Qm9va2luZ0NhbGwtMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA';

async function startEmbedded(t: TestContext, publicKeyBase64: string): Promise<{ app: App; events: CallEvent[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pa-telnyx-e2e-'));
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dir, 'e2e.db'), LOG_LEVEL: 'silent', TELNYX_PUBLIC_KEY: publicKeyBase64 });
  const app = await startApp(env, { logger: silentLogger });
  const events: CallEvent[] = [];
  app.server.events.subscribe((e) => events.push(e));
  t.after(async () => {
    await app.shutdown(0);
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, events };
}

/** Resolves when the agent has been silent (nothing buffered, no new audio) for `quietMs`. */
function agentFinished(call: TelnyxCaller, quietMs = 700, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = performance.now();
    const onMedia = () => (last = performance.now());
    call.on('media', onMedia);
    const started = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      if (call.stats.bytesReceived > 0 && call.bufferedMs === 0 && now - last >= quietMs) done();
      else if (now - started > timeoutMs) done(new Error('the agent never finished speaking'));
    }, 50);
    function done(err?: Error) {
      clearInterval(timer);
      call.off('media', onMedia);
      if (err) reject(err);
      else resolve();
    }
  });
}

async function say(call: TelnyxCaller, text: string): Promise<void> {
  const pcm = await spokenCaller(text, 'rms');
  await call.streamAudio(Buffer.from(mulawEncode(pcm)));
  await call.streamSilence(400);
}

/** The first `weekday` strictly after today on the clinic's calendar, as YYYY-MM-DD. */
function nextWeekday(weekday: string, timeZone: string): string {
  const names = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  const today = new Date(new Date().toLocaleString('en-US', { timeZone }));
  const days = ((names.indexOf(weekday) - today.getDay() + 6) % 7) + 1;
  const target = new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate() + days));
  return target.toISOString().slice(0, 10);
}

test('a spoken caller on Telnyx books an appointment through the embedded engine, and it exists with exactly the spoken values', async (t) => {
  const keys = telnyxKeys();
  const { app, events } = await startEmbedded(t, keys.publicKeyBase64);

  // Telnyx fetches the TeXML application's webhook, signed, and opens the stream its answer names.
  const body = form({ AccountSid: '3e6f995f-85f7-4705-9741-53b116d28237', CallSid: CALL_SID, From: '+35319605860', To: '+13129457420', Direction: 'inbound' });
  const answer = await fetch(`${app.url}/telnyx/incoming-call`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signedHeaders(keys.privateKey, body) },
    body,
  });
  assert.equal(answer.status, 200);
  const texml = await answer.text();
  assert.match(texml, /bidirectionalMode="rtp"/);
  const streamPath = new URL(/<Stream url="([^"]+)"/.exec(texml)![1]!).pathname;
  const call = await TelnyxCaller.connect({ url: `${app.url.replace('http', 'ws')}${streamPath}`, callControlId: CALL_SID, encoding: 'PCMA' });

  await agentFinished(call); // the greeting
  for (const line of ['i would like to book an appointment', 'my name is john smith', 'july fourth nineteen eighty', 'tuesday at ten a m', 'yes']) {
    await say(call, line);
    await agentFinished(call);
  }
  const booked = await app.store.listAppointments({ status: 'booked' });
  const transcript = events.flatMap((e) => (e.type === 'turn' ? [`${e.turn.role}: ${e.turn.text}`] : []));
  assert.equal(booked.length, 1, JSON.stringify(transcript));
  const [appointment] = booked;
  assert.equal(appointment!.patientName, 'John Smith');
  assert.equal(appointment!.dateOfBirth, '1980-07-04');
  assert.equal(appointment!.date, nextWeekday('tuesday', 'America/New_York'));
  assert.equal(appointment!.time, '10:00');
  assert.equal(appointment!.callSid, CALL_SID, 'booked on the Telnyx call, known by its call_control_id');
  const started = events.find((e) => e.type === 'call_started');
  assert.ok(started && started.type === 'call_started');

  await say(call, 'no thank you goodbye');
  await call.closed(); // the agent hangs up once its goodbye has played
  const ended = events.find((e) => e.type === 'call_ended');
  assert.ok(ended && ended.type === 'call_ended');
  assert.equal(ended.summary.outcome, 'agent_hangup');
  assert.deepEqual(call.violations, [], 'the bridge sent nothing Telnyx would refuse');
});
