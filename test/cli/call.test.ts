// `phone-agent call` as a user runs it: the real CLI in a child process, calling a real server over
// loopback whose agent converses by script (the embedded engine's end-to-end run is in engine-call.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env.js';
import { loadAgentSettings } from '../../src/agent/settings-file.js';
import { buildServer, type PhoneAgentServer } from '../../src/server.js';
import type { ScriptedAgent } from '../helpers/scripted-agent.js';
import { startTalkingAgent } from './talking-agent.js';
import { openStore, CallRecorder, type Store } from '../../src/store/index.js';
import { CallEventBus } from '../../src/domain/call.js';
import { apiRoutes } from '../../src/api/routes.js';
import { readWav, writeWav } from '../../src/audio/wav.js';
import { spokenCaller } from '../../src/engine/speak/phone-channel.js';
import { resampleLinear } from '../../src/audio/resample.js';
import { runCli } from './run-cli.js';
import type { CallReport } from '../../src/cli/call.js';
import { vonageCarrier } from '../../src/vonage/routes.js';
import { telnyxCarrier } from '../../src/telnyx/carrier.js';
import { AudioSocketCarrier } from '../../src/audiosocket/carrier.js';

const ADMIN_TOKEN = 'cli-test-token';
const GREETING = 'Thank you for calling the clinic. How can I help?';
const HEARD = ['I would like to book an appointment', 'my name is Sarah Johnson'];

let dir: string;
let store: Store;
let recorder: CallRecorder;
let agent: ScriptedAgent;
let server: PhoneAgentServer;
let streamUrl: string;
let audiosocket: AudioSocketCarrier;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phone-agent-cli-'));
  store = await openStore(join(dir, 'calls.db'));
  const events = new CallEventBus();
  recorder = new CallRecorder(store, events);
  agent = await startTalkingAgent({ greeting: GREETING, heard: HEARD, reply: (heard, i) => `You said ${heard}. Reply number ${i + 1}.` });
  audiosocket = new AudioSocketCarrier({ host: '127.0.0.1', port: 0 });
  server = await buildServer({
    env: parseEnv({ PORT: '0', HOST: '127.0.0.1', AGENT_URL: agent.url, LOG_LEVEL: 'silent' }),
    settings: loadAgentSettings('config/agent.json'),
    events,
    carriers: [
      vonageCarrier({ signatureSecret: undefined, publicUrl: undefined, applicationId: undefined }),
      telnyxCarrier({ env: { PUBLIC_URL: undefined, TELNYX_PUBLIC_KEY: undefined, TELNYX_API_KEY: undefined } }),
      audiosocket.register,
    ],
    plugins: [
      async (app) => {
        await app.register(apiRoutes, { store, adminToken: ADMIN_TOKEN });
      },
    ],
  });
  streamUrl = `${(await server.listen()).replace('http', 'ws')}/media-stream`;
});

after(async () => {
  await server.close();
  await agent.close();
  await recorder.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

test('call --json: one JSON object with the server transcript and a latency per turn; --wav and --say in order; --out is the heard audio', async () => {
  // A 16 kHz stereo WAV, as a user might record one: the CLI resamples and encodes it.
  const wavFile = join(dir, 'book.wav');
  const speech = resampleLinear(await spokenCaller(HEARD[0]!), 8000, 16000);
  await writeFile(wavFile, writeWav(16000, speech, speech));
  const outFile = join(dir, 'heard.wav');

  const run = await runCli(['call', '--url', streamUrl, '--wav', wavFile, '--say', 'My name is Sarah Johnson', '--out', outFile, '--json'], { ADMIN_TOKEN });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one line (one JSON object) on stdout');
  const report = JSON.parse(lines[0]!) as CallReport;

  assert.deepEqual(Object.keys(report).sort(), ['agent_audio_ms', 'callSid', 'clears', 'ok', 'streamSid', 'transcript', 'turns']);
  assert.equal(report.ok, true);
  assert.match(report.callSid, /^CA/);
  assert.match(report.streamSid, /^MZ/);
  assert.deepEqual(report.transcript, [
    { role: 'assistant', text: GREETING },
    { role: 'user', text: HEARD[0] },
    { role: 'assistant', text: `You said ${HEARD[0]}. Reply number 1.` },
    { role: 'user', text: HEARD[1] },
    { role: 'assistant', text: `You said ${HEARD[1]}. Reply number 2.` },
  ]);
  assert.equal(report.turns.length, 2);
  for (const turn of report.turns) {
    assert.ok(typeof turn.latency_ms === 'number' && Number.isFinite(turn.latency_ms) && turn.latency_ms > 0, `latency ${turn.latency_ms}`);
  }
  assert.ok(Number.isInteger(report.clears) && report.clears >= 0);
  assert.ok(report.agent_audio_ms > 1000, `agent audio ${report.agent_audio_ms} ms`);

  const heard = readWav(await readFile(outFile));
  assert.equal(heard.sampleRate, 8000);
  // Everything received was played: the caller waited for each reply to finish.
  assert.ok(Math.abs(heard.samples.length / 8 - report.agent_audio_ms) <= 20, `${heard.samples.length / 8} ms heard of ${report.agent_audio_ms} ms`);
});

test('call without --json prints a readable transcript with per-turn latency; without API access the transcript falls back to the --say texts', async () => {
  const run = await runCli(['call', '--url', streamUrl, '--say', 'I would like to book an appointment'], { ADMIN_TOKEN: 'wrong-token' });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /caller {2}I would like to book an appointment/);
  assert.match(run.stdout, /1\. +\d+ ms {2}I would like to book an appointment/);
  assert.match(run.stdout, /completed/);
});

test('a server that checks Twilio signatures refuses an unsigned stream: the caller comes in with a softphone ticket as the admin', async () => {
  const secured = await buildServer({
    env: parseEnv({ PORT: '0', HOST: '127.0.0.1', AGENT_URL: agent.url, LOG_LEVEL: 'silent', TWILIO_AUTH_TOKEN: 'cli-test-twilio-token', ADMIN_TOKEN }),
    settings: loadAgentSettings('config/agent.json'),
  });
  try {
    const url = `${(await secured.listen()).replace('http', 'ws')}/media-stream`;
    const refused = await runCli(['call', '--url', url, '--say', 'Hello', '--json'], { ADMIN_TOKEN: 'not-the-admin' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the stream and a softphone ticket \(HTTP 401\): set ADMIN_TOKEN/);
    assert.deepEqual(
      { ...JSON.parse(refused.stdout), error: undefined },
      { ok: false, callSid: null, streamSid: null, transcript: [], turns: [], clears: 0, agent_audio_ms: 0, error: undefined },
    );

    const run = await runCli(['call', '--url', url, '--say', 'I would like to book an appointment', '--json'], { ADMIN_TOKEN });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as CallReport;
    assert.equal(report.ok, true);
    assert.equal(report.turns.length, 1);
    assert.ok(report.turns[0]!.latency_ms! > 0);
  } finally {
    await secured.close();
  }
});

test('call with a bad argument explains its usage and exits 2', async () => {
  const run = await runCli(['call', '--url', 'http://example.com', '--json']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--url must be a ws:\/\/ or wss:\/\/ URL/);
  assert.equal(run.stdout, '');
});

test('call --carrier speaks each carrier\'s own protocol to the same agent: Telnyx, Vonage (16 kHz L16), Asterisk AudioSocket (TCP)', async () => {
  const base = streamUrl.replace(/\/media-stream$/, '');
  const urls = { telnyx: `${base}/telnyx/media-stream`, vonage: `${base}/vonage/media-stream`, audiosocket: `tcp://127.0.0.1:${audiosocket.port}` };
  for (const [carrier, url] of Object.entries(urls)) {
    const run = await runCli(['call', '--carrier', carrier, '--url', url, '--say', HEARD[0]!, '--json'], { ADMIN_TOKEN, PORT: new URL(base).port });
    assert.equal(run.code, 0, `${carrier}: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as CallReport;
    assert.equal(report.ok, true, carrier);
    assert.deepEqual(
      report.transcript.map((t) => t.text),
      [GREETING, HEARD[0], `You said ${HEARD[0]}. Reply number 1.`],
      `${carrier}: the server's transcript of the call`,
    );
    const record = await store.getCall(report.callSid);
    assert.equal(record?.carrier, carrier, 'the record names the carrier');
  }
  const bad = await runCli(['call', '--carrier', 'pigeon']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--carrier must be one of twilio, signalwire, telnyx, plivo, vonage, audiosocket, got "pigeon"/);
});
