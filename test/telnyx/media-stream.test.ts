// The Telnyx media stream over loopback: a caller speaking Telnyx's protocol, the bridge, and a
// scripted V1 agent. Audio both ways byte for byte, frames put back in order, PCMA legs, marks,
// barge-in, DTMF, and bad input that must neither crash the server nor touch another call.
import { test } from 'node:test';
import WebSocket from 'ws';
import assert from 'node:assert/strict';
import { alawDecode, alawEncode } from '../../src/audio/alaw.js';
import { mulawDecode, mulawEncode, MULAW_SILENCE } from '../../src/audio/mulaw.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { startTelnyxBridge } from './telnyx-harness.js';

const frames = (audio: Buffer) => Array.from({ length: audio.length / 160 }, (_, i) => audio.subarray(i * 160, (i + 1) * 160));

test('caller audio reaches the agent byte-exact and in chunk order, even when Telnyx delivers frames out of order', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call, agent } = await h.connectedTelnyxCall();
    const audio = randomBytes(160 * 12, 11);
    const messages = frames(audio).map((f) => call.nextMediaMessage(f));
    // 2 before 1, and 5 after 6 and 7: both within the reorder window.
    for (const i of [0, 2, 1, 3, 5, 6, 4, 7, 8, 9, 10, 11]) call.sendRaw(messages[i]!);
    await agent.waitForAudioBytes(audio.length);
    assert.ok(Buffer.concat(agent.audio).equals(audio), 'the agent heard the frames in order');
    const started = await h.waitForEvent('call_started');
    assert.equal(started.call.callSid, call.callSid, 'the call is known by its call_control_id');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('a frame that arrives after its place was given up is dropped and logged, not played out of order', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call, agent } = await h.connectedTelnyxCall();
    const audio = randomBytes(160 * 8, 12);
    const messages = frames(audio).map((f) => call.nextMediaMessage(f));
    // Frame 1 is lost for longer than three frames: 2..5 go out without it, then it arrives late.
    for (const i of [0, 2, 3, 4, 5, 1, 6, 7]) call.sendRaw(messages[i]!);
    const expected = Buffer.concat(frames(audio).filter((_, i) => i !== 1));
    await agent.waitForAudioBytes(expected.length);
    await sleep(50);
    assert.ok(Buffer.concat(agent.audio).equals(expected));
    call.hangUp();
    const ended = await h.waitForEvent('call_ended');
    assert.ok(ended);
    const scrape = (await h.server.app.inject('/metrics')).body;
    assert.match(scrape, /phone_agent_malformed_messages_total\{source="telnyx"\} 1/);
  } finally {
    await h.close();
  }
});

test('a PCMA leg: the caller\'s A-law reaches the agent as the mu-law of the same samples', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call, agent } = await h.connectedTelnyxCall({ encoding: 'PCMA' });
    // Mu-law that survives A-law and back, so the expected bytes are exact.
    const audio = Buffer.from(mulawEncode(alawDecode(alawEncode(mulawDecode(randomBytes(160 * 5, 13))))));
    for (const f of frames(audio)) call.sendFrame(f);
    await agent.waitForAudioBytes(audio.length);
    const sent = Buffer.from(alawEncode(mulawDecode(audio)));
    assert.ok(Buffer.concat(agent.audio).equals(Buffer.from(mulawEncode(alawDecode(sent)))));
    assert.ok(Buffer.concat(agent.audio).equals(audio));
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('an unsupported caller codec is refused with a reason, before any call starts', async () => {
  const h = await startTelnyxBridge();
  try {
    const call = await h.telnyxCall({ encoding: 'G722' as 'PCMU' });
    const closed = new Promise<[number, string]>((resolve) => call.once('closed', (code, reason) => resolve([code, reason])));
    assert.deepEqual(await closed, [1008, 'unsupported caller audio G722/8000 (the TeXML asks for PCMU/8000)']);
    assert.equal(h.events.some((e) => e.type === 'call_started'), false);
  } finally {
    await h.close();
  }
});

test('agent audio reaches the caller byte-exact as whole 20 ms frames, each checkpoint a mark that Telnyx echoes once played', async () => {
  const h = await startTelnyxBridge({ timing: { markEveryMs: 0 } });
  try {
    const { call, agent } = await h.connectedTelnyxCall({ realtimePlayout: false });
    const chunks = [randomBytes(800, 1), randomBytes(1600, 2), randomBytes(333, 3)];
    const received: Buffer[] = [];
    call.on('media', (b) => received.push(b));
    const marks: string[] = [];
    call.on('mark', (n) => marks.push(n));
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Hello there, how can I help?' });
    for (const c of chunks) agent.sendAudio(c);
    agent.send({ type: 'AgentAudioDone' });
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    const all = Buffer.concat(chunks);
    const got = Buffer.concat(received);
    // 333 bytes are two whole frames and 13 bytes, which end the reply padded with silence to a frame.
    assert.deepEqual(received.map((b) => b.length), [800, 1600, 320, 160]);
    assert.ok(got.subarray(0, all.length).equals(all), 'every agent byte, in order');
    assert.ok(got.subarray(all.length).equals(Buffer.alloc(160 - 13, MULAW_SILENCE)), 'then silence to the frame boundary');
    assert.equal(marks.length, 4, 'one mark per chunk plus the end-of-reply mark');
    assert.ok(marks[3]!.endsWith('.end'));
    assert.equal(turn.turn.interrupted, false);
    assert.deepEqual(call.violations, [], 'nothing Telnyx would refuse');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('barge-in: the caller\'s speech clears Telnyx\'s buffer, pending marks come back, and no agent audio of that reply follows', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call, agent } = await h.connectedTelnyxCall();
    const text = 'one two three four five six seven eight nine ten';
    agent.send({ type: 'ConversationText', role: 'assistant', content: text });
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 100 + i));
    await new Promise<void>((resolve) => call.once('mark', () => resolve()));
    await sleep(400);
    let cleared = false;
    let mediaAfterClear = 0;
    call.on('clear', () => (cleared = true));
    call.on('media', () => {
      if (cleared) mediaAfterClear++;
    });
    agent.send({ type: 'UserStartedSpeaking' });
    agent.sendAudio(randomBytes(1600, 999)); // late audio of the interrupted reply
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    await sleep(100);
    assert.ok(cleared, 'the caller received clear');
    assert.equal(mediaAfterClear, 0, 'no audio of the interrupted reply after clear');
    assert.equal(call.bufferedMs, 0, 'Telnyx\'s buffer is empty');
    assert.equal(turn.turn.interrupted, true);
    assert.ok(turn.turn.heardMs! > 200 && turn.turn.heardMs! < 1500, `heard ${turn.turn.heardMs} ms of 2000`);
    assert.ok(text.startsWith(turn.turn.heardText!) && turn.turn.heardText!.length < text.length, turn.turn.heardText);
    assert.deepEqual(call.violations, []);
    call.hangUp();
    assert.equal((await h.waitForEvent('call_ended')).summary.interruptions, 1);
  } finally {
    await h.close();
  }
});

test('a keypad digit reaches the agent as an InjectUserMessage', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call, agent } = await h.connectedTelnyxCall();
    call.sendDtmf('7');
    const injected = await agent.waitFor((m) => m.type === 'InjectUserMessage');
    assert.equal(injected.content, dtmfText('7'));
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('stop ends the call as completed; the server closes the stream', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call } = await h.connectedTelnyxCall();
    call.stop();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'completed');
    await call.closed();
  } finally {
    await h.close();
  }
});

test('bad input is logged and survived; a wrong stream id is not played; another call on the server is untouched', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call: other, agent: otherAgent } = await h.connectedTelnyxCall();
    const { call, agent } = await h.connectedTelnyxCall();
    call.sendRaw('{not json');
    call.sendRaw(Buffer.from([1, 2, 3]));
    const stray = randomBytes(160, 4).toString('base64');
    call.sendRaw(JSON.stringify({ event: 'media', stream_id: 'someone-else', media: { track: 'inbound', chunk: '1', payload: stray } }));
    call.sendRaw(JSON.stringify({ event: 'media', stream_id: call.streamSid, media: { track: 'inbound', chunk: '1' } }));
    call.sendRaw(JSON.stringify({ event: 'dtmf', stream_id: call.streamSid, dtmf: { digit: 'xx' } }));
    call.sendRaw(JSON.stringify({ event: 'surprise' }));
    call.sendRaw(JSON.stringify({ event: 'error', stream_id: call.streamSid, payload: { code: 100003, title: 'malformed_frame', detail: 'x' } }));
    const good = randomBytes(320, 5);
    for (const f of frames(good)) call.sendFrame(f);
    await agent.waitForAudioBytes(good.length);
    assert.ok(Buffer.concat(agent.audio).equals(good), 'only the good frames reached the agent');
    const otherAudio = randomBytes(480, 6);
    for (const f of frames(otherAudio)) other.sendFrame(f);
    await otherAgent.waitForAudioBytes(otherAudio.length);
    assert.ok(Buffer.concat(otherAgent.audio).equals(otherAudio));
    assert.equal(h.events.some((e) => e.type === 'call_ended'), false, 'both calls go on');
    const scrape = (await h.server.app.inject('/metrics')).body;
    assert.match(scrape, /phone_agent_malformed_messages_total\{source="telnyx"\} 7/);
    call.hangUp();
    other.hangUp();
  } finally {
    await h.close();
  }
});

test('a caller that vanishes mid-sentence ends only its own call; the server and the other call go on', async () => {
  const h = await startTelnyxBridge();
  try {
    const { call: other, agent: otherAgent } = await h.connectedTelnyxCall();
    const { call, agent } = await h.connectedTelnyxCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Let me tell you a long story about appointments.' });
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 200 + i));
    await new Promise<void>((resolve) => call.once('media', () => resolve()));
    call.ws.terminate(); // no stop, no close frame
    const ended = await h.waitForEvent('call_ended', (e) => e.callSid === call.callSid);
    assert.equal(ended.summary.outcome, 'carrier_disconnected');
    assert.match(ended.summary.reason ?? '', /telnyx connection closed/);
    const audio = randomBytes(320, 7);
    for (const f of frames(audio)) other.sendFrame(f);
    await otherAgent.waitForAudioBytes(audio.length);
    assert.equal(h.events.filter((e) => e.type === 'call_ended').length, 1);
    assert.equal((await h.server.app.inject('/healthz')).statusCode, 200);
    other.hangUp();
  } finally {
    await h.close();
  }
});

test('a peer that sends nothing but garbage is closed with a reason, before a start or during a call', async () => {
  const h = await startTelnyxBridge();
  try {
    const raw = new WebSocket(`${h.wsBase}/telnyx/media-stream`);
    await new Promise((resolve) => raw.once('open', resolve));
    const closed = new Promise<[number, string]>((resolve) => raw.once('close', (code, reason) => resolve([code, reason.toString()])));
    for (let i = 0; i < 60; i++) raw.send('garbage');
    assert.deepEqual(await closed, [1008, '50 invalid messages in a row']);

    const call = await h.telnyxCall();
    for (let i = 0; i < 60; i++) call.sendRaw('garbage');
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'rejected');
    assert.equal(ended.summary.reason, '50 invalid messages in a row');
    await call.closed();
  } finally {
    await h.close();
  }
});
