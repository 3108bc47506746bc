// The Vonage leg end to end over loopback: a caller that follows the Voice API (answer NCCO, binary
// L16 at 16 kHz, JSON events) on one side, a scripted V1 agent on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { AgentAudioEncoder, CallerAudioDecoder } from '../../src/vonage/l16-audio.js';
import WebSocket from 'ws';
import { l16Frames, startVonage } from './harness.js';

async function rawSocket(baseUrl: string): Promise<WebSocket> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/vonage/media-stream`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

test('the answer NCCO connects the caller to /vonage/media-stream at 16 kHz, with the call in its headers', async () => {
  const h = await startVonage();
  try {
    for (const method of ['GET', 'POST'] as const) {
      const fields = { to: '15550199', from: '15550100', uuid: 'aaaa-1', conversation_uuid: 'CON-1' };
      const res = await h.server.app.inject(
        method === 'GET'
          ? { method, url: `/vonage/incoming-call?${new URLSearchParams(fields)}` }
          : { method, url: '/vonage/incoming-call', payload: fields, headers: { 'content-type': 'application/json' } },
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), [
        {
          action: 'connect',
          eventType: 'synchronous',
          eventUrl: ['https://agent.example.com/vonage/events'],
          endpoint: [
            {
              type: 'websocket',
              uri: 'wss://agent.example.com/vonage/media-stream',
              'content-type': 'audio/l16;rate=16000',
              headers: { call_uuid: 'aaaa-1', conversation_uuid: 'CON-1', from: '15550100', to: '15550199', direction: 'inbound' },
              authorization: { type: 'vonage' },
            },
          ],
        },
      ]);
    }
    const outbound = await h.server.app.inject({ method: 'GET', url: '/vonage/incoming-call?direction=outbound&uuid=u2&to=1&from=2' });
    assert.equal(outbound.json()[0].endpoint[0].headers.direction, 'outbound');
    const missing = await h.server.app.inject({ method: 'GET', url: '/vonage/incoming-call?to=1' });
    assert.equal(missing.statusCode, 400);
  } finally {
    await h.close();
  }
});

test('caller audio: L16 16 kHz messages reach the agent as mu-law 8 kHz, byte-exact after the conversion, in order', async () => {
  const h = await startVonage();
  try {
    const { call, agent } = await h.connectedVonageCall({ from: '15551230000', to: '15559870000' });
    const started = await h.waitForEvent('call_started');
    assert.equal(started.call.callSid, call.callSid);
    assert.equal(started.call.streamSid, call.streamSid);
    assert.equal(started.call.from, '15551230000');
    assert.equal(started.call.direction, 'inbound');
    const frames = l16Frames(50);
    for (const frame of frames) call.sendL16(frame);
    const expected = new CallerAudioDecoder(16000);
    const converted = Buffer.concat(frames.map((f) => expected.decode(f)));
    assert.equal(converted.length, 50 * 160, 'each 20 ms message is one 160-byte mu-law frame');
    await agent.waitForAudioBytes(converted.length);
    assert.ok(Buffer.concat(agent.audio).equals(converted));
    call.hangUp();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'completed', 'a normal close is the end of the stream');
  } finally {
    await h.close();
  }
});

test('agent audio: mu-law chunks of any size reach the caller as exact 640-byte L16 messages, each notify after the audio it follows', async () => {
  const h = await startVonage({}, { timing: { markEveryMs: 0 } });
  try {
    const { call, agent } = await h.connectedVonageCall();
    // Bytes of audio the caller had received when each notify arrived.
    const receivedAtNotify: number[] = [];
    call.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary && JSON.parse(data.toString()).action === 'notify') receivedAtNotify.push(call.received.reduce((n, f) => n + f.length, 0));
    });
    const chunks = [randomBytes(100, 1), randomBytes(1600, 2), randomBytes(333, 3), randomBytes(40, 4)];
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Hello there, how can I help?' });
    for (const c of chunks) agent.sendAudio(c);
    agent.send({ type: 'AgentAudioDone' });
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    assert.equal(turn.turn.interrupted, false);

    const encoder = new AgentAudioEncoder(16000);
    const expectedFrames = [...chunks.flatMap((c) => encoder.push(c)), encoder.flush()!];
    assert.equal(call.invalidFrames, 0, 'every message is exactly 20 ms');
    assert.ok(call.received.every((f) => f.length === 640));
    assert.ok(Buffer.concat(call.received).equals(Buffer.concat(expectedFrames)), 'byte-exact after the documented conversion');

    // A chunk's notify goes out with the message that completes its audio: never before, never a message later.
    assert.equal(receivedAtNotify.length, chunks.length + 1);
    let needed = -4; // the streaming resampler holds back one input sample (two output samples) until the next chunk
    chunks.forEach((c, i) => {
      needed += c.length * 4;
      const at = receivedAtNotify[i]!;
      assert.ok(at >= needed && at < needed + 640, `notify ${i} after ${at} bytes, audio ends at ${needed}`);
    });
    assert.equal(receivedAtNotify.at(-1), expectedFrames.length * 640, 'the end-of-reply notify follows the padded last message');
    assert.equal(call.stats.marksEchoed, chunks.length + 1);
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('barge-in: clear empties Vonage\'s buffer, no agent audio follows it, dropped notifies are never echoed, and the next reply plays', async () => {
  const h = await startVonage();
  try {
    const { call, agent } = await h.connectedVonageCall({ realtimePlayout: true });
    const text = 'one two three four five six seven eight nine ten';
    agent.send({ type: 'ConversationText', role: 'assistant', content: text });
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 100 + i));
    await new Promise<void>((resolve) => call.once('mark', () => resolve()));
    await sleep(400);
    let framesAfterClear = 0;
    let cleared = false;
    call.on('clear', () => (cleared = true));
    call.ws.on('message', (_d, isBinary) => {
      if (cleared && isBinary) framesAfterClear++;
    });
    agent.send({ type: 'UserStartedSpeaking' });
    agent.sendAudio(randomBytes(1600, 999)); // late audio of the interrupted reply
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    await sleep(100);
    assert.ok(cleared, 'the caller received {"action":"clear"}');
    assert.equal(framesAfterClear, 0, 'no audio of the interrupted reply after clear');
    assert.equal(call.bufferedMs, 0);
    assert.ok(call.stats.marksEchoed < call.stats.marksSent, 'the notifies still queued were dropped by the clear, not echoed');
    assert.equal(turn.turn.interrupted, true);
    assert.ok(turn.turn.heardMs! > 200 && turn.turn.heardMs! < 1500, `heard ${turn.turn.heardMs} ms of 2000`);
    assert.ok(text.startsWith(turn.turn.heardText!) && turn.turn.heardText!.length < text.length, turn.turn.heardText);

    agent.send({ type: 'ConversationText', role: 'user', content: 'wait, stop' });
    const before = call.received.length;
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Sure.' });
    agent.sendAudio(randomBytes(800, 5));
    agent.send({ type: 'AgentAudioDone' });
    await h.waitForEvent('turn', (e) => e.turn.role === 'assistant' && e.turn.text === 'Sure.');
    const fresh = new AgentAudioEncoder(16000);
    const expected = Buffer.concat([...fresh.push(randomBytes(800, 5)), fresh.flush()!]);
    assert.ok(Buffer.concat(call.received.slice(before)).equals(expected), 'the next reply starts on a fresh message');
    call.hangUp();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.interruptions, 1);
  } finally {
    await h.close();
  }
});

test('websocket:dtmf reaches the agent as an InjectUserMessage', async () => {
  const h = await startVonage();
  try {
    const { call, agent } = await h.connectedVonageCall();
    call.sendDtmf('5');
    call.sendText({ event: 'websocket:dtmf', digit: '#', duration: 120 });
    await agent.waitFor((m) => m.type === 'InjectUserMessage' && m.content === dtmfText('#'));
    const injected = agent.messages.filter((m) => m.type === 'InjectUserMessage').map((m) => m.content);
    assert.deepEqual(injected, [dtmfText('5'), dtmfText('#')]);
    assert.ok(h.events.some((e) => e.type === 'event' && e.kind === 'dtmf' && e.detail === '5'));
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('bad input is counted and survived; a garbage flood, a wrong format and a vanished peer end only their own call', async () => {
  const h = await startVonage();
  try {
    const { call: bystander, agent: bystanderAgent } = await h.connectedVonageCall();
    const { call, agent } = await h.connectedVonageCall();
    call.sendText('{not json');
    call.sendText('[]');
    call.sendText({ event: 'websocket:dtmf', digit: 'x' });
    call.sendText({ event: 'websocket:notify', payload: 'no name' });
    call.sendText({ event: 'websocket:teleport' }); // unknown events may come: noted, never fatal
    call.sendText({ event: 'websocket:connected', 'content-type': 'audio/l16;rate=16000', call_uuid: 'someone-else' });
    call.sendL16(Buffer.alloc(641));
    call.sendL16(Buffer.alloc(0));
    call.sendText('x'.repeat(100 * 1024));
    // The call still works in both directions.
    const frame = l16Frames(1, 16000, 9)[0]!;
    call.sendL16(frame);
    await agent.waitForAudioBytes(160);
    assert.ok(Buffer.concat(agent.audio).equals(new CallerAudioDecoder(16000).decode(frame)));
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Still here.' });
    agent.sendAudio(randomBytes(320, 78));
    agent.send({ type: 'AgentAudioDone' });
    await h.waitForEvent('turn', (e) => e.callSid === call.callSid && e.turn.role === 'assistant');
    assert.equal(call.received.length, 2, '40 ms of agent audio: two messages');
    const metrics = await h.server.metrics.registry.getSingleMetricAsString('phone_agent_malformed_messages_total');
    assert.match(metrics, /source="vonage"} 9/);
    assert.equal(h.events.some((e) => e.type === 'call_ended'), false);

    // Audio before websocket:connected is ignored, not fatal; a connected without our headers, or in another format, is refused.
    const closedWith = (ws: WebSocket) => new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    const early = await rawSocket(h.baseUrl);
    early.send(frame);
    early.send(JSON.stringify({ event: 'websocket:connected', 'content-type': 'audio/l16;rate=16000' }));
    assert.deepEqual(await closedWith(early), [1008, 'websocket:connected without the "call_uuid" header of our NCCO']);
    const pcmu = await rawSocket(h.baseUrl);
    pcmu.send(JSON.stringify({ event: 'websocket:connected', 'content-type': 'audio/pcmu;rate=8000', call_uuid: 'x' }));
    assert.match((await closedWith(pcmu))[1], /^unsupported content-type "audio\/pcmu;rate=8000"/);

    // A peer that sends nothing but garbage is closed with a reason.
    const { call: flood } = await h.connectedVonageCall();
    for (let i = 0; i < 60; i++) flood.sendText('garbage');
    await flood.closed();
    const floodEnded = await h.waitForEvent('call_ended', (e) => e.callSid === flood.callSid);
    assert.equal(floodEnded.summary.outcome, 'rejected');
    assert.match(floodEnded.summary.reason!, /50 invalid messages in a row/);

    // A peer that vanishes mid-sentence: the call ends as a lost connection.
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Let me tell you a long story' });
    for (let i = 0; i < 5; i++) agent.sendAudio(randomBytes(1600, 200 + i));
    await sleep(50);
    call.ws.terminate();
    const ended = await h.waitForEvent('call_ended', (e) => e.callSid === call.callSid);
    assert.equal(ended.summary.outcome, 'carrier_disconnected');
    assert.match(ended.summary.reason!, /vonage connection closed \(1006\)/);

    assert.ok(bystander.open, 'other calls are untouched');
    bystander.sendL16(frame);
    await bystanderAgent.waitForAudioBytes(160);
    bystanderAgent.send({ type: 'ConversationText', role: 'assistant', content: 'Hello.' });
    bystanderAgent.sendAudio(randomBytes(160, 1));
    bystanderAgent.send({ type: 'AgentAudioDone' });
    await h.waitForEvent('turn', (e) => e.callSid === bystander.callSid && e.turn.role === 'assistant');
    assert.equal(bystander.received.length, 1);
    bystander.hangUp();
  } finally {
    await h.close();
  }
});
