// The whole product over AudioSocket: a spoken caller (flite through a G.711 line) calls the real app
// as Asterisk would, over its AudioSocket listener, and the embedded engine (VAD, pocketsphinx, the
// clinic dialog, flite) books an appointment that the store then holds with exactly the spoken values.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env.js';
import { startApp, type App } from '../../src/app.js';
import { connectAudioSocketCaller, type AudioSocketCaller } from '../../src/simulate/audiosocket-caller.js';
import { spokenCaller } from '../../src/engine/speak/phone-channel.js';
import { mulawEncode } from '../../src/audio/mulaw.js';
import type { CallEvent } from '../../src/domain/call.js';
import { logSink } from './harness.js';

async function startEmbedded(t: TestContext): Promise<{ app: App; events: CallEvent[]; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pa-audiosocket-e2e-'));
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', AUDIOSOCKET_PORT: '0', DATABASE_URL: join(dir, 'e2e.db'), LOG_LEVEL: 'info' });
  const { logs, logger } = logSink('info');
  const app = await startApp(env, { logger });
  const events: CallEvent[] = [];
  app.server.events.subscribe((e) => events.push(e));
  t.after(async () => {
    await app.shutdown(0);
    rmSync(dir, { recursive: true, force: true });
  });
  // The listener's port is found the way an operator finds it: in the log.
  const listening = logs.find((l) => l.msg === 'audiosocket listening');
  assert.ok(listening && typeof listening.port === 'number' && listening.port > 0, 'the app logs the AudioSocket port it bound');
  return { app, events, port: listening.port };
}

/** Resolves when the agent has been silent for `quietMs` (AudioSocket has no buffer: what arrives is playing). */
function agentFinished(call: AudioSocketCaller, quietMs = 700, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = performance.now();
    const onMedia = () => (last = performance.now());
    call.on('media', onMedia);
    const started = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      if (call.stats.bytesReceived > 0 && now - last >= quietMs) done();
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

async function say(call: AudioSocketCaller, text: string): Promise<void> {
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

test('a spoken caller books an appointment over AudioSocket, and the store holds exactly the spoken values', async (t) => {
  const { app, events, port } = await startEmbedded(t);
  const call = await connectAudioSocketCaller({ port });
  await agentFinished(call); // the greeting
  for (const line of ['i would like to book an appointment', 'my name is john smith', 'july fourth nineteen eighty', 'tuesday at ten a m', 'yes']) {
    await say(call, line);
    await agentFinished(call);
  }
  const transcript = events.flatMap((e) => (e.type === 'turn' ? [`${e.turn.role}: ${e.turn.text}`] : []));
  const booked = await app.store.listAppointments({ status: 'booked' });
  assert.equal(booked.length, 1, JSON.stringify(transcript));
  const [appointment] = booked;
  assert.equal(appointment!.patientName, 'John Smith');
  assert.equal(appointment!.dateOfBirth, '1980-07-04');
  assert.equal(appointment!.date, nextWeekday('tuesday', 'America/New_York'));
  assert.equal(appointment!.time, '10:00');
  assert.equal(appointment!.callSid, call.callSid, 'the booking belongs to the call named by the AudioSocket UUID');
  const started = events.find((e) => e.type === 'call_started');
  assert.ok(started?.type === 'call_started' && started.call.callSid === call.callSid);

  await say(call, 'no thank you goodbye');
  await call.closed(); // the agent hangs up once its goodbye has played
  assert.equal(call.hangupReceived, true, 'the server ended the call with the hangup message');
  assert.deepEqual(call.protocolErrors, [], 'nothing Asterisk would refuse was sent');
  const ended = events.find((e) => e.type === 'call_ended');
  assert.ok(ended && ended.type === 'call_ended');
  assert.equal(ended.summary.outcome, 'agent_hangup');
  t.diagnostic(`transcript: ${transcript.join(' | ')}`);
});
