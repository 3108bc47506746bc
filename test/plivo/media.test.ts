// Plivo's bidirectional stream end to end over loopback: a caller speaking Plivo's protocol (start
// with extra headers, numeric counters, playAudio/checkpoint/clearAudio, no stop) on one side, a
// scripted V1 agent on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { capturedLogger } from '../signalwire/harness.js';
import { startPlivo } from './harness.js';

test('audio byte-exact both ways: caller media to the agent; agent audio as mu-law playAudio, each chunk with a checkpoint Plivo answers', async () => {
  const plivo = await startPlivo({ bridge: { timing: { markEveryMs: 0 } } });
  try {
    const extraHeaders = { From: '14155550100', To: '14155550199', Direction: 'inbound' };
    const { call, agent } = await plivo.connectedCall({ realtimePlayout: false, extraHeaders });
    const spoken = randomBytes(160 * 20, 11);
    for (let i = 0; i < 20; i++) call.sendFrame(spoken.subarray(i * 160, (i + 1) * 160));
    await agent.waitForAudioBytes(spoken.length);
    assert.ok(Buffer.concat(agent.audio).equals(spoken));

    const chunks = [randomBytes(800, 1), randomBytes(1600, 2), randomBytes(333, 3)];
    const received: Buffer[] = [];
    call.on('media', (b) => received.push(b));
    const acknowledged: string[] = [];
    call.on('mark', (n) => acknowledged.push(n));
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Hello, how can I help?' });
    for (const c of chunks) agent.sendAudio(c);
    agent.send({ type: 'AgentAudioDone' });
    const turn = await plivo.bridge.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    assert.ok(Buffer.concat(received).equals(Buffer.concat(chunks)));
    assert.equal(call.formatErrors, 0, 'every playAudio said audio/x-mulaw at 8000 Hz');
    assert.equal(acknowledged.length, 4, 'one checkpoint per chunk plus the end of the reply');
    assert.equal(turn.turn.interrupted, false);
    const started = await plivo.bridge.waitForEvent('call_started');
    assert.deepEqual(
      { callSid: started.call.callSid, streamSid: started.call.streamSid, from: started.call.from, to: started.call.to },
      { callSid: call.callSid, streamSid: call.streamSid, from: '14155550100', to: '14155550199' },
    );
    call.hangUp();
  } finally {
    await plivo.close();
  }
});

test('barge-in: clearAudio reaches Plivo at once, no interrupted audio follows, dropped checkpoints stay unanswered, the next reply is heard', async () => {
  const plivo = await startPlivo();
  try {
    const { call, agent } = await plivo.connectedCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'one two three four five six seven eight nine ten' });
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 100 + i)); // two seconds, faster than real time
    await new Promise<void>((resolve) => call.once('mark', () => resolve()));
    await sleep(300);
    let cleared = false;
    let mediaAfterClear = 0;
    call.on('clear', () => (cleared = true));
    call.on('media', () => void (cleared && mediaAfterClear++));
    agent.send({ type: 'UserStartedSpeaking' });
    agent.sendAudio(randomBytes(1600, 999)); // late audio of the interrupted reply
    const interrupted = await plivo.bridge.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    await sleep(100);
    assert.ok(cleared, 'Plivo received clearAudio');
    assert.equal(mediaAfterClear, 0);
    assert.equal(call.bufferedMs, 0);
    assert.equal(interrupted.turn.interrupted, true);
    assert.ok(interrupted.turn.heardMs! > 200 && interrupted.turn.heardMs! < 1200, `heard ${interrupted.turn.heardMs} ms of 2000`);
    assert.ok(call.stats.marksEchoed < call.stats.marksSent, 'checkpoints dropped by the clear were never answered');

    // The caller's turn, then a new reply: it plays and its end is acknowledged, so the turn completes.
    agent.send({ type: 'ConversationText', role: 'user', content: 'wait, stop' });
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Sure.' });
    agent.sendAudio(randomBytes(800, 5));
    agent.send({ type: 'AgentAudioDone' });
    const next = await plivo.bridge.waitForEvent('turn', (e) => e.turn.role === 'assistant' && e.turn.text === 'Sure.');
    assert.equal(next.turn.interrupted, false);
    assert.equal(mediaAfterClear, 1);
    call.hangUp();
    const ended = await plivo.bridge.waitForEvent('call_ended');
    assert.equal(ended.summary.interruptions, 1);
  } finally {
    await plivo.close();
  }
});

test('DTMF reaches the agent as an InjectUserMessage', async () => {
  const plivo = await startPlivo();
  try {
    const { call, agent } = await plivo.connectedCall();
    call.sendDtmf('7');
    const injected = await agent.waitFor((m) => m.type === 'InjectUserMessage');
    assert.equal(injected.content, dtmfText('7'));
    call.hangUp();
  } finally {
    await plivo.close();
  }
});

test('the socket closing is the end of the stream (completed); a connection lost without a close frame is a disconnection', async () => {
  const plivo = await startPlivo();
  try {
    const { call } = await plivo.connectedCall();
    call.hangUp();
    const first = await plivo.bridge.waitForEvent('call_ended', (e) => e.callSid === call.callSid);
    assert.equal(first.summary.outcome, 'completed');
    assert.equal(first.summary.reason, 'plivo ended the stream');

    const { call: second, agent } = await plivo.connectedCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Our hours are nine to five' });
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 300 + i));
    await new Promise<void>((resolve) => second.once('media', () => resolve()));
    second.ws.terminate(); // mid-sentence, no close frame
    const ended = await plivo.bridge.waitForEvent('call_ended', (e) => e.callSid === second.callSid);
    assert.equal(ended.summary.outcome, 'carrier_disconnected');
    assert.match(ended.summary.reason!, /plivo connection closed \(1006\) without a stream end/);
    await agent.closed;
  } finally {
    await plivo.close();
  }
});

test('bad input is counted, logged and survived; a wrong stream id is refused; another call is untouched', async () => {
  const { logger, lines } = capturedLogger();
  const plivo = await startPlivo({ bridge: { logger } });
  try {
    const bystander = await plivo.connectedCall({ realtimePlayout: false });
    const { call, agent } = await plivo.connectedCall({ realtimePlayout: false });
    const other = '00000000-0000-4000-8000-00000000dead';
    call.sendRaw('{not json');
    call.sendRaw(JSON.stringify({ event: 'stop' })); // Plivo has no stop: unknown
    const payload = randomBytes(160).toString('base64');
    call.sendRaw(JSON.stringify({ event: 'media', streamId: other, media: { track: 'inbound', timestamp: '1', chunk: 1, payload } }));
    call.sendRaw(JSON.stringify({ event: 'media', streamId: call.streamSid, media: { track: 'inbound' } }));
    call.sendRaw(JSON.stringify({ event: 'dtmf', streamId: other, dtmf: { digit: '7' } }));
    call.sendRaw(JSON.stringify({ event: 'dtmf', streamId: call.streamSid, dtmf: { digit: '77' } }));
    call.sendRaw(JSON.stringify({ event: 'playedStream', streamId: other, name: 'g0.1' }));
    const mediaFormat = { encoding: 'audio/x-mulaw', sampleRate: 8000 };
    call.sendRaw(JSON.stringify({ event: 'start', sequenceNumber: 9, start: { callId: 'x', streamId: other, mediaFormat } }));
    call.sendRaw('x'.repeat(100 * 1024));
    call.sendRaw(randomBytes(320));
    const frame = randomBytes(160, 77);
    call.sendFrame(frame);
    await agent.waitForAudioBytes(160);
    assert.ok(Buffer.concat(agent.audio).equals(frame), 'only the good frame reached the agent');
    const heard: Buffer[] = [];
    call.on('media', (b) => heard.push(b));
    agent.sendAudio(randomBytes(320, 78));
    await sleep(100);
    assert.ok(Buffer.concat(heard).equals(randomBytes(320, 78)));
    assert.equal(agent.messages.some((m) => m.type === 'InjectUserMessage'), false);
    const metrics = await plivo.bridge.server.metrics.registry.getSingleMetricAsString('phone_agent_malformed_messages_total');
    assert.match(metrics, /source="plivo"} 10/);
    const reasons = lines.filter((l) => l.source === 'plivo').map((l) => String(l.detail));
    assert.ok(reasons.some((r) => r === `media for stream ${other} on ${call.streamSid}`), reasons.join('\n'));

    const flood = await plivo.call();
    for (let i = 0; i < 60; i++) flood.sendRaw('garbage');
    await flood.closed();
    assert.ok(bystander.call.open, 'the other call is untouched');
    bystander.call.sendFrame(frame);
    await bystander.agent.waitForAudioBytes(160);
    call.hangUp();
    bystander.call.hangUp();
  } finally {
    await plivo.close();
  }
});

test('a stream in Plivo\'s default L16 is refused with the reason, before any call starts', async () => {
  const plivo = await startPlivo();
  try {
    const l16 = await plivo.call({ mediaFormat: { encoding: 'audio/x-l16', sampleRate: 8000 } });
    const closed = await new Promise<[number, string]>((resolve) => l16.once('closed', (code, reason) => resolve([code, reason])));
    assert.deepEqual(closed, [1008, "unsupported media format audio/x-l16 at 8000 Hz (the stream's contentType must be audio/x-mulaw;rate=8000)"]);
    assert.equal(plivo.bridge.agent.connections.length, 0);
  } finally {
    await plivo.close();
  }
});
