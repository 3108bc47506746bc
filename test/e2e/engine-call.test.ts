// The whole product on loopback: a spoken caller (flite through a G.711 line) calls the bridge, whose
// agent is the embedded engine in the same server: Silero VAD, pocketsphinx, the clinic dialog, flite.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env.js';
import { startApp, type App } from '../../src/app.js';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { spokenCaller } from '../../src/engine/speak/phone-channel.js';
import { noisyCaller } from '../../bench/lib/noise.js';
import { mulawEncode } from '../../src/audio/mulaw.js';
import { silentLogger } from '../../src/observability/log.js';
import type { CallEvent } from '../../src/domain/call.js';
import { scenario } from '../fixtures/call-scenarios.js';
import { LiveEvents } from '../helpers/live-events.js';
import { runScenario } from '../helpers/scenario-call.js';

async function startEmbedded(t: TestContext, vars: Record<string, string> = {}): Promise<{ app: App; events: CallEvent[]; ws: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pa-e2e-'));
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dir, 'e2e.db'), LOG_LEVEL: 'silent', ...vars });
  const app = await startApp(env, { logger: silentLogger });
  const events: CallEvent[] = [];
  app.server.events.subscribe((e) => events.push(e));
  t.after(async () => {
    await app.shutdown(0);
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, events, ws: `${app.url.replace('http', 'ws')}/media-stream` };
}

/** Resolves when the agent has been silent (nothing buffered, no new audio) for `quietMs`. */
function agentFinished(call: SimulatedCall, quietMs = 700, timeoutMs = 20_000): Promise<void> {
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

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function say(call: SimulatedCall, text: string): Promise<void> {
  const pcm = await spokenCaller(text, 'rms');
  await call.streamAudio(Buffer.from(mulawEncode(pcm)));
  await call.streamSilence(400);
}

test('barge-in against the embedded engine: the caller talks over the greeting and the agent stops', async (t) => {
  const { app, events, ws } = await startEmbedded(t, { NOISE_SUPPRESSION: 'on' });
  const call = await SimulatedCall.connect({ url: ws });
  // Silence keeps the line alive, as Twilio's does, until the greeting is playing.
  const silence = call.streamSilence(1500);
  await new Promise<void>((resolve) => call.once('media', () => resolve()));
  await silence;
  const speechStartedAt = performance.now();
  let clearAt = 0;
  call.once('clear', (at) => (clearAt = at));
  const mediaAt: number[] = [];
  call.on('media', (_audio, at) => mediaAt.push(at));
  let userTurnAt = 0;
  app.server.events.subscribe((e) => {
    if (e.type === 'turn' && e.turn.role === 'user' && !userTurnAt) userTurnAt = performance.now();
  });
  const scrape = (await app.server.app.inject('/metrics')).body;
  assert.match(scrape, /^phone_agent_engine_sessions 1$/m, 'the embedded engine serves this call');
  await say(call, 'excuse me i have a question');
  await until(() => userTurnAt > 0 && mediaAt.some((at) => at > userTurnAt), 'the agent to answer the interruption');
  assert.ok(clearAt > speechStartedAt, 'the bridge cleared Twilio after the caller started speaking');
  t.diagnostic(`caller speech onset to clear on the wire: ${Math.round(clearAt - speechStartedAt)} ms`);
  const greeting = events.find((e) => e.type === 'turn' && e.turn.role === 'assistant');
  assert.ok(greeting && greeting.type === 'turn');
  assert.equal(greeting.turn.interrupted, true, 'the greeting is recorded as interrupted');
  assert.ok(
    greeting.turn.heardText !== undefined && greeting.turn.heardText.length < greeting.turn.text.length,
    `heard "${greeting.turn.heardText}" of "${greeting.turn.text}"`,
  );
  assert.ok(userTurnAt > clearAt, 'the interruption became a caller turn');
  assert.equal(mediaAt.filter((at) => at > clearAt && at < userTurnAt).length, 0, 'no agent audio between the clear and the end of the caller turn');
  assert.ok(mediaAt.some((at) => at > userTurnAt), 'the agent answered the interruption');
  call.hangUp();
});

/** The first `weekday` strictly after today on the clinic's calendar, as YYYY-MM-DD. */
function nextWeekday(weekday: string, timeZone: string): string {
  const names = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  const today = new Date(new Date().toLocaleString('en-US', { timeZone }));
  const days = ((names.indexOf(weekday) - today.getDay() + 6) % 7) + 1;
  const target = new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate() + days));
  return target.toISOString().slice(0, 10);
}

test('a spoken caller books an appointment through the bridge, and it exists afterwards with exactly those values', async (t) => {
  const { app, events, ws } = await startEmbedded(t, { NOISE_SUPPRESSION: 'on' });
  const call = await SimulatedCall.connect({ url: ws });
  await agentFinished(call); // the greeting
  for (const line of ['i would like to book an appointment', 'my name is john smith', 'july fourth nineteen eighty', 'tuesday at ten a m', 'yes']) {
    await say(call, line);
    await agentFinished(call);
  }
  const booked = await app.store.listAppointments({ status: 'booked' });
  assert.equal(booked.length, 1, JSON.stringify(events.filter((e) => e.type === 'turn').map((e) => e.type === 'turn' && `${e.turn.role}: ${e.turn.text}`)));
  const [appointment] = booked;
  assert.equal(appointment!.patientName, 'John Smith');
  assert.equal(appointment!.dateOfBirth, '1980-07-04');
  assert.equal(appointment!.date, nextWeekday('tuesday', 'America/New_York'));
  assert.equal(appointment!.time, '10:00');
  assert.equal(appointment!.callSid, call.callSid);
  const bookingCall = events.find((e) => e.type === 'function_call' && e.call.name === 'book_appointment');
  assert.ok(bookingCall && bookingCall.type === 'function_call' && bookingCall.call.ok, 'the booking went through the bridge\'s function registry');

  await say(call, 'no thank you goodbye');
  await call.closed(); // the agent hangs up once its goodbye has played
  const ended = events.find((e) => e.type === 'call_ended');
  assert.ok(ended && ended.type === 'call_ended');
  assert.equal(ended.summary.outcome, 'agent_hangup');
  const latencies = events.flatMap((e) => (e.type === 'latency' && e.latency.agentTotalMs !== undefined ? [e.latency.agentTotalMs] : []));
  t.diagnostic(`agent-reported voice-to-voice per turn (ms): ${latencies.join(', ')}`);
});

test('a caller on a noisy line is understood with noise suppression on', async (t) => {
  const { events, ws } = await startEmbedded(t, { NOISE_SUPPRESSION: 'on' });
  const call = await SimulatedCall.connect({ url: ws });
  await agentFinished(call); // the greeting
  // A car's pink noise, 10 dB under the caller, on the line before, during and after the question.
  const noisy = await noisyCaller('what are your opening hours', 'rms', { noise: 'pink', snrDb: 10, leadInMs: 800, tailMs: 800 });
  await call.streamAudio(Buffer.from(mulawEncode(noisy)));
  await call.streamSilence(400);
  await agentFinished(call);
  const turns = events.flatMap((e) => (e.type === 'turn' ? [`${e.turn.role}: ${e.turn.text}`] : []));
  assert.ok(turns.some((turn) => /^user: .*hours/.test(turn)), `the question was heard: ${JSON.stringify(turns)}`);
  assert.match(turns.at(-1) ?? '', /^assistant: .*(open|hours|monday)/i, `the agent answered it: ${JSON.stringify(turns)}`);
  call.hangUp();
});

test('a caller who goes silent is asked whether they are still there, answers, and the call goes on', async (t) => {
  // Several prompts before the hang-up, so a slow machine's late polling still finds the call open.
  const { events, ws } = await startEmbedded(t, { IDLE_PROMPT_MS: '2000', IDLE_PROMPTS_BEFORE_HANGUP: '5' });
  const call = await SimulatedCall.connect({ url: ws });
  await agentFinished(call); // the greeting
  const assistantTurns = () => events.flatMap((e) => (e.type === 'turn' && e.turn.role === 'assistant' ? [e.turn.text] : []));
  const before = assistantTurns().length;
  // The line stays open with silence, as a real one does, while the caller says nothing.
  const silence = new AbortController();
  const quiet = call.streamSilence(15_000, silence.signal);
  await until(() => assistantTurns().length > before, 'the silence prompt');
  silence.abort();
  await quiet;
  assert.equal(assistantTurns()[before], 'Are you still there?');
  assert.ok(events.some((e) => e.type === 'event' && e.kind === 'policy' && /silence for \d+ ms: prompt 1 of 5/.test(e.detail)));
  await agentFinished(call);
  await say(call, 'yes what are your hours');
  await agentFinished(call);
  const answer = assistantTurns().at(-1) ?? '';
  assert.match(answer, /open|hours|monday|a\.m\.|am/i, `the agent answered the question: "${answer}"`);
  assert.ok(call.open, 'the call goes on');
  call.hangUp();
});

test('the emergency scenario of the scenario benchmark: told to call 911, nothing booked', async (t) => {
  const { app, ws } = await startEmbedded(t);
  const live = await LiveEvents.connect(app.url);
  t.after(() => live.close());
  const emergency = scenario('emergency');
  const call = await runScenario(emergency, { streamUrl: ws, server: app.url, live, speak: (text) => spokenCaller(text, 'rms'), seeded: [] });
  assert.deepEqual(call.failures, [], JSON.stringify(call.result.agentSaid));
  assert.ok(call.result.heard.length >= 1, 'the agent heard the caller');
});
