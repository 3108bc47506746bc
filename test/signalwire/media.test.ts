// SignalWire's bidirectional stream end to end over loopback: a caller speaking SignalWire's protocol
// (no streamSid on media, dtmf with duration, a bare stop) on one side, a scripted V1 agent on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { capturedLogger, startSignalWire } from './harness.js';

test('caller audio reaches the agent byte-exact; agent audio reaches the caller byte-exact, each chunk with a mark SignalWire echoes', async () => {
  const sw = await startSignalWire({ bridge: { timing: { markEveryMs: 0 } } });
  try {
    const { call, agent } = await sw.connectedCall({ realtimePlayout: false });
    const spoken = randomBytes(160 * 20, 11);
    for (let i = 0; i < 20; i++) call.sendFrame(spoken.subarray(i * 160, (i + 1) * 160));
    await agent.waitForAudioBytes(spoken.length);
    assert.ok(Buffer.concat(agent.audio).equals(spoken));

    const chunks = [randomBytes(800, 1), randomBytes(1600, 2), randomBytes(333, 3)];
    const received: Buffer[] = [];
    call.on('media', (b) => received.push(b));
    const marks: string[] = [];
    call.on('mark', (n) => marks.push(n));
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Hello, how can I help?' });
    for (const c of chunks) agent.sendAudio(c);
    agent.send({ type: 'AgentAudioDone' });
    const turn = await sw.bridge.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    assert.ok(Buffer.concat(received).equals(Buffer.concat(chunks)));
    assert.equal(marks.length, 4, 'one mark per chunk plus the end of the reply');
    assert.equal(turn.turn.interrupted, false);
    const started = await sw.bridge.waitForEvent('call_started');
    assert.equal(started.call.callSid, call.callSid);
    assert.equal(started.call.streamSid, call.streamSid, 'the stream id comes from start');
    assert.equal(started.call.from, '+15550100');
    call.hangUp();
  } finally {
    await sw.close();
  }
});

test('barge-in: clear reaches SignalWire at once, no audio of the interrupted reply follows, and the echoed marks count as cleared', async () => {
  const sw = await startSignalWire();
  try {
    const { call, agent } = await sw.connectedCall();
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
    const turn = await sw.bridge.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    await sleep(100);
    assert.ok(cleared, 'SignalWire received clear');
    assert.equal(mediaAfterClear, 0);
    assert.equal(call.bufferedMs, 0, 'nothing left to play');
    assert.equal(turn.turn.interrupted, true);
    assert.ok(turn.turn.heardMs! > 200 && turn.turn.heardMs! < 1200, `heard ${turn.turn.heardMs} ms of 2000`);
    assert.ok(call.stats.marksEchoed >= 10, 'the pending marks were echoed on clear');
    call.hangUp();
    const ended = await sw.bridge.waitForEvent('call_ended');
    assert.equal(ended.summary.interruptions, 1);
  } finally {
    await sw.close();
  }
});

test('DTMF {digit, duration} reaches the agent as an InjectUserMessage', async () => {
  const sw = await startSignalWire();
  try {
    const { call, agent } = await sw.connectedCall();
    call.sendDtmf('#', 400);
    const injected = await agent.waitFor((m) => m.type === 'InjectUserMessage');
    assert.equal(injected.content, dtmfText('#'));
    call.hangUp();
  } finally {
    await sw.close();
  }
});

test('a bare stop ends the call as completed; a socket closed without stop ends it as disconnected', async () => {
  const sw = await startSignalWire();
  try {
    const { call } = await sw.connectedCall();
    call.stop();
    await call.closed();
    const first = await sw.bridge.waitForEvent('call_ended', (e) => e.callSid === call.callSid);
    assert.equal(first.summary.outcome, 'completed');

    const { call: second } = await sw.connectedCall();
    second.ws.close(1001);
    const ended = await sw.bridge.waitForEvent('call_ended', (e) => e.callSid === second.callSid);
    assert.equal(ended.summary.outcome, 'carrier_disconnected');
    assert.match(ended.summary.reason!, /signalwire connection closed \(1001\) without a stream end/);
  } finally {
    await sw.close();
  }
});

test('bad input is counted, logged and survived; a wrong stream id is refused; another call is untouched', async () => {
  const { logger, lines } = capturedLogger();
  const sw = await startSignalWire({ bridge: { logger } });
  try {
    const bystander = await sw.connectedCall({ realtimePlayout: false });
    const { call, agent } = await sw.connectedCall({ realtimePlayout: false });
    const other = '00000000-0000-4000-8000-00000000dead';
    call.sendRaw('{not json');
    call.sendRaw(JSON.stringify({ event: 'teleport' }));
    call.sendRaw(JSON.stringify({ event: 'media', streamSid: other, media: { track: 'inbound', payload: randomBytes(160).toString('base64') } }));
    call.sendRaw(JSON.stringify({ event: 'media', media: { track: 'inbound' } }));
    call.sendRaw(JSON.stringify({ event: 'dtmf', streamSid: other, dtmf: { digit: '7', duration: 100 } }));
    call.sendRaw(JSON.stringify({ event: 'dtmf', streamSid: call.streamSid, dtmf: { digit: 'nine' } }));
    call.sendRaw(JSON.stringify({ event: 'mark', streamSid: other, mark: { name: 'g0.1' } }));
    call.sendRaw('x'.repeat(100 * 1024));
    call.sendRaw(randomBytes(320));
    // Still a working call in both directions.
    const frame = randomBytes(160, 77);
    call.sendFrame(frame);
    await agent.waitForAudioBytes(160);
    assert.ok(Buffer.concat(agent.audio).equals(frame), 'only the good frame reached the agent');
    const heard: Buffer[] = [];
    call.on('media', (b) => heard.push(b));
    agent.sendAudio(randomBytes(320, 78));
    await sleep(100);
    assert.ok(Buffer.concat(heard).equals(randomBytes(320, 78)));
    assert.equal(agent.messages.some((m) => m.type === 'InjectUserMessage'), false, 'no digit from another stream or a bad one');
    const metrics = await sw.bridge.server.metrics.registry.getSingleMetricAsString('phone_agent_malformed_messages_total');
    assert.match(metrics, /source="signalwire"} 9/);
    const reasons = lines.filter((l) => l.source === 'signalwire').map((l) => String(l.detail));
    assert.ok(reasons.some((r) => /media for stream 00000000-0000-4000-8000-00000000dead/.test(r)), reasons.join('\n'));

    // Garbage before start is ignored; a peer that sends nothing else is closed with a reason.
    const flood = await sw.call();
    flood.sendRaw(JSON.stringify({ event: 'media', media: { track: 'inbound', payload: 'AAAA' } }));
    for (let i = 0; i < 60; i++) flood.sendRaw('garbage');
    const closed = await new Promise<[number, string]>((resolve) => flood.once('closed', (code, reason) => resolve([code, reason])));
    assert.ok(closed[0] === 1008 || closed[0] === 1000, `closed with ${closed[0]}`);

    assert.ok(bystander.call.open, 'the other call is untouched');
    bystander.call.sendFrame(frame);
    await bystander.agent.waitForAudioBytes(160);
    call.hangUp();
    bystander.call.hangUp();
  } finally {
    await sw.close();
  }
});

test('a caller that vanishes mid-sentence ends its call with a logged reason; the process and another call carry on', async () => {
  const { logger, lines } = capturedLogger();
  const sw = await startSignalWire({ bridge: { logger } });
  try {
    const bystander = await sw.connectedCall({ realtimePlayout: false });
    const { call, agent } = await sw.connectedCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Let me tell you about our opening hours' });
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 200 + i));
    await new Promise<void>((resolve) => call.once('media', () => resolve()));
    call.ws.terminate(); // no stop, no close frame
    const ended = await sw.bridge.waitForEvent('call_ended', (e) => e.callSid === call.callSid);
    assert.equal(ended.summary.outcome, 'carrier_disconnected');
    assert.match(ended.summary.reason!, /signalwire connection closed \(1006\)/);
    assert.ok(lines.some((l) => l.msg === 'call ended' && l.callSid === call.callSid && /1006/.test(String(l.reason))));
    await agent.closed;
    bystander.call.sendFrame(randomBytes(160, 5));
    await bystander.agent.waitForAudioBytes(160);
    assert.ok(bystander.call.open);
    bystander.call.hangUp();
  } finally {
    await sw.close();
  }
});

test('a stream in another codec than PCMU@8000h is refused with the reason, before any call starts', async () => {
  const sw = await startSignalWire();
  try {
    const l16 = await sw.call({ mediaFormat: { encoding: 'audio/x-L16', sampleRate: 16000 } });
    const closed = await new Promise<[number, string]>((resolve) => l16.once('closed', (code, reason) => resolve([code, reason])));
    assert.deepEqual(closed, [1008, "unsupported media format audio/x-L16 at 16000 Hz (the stream's codec must be PCMU@8000h)"]);
    assert.equal(sw.bridge.agent.connections.length, 0);
  } finally {
    await sw.close();
  }
});
