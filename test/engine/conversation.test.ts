// Conversations with the embedded engine over a real loopback socket: a caller's spoken turn (flite
// speech through a phone channel, sent in real time) recognised and answered, barge-in during a long
// reply, function calls answered by the client or run against an endpoint, and failures.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulawEncode, MULAW_SILENCE } from '../../src/audio/mulaw.js';
import { spokenCaller } from '../../src/engine/speak/phone-channel.js';
import { APOLOGY } from '../../src/engine/reply.js';
import { startTestEngine, settingsWith, isText, SPOKEN_REQUEST, LONG_REPLY, BASE_SETTINGS, type TestEngine } from './harness.js';

const silence = (ms: number) => new Uint8Array(ms * 8).fill(MULAW_SILENCE);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

describe('engine conversations', () => {
  let t: TestEngine;
  let speech: Uint8Array;
  before(async () => {
    t = await startTestEngine();
    speech = mulawEncode(await spokenCaller(SPOKEN_REQUEST));
  });
  after(() => t.close());

  test('a spoken turn: UserStartedSpeaking, the recognised words, then the reply', async () => {
    const client = await t.converse();
    const leadMs = 400;
    const start = await client.streamRealtime(concat(silence(leadMs), speech, silence(1200)));
    const endOfSpeech = start + leadMs + speech.length / 8;
    const user = await client.waitFor(isText('user'));
    assert.equal(String(user.content).toLowerCase(), SPOKEN_REQUEST.toLowerCase());
    await client.waitFor(isText('assistant', /^You said: /));
    const types = client.messages.map((m) => m.type);
    assert.ok(types.indexOf('UserStartedSpeaking') < types.indexOf('ConversationText'));
    assert.ok(client.ofType('History').some((h) => h.role === 'user' && h.content === user.content));
    const firstAudio = client.firstAudioAfter(endOfSpeech);
    assert.ok(firstAudio !== undefined);
    const report = client.ofType('LatencyReport')[0]!;
    // Not an assertion on speed: the number is printed for the report.
    console.log(
      `end of speech to first agent audio: ${Math.round(firstAudio - endOfSpeech)} ms; ` +
        `engine says total ${report.total_latency} s, stt ${report.stt_latency} s, tts ${report.tts_latency} s`,
    );
    client.close();
  });

  test('barge-in: speaking during a long reply stops its audio at once', async () => {
    const client = await t.converse();
    client.send({ type: 'InjectUserMessage', content: 'tell me something long' });
    await client.waitForType('AgentStartedSpeaking');
    await client.waitForAudioBytes(8000);
    await client.streamRealtime(concat(speech, silence(1200)));
    await client.waitFor(isText('assistant', /^You said: /));
    const interruptedText = client.messages.find(isText('assistant', /^This is sentence number 1 /));
    assert.ok(interruptedText, 'the interrupted reply reports what was said');
    assert.ok(String(interruptedText.content).length < LONG_REPLY.length / 2, String(interruptedText.content));
    // Between the barge-in and the next reply, no audio at all.
    const events = client.events;
    const barge = events.findIndex((e) => 'message' in e && e.message.type === 'UserStartedSpeaking');
    const next = events.findIndex((e, i) => i > barge && 'message' in e && e.message.type === 'AgentStartedSpeaking');
    assert.ok(barge > 0 && next > barge);
    const between = events.slice(barge, next).reduce((n, e) => n + ('audioBytes' in e ? e.audioBytes : 0), 0);
    assert.equal(between, 0);
    const doneAfterBarge = events.slice(barge, next).filter((e) => 'message' in e && e.message.type === 'AgentAudioDone');
    assert.equal(doneAfterBarge.length, 1);
    // The whole long reply would be ~40 s of audio (320 kB); only its first seconds were sent.
    const interruptedBytes = events.slice(0, barge).reduce((n, e) => n + ('audioBytes' in e ? e.audioBytes : 0), 0);
    assert.ok(interruptedBytes < 80_000, `${interruptedBytes} bytes before the barge-in`);
    client.close();
  });

  test('a client-side function call: FunctionCallRequest, the client answers, the agent uses the answer', async () => {
    const client = await t.converse();
    client.send({ type: 'InjectUserMessage', content: 'what is the weather in paris' });
    const request = await client.waitForType('FunctionCallRequest');
    const calls = request.functions as Array<Record<string, unknown>>;
    assert.equal(calls.length, 1);
    assert.deepEqual({ ...calls[0], id: undefined }, { id: undefined, name: 'get_weather', arguments: '{"city":"Paris"}', client_side: true });
    client.send({ type: 'FunctionCallResponse', id: calls[0]!.id, name: 'get_weather', content: 'sunny and 21 degrees' });
    await client.waitFor(isText('assistant', 'The get_weather result is sunny and 21 degrees.'));
    assert.ok(client.messages.find(isText('assistant', 'Let me check.')));
    const history = client.ofType('History').find((h) => Array.isArray(h.function_calls));
    assert.deepEqual(history?.function_calls, [
      { id: calls[0]!.id, name: 'get_weather', client_side: true, arguments: '{"city":"Paris"}', response: 'sunny and 21 degrees' },
    ]);
    client.close();
  });

  test('a function with an endpoint is called by the engine, and the client is told the result', async () => {
    let received = '';
    const server: Server = createServer((req, res) => {
      req.setEncoding('utf8').on('data', (d: string) => (received += d));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"found":3}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lookup`;
      const think = { ...BASE_SETTINGS.agent.think, functions: [{ name: 'lookup', description: 'Look up', endpoint: { url, method: 'post' } }] };
      const client = await t.converse(settingsWith({ agent: { think } }));
      client.send({ type: 'InjectUserMessage', content: 'lookup please' });
      const request = await client.waitForType('FunctionCallRequest');
      assert.equal((request.functions as Array<{ client_side: boolean }>)[0]!.client_side, false);
      const response = await client.waitForType('FunctionCallResponse');
      assert.equal(response.name, 'lookup');
      assert.equal(response.content, '{"found":3}');
      await client.waitFor(isText('assistant', 'The lookup result is {"found":3}.'));
      assert.equal(received, '{"q":"x"}');
      client.close();
    } finally {
      server.close();
    }
  });

  test('a failing think provider: THINK_REQUEST_FAILED and a spoken apology', async () => {
    const client = await t.converse();
    client.send({ type: 'InjectUserMessage', content: 'please fail' });
    const warning = await client.waitForType('Warning');
    assert.equal(warning.code, 'THINK_REQUEST_FAILED');
    await client.waitFor(isText('assistant', APOLOGY));
    await client.waitForType('AgentAudioDone');
    assert.ok(client.audioBytes > 0);
    client.close();
  });
});

describe('engine function-call timeout', () => {
  test('a client that never answers: FUNCTION_CALL_FAILED, and the agent goes on', async () => {
    const t = await startTestEngine({ functionCalls: { clientTimeoutMs: 300, endpointTimeoutMs: 1000 } });
    try {
      const client = await t.converse();
      client.send({ type: 'InjectUserMessage', content: 'what is the weather' });
      await client.waitForType('FunctionCallRequest');
      const warning = await client.waitForType('Warning');
      assert.equal(warning.code, 'FUNCTION_CALL_FAILED');
      await client.waitFor(isText('assistant', /^The get_weather result is \{"error"/));
      client.close();
    } finally {
      await t.close();
    }
  });
});
