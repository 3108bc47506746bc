// A call over AudioSocket end to end: a simulated Asterisk (a TCP client speaking the framing exactly)
// against a real server on loopback whose agent is a scripted V1 peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { startAudioSocketBridge, type AudioSocketHarness } from './harness.js';
import { encodeMessage } from '../../src/audiosocket/framing.js';
import { mulawDecode, mulawEncode } from '../../src/audio/mulaw.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { endCallTool, transferToStaffTool } from '../../src/tools/call-tools.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';

async function withBridge(run: (h: AudioSocketHarness) => Promise<void>): Promise<void> {
  const h = await startAudioSocketBridge({ functions: new FunctionRegistry([transferToStaffTool, endCallTool]), timing: { hangupGraceMs: 100 } });
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

/** slin little-endian bytes for these samples, written independently of the carrier's converter. */
function slinBytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => out.writeInt16LE(s, i * 2));
  return out;
}

function randomSamples(n: number, seed: number): Int16Array {
  const bytes = randomBytes(n * 2, seed);
  return new Int16Array(bytes.buffer, bytes.byteOffset, n);
}

test('the UUID is the call id, and caller slin reaches the agent as exactly its mu-law encoding', async () => {
  await withBridge(async (h) => {
    const uuid = randomUUID();
    const { caller, agent } = await h.connectedCaller(uuid);
    const started = await h.waitForEvent('call_started');
    assert.equal(started.call.callSid, uuid);
    const samples = randomSamples(160 * 25, 11);
    for (let i = 0; i < 25; i++) caller.sendRaw(encodeMessage(0x10, slinBytes(samples.subarray(i * 160, (i + 1) * 160))));
    await agent.waitForAudioBytes(4000);
    assert.deepEqual(Buffer.concat(agent.audio), Buffer.from(mulawEncode(samples)));
    caller.hangUp();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'completed', 'Asterisk closing the socket is the caller hanging up');
  });
});

test('agent audio reaches the caller as exactly its slin decoding, in 20 ms frames paced at real time', async () => {
  await withBridge(async (h) => {
    const { caller, agent } = await h.connectedCaller();
    const frames: Array<{ at: number; bytes: number }> = [];
    caller.on('media', (audio, at) => frames.push({ at, bytes: audio.length }));
    // Capture the slin on the wire as well, independently of the simulated caller's converter.
    const wire: Buffer[] = [];
    caller.socket.on('data', (c: Buffer) => wire.push(c));
    const audio = randomBytes(8000, 5); // one second, sent to the bridge all at once
    agent.sendAudio(audio);
    while (frames.length < 50) await sleep(20);
    await sleep(100);
    assert.equal(frames.length, 50);
    assert.ok(frames.every((f) => f.bytes === 160), 'every frame is 20 ms');
    const stream = Buffer.concat(wire);
    const slin: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 323) {
      assert.deepEqual([...stream.subarray(at, at + 3)], [0x10, 0x01, 0x40], 'an audio message of 320 bytes');
      slin.push(stream.subarray(at + 3, at + 323));
    }
    assert.deepEqual(Buffer.concat(slin), slinBytes(mulawDecode(audio)));
    const span = frames.at(-1)!.at - frames[0]!.at;
    assert.ok(span > 900 && span < 1400, `50 frames over ${Math.round(span)} ms, not a burst`);
    caller.hangUp();
  });
});

test('barge-in: the agent audio stops within one frame of the interruption, and the turn records what was heard', async () => {
  await withBridge(async (h) => {
    const { caller, agent } = await h.connectedCaller();
    const mediaAt: number[] = [];
    caller.on('media', (_a, at) => mediaAt.push(at));
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Our opening hours are nine to five on weekdays and nine to noon on saturdays.' });
    agent.sendAudio(randomBytes(24_000, 6)); // three seconds
    while (mediaAt.length < 15) await sleep(10);
    let bargeInAt = 0;
    h.server.events.subscribe((e) => {
      if (e.type === 'event' && e.kind === 'barge_in' && !bargeInAt) bargeInAt = performance.now();
    });
    agent.send({ type: 'UserStartedSpeaking' });
    await h.waitForEvent('event', (e) => e.kind === 'barge_in');
    await sleep(300);
    const after = mediaAt.filter((at) => at > bargeInAt).length;
    assert.ok(after <= 1, `${after} frames reached the caller after the interruption`);
    assert.ok(mediaAt.length < 40, `${mediaAt.length} frames of 150 were played`);
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant' && e.turn.interrupted === true);
    assert.ok(turn.turn.heardText !== undefined && turn.turn.heardText.length < turn.turn.text.length);
    // The next reply plays from the start, as usual.
    const before = mediaAt.length;
    agent.send({ type: 'ConversationText', role: 'user', content: 'and on sundays?' });
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'We are closed on sundays.' });
    agent.sendAudio(randomBytes(1600, 7));
    while (mediaAt.length < before + 10) await sleep(10);
    caller.hangUp();
  });
});

test('a keypad digit reaches the agent as an InjectUserMessage; a byte that is no digit is ignored', async () => {
  await withBridge(async (h) => {
    const { caller, agent } = await h.connectedCaller();
    caller.sendRaw(encodeMessage(0x03, Buffer.from('x')));
    caller.sendDtmf('5');
    const inject = await agent.waitFor((m) => m.type === 'InjectUserMessage');
    assert.equal(inject.content, dtmfText('5'));
    assert.equal(agent.messages.filter((m) => m.type === 'InjectUserMessage').length, 1);
    caller.sendDtmf('#');
    await agent.waitFor((m) => m.type === 'InjectUserMessage' && m.content === dtmfText('#'));
    assert.ok(caller.open, 'the call goes on');
    caller.hangUp();
  });
});

test('end_call: the goodbye plays in full, then the server sends the hangup message and closes', async () => {
  await withBridge(async (h) => {
    const { caller, agent } = await h.connectedCaller();
    let lastMediaAt = 0;
    caller.on('media', (_a, at) => (lastMediaAt = at));
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Goodbye, take care!' });
    agent.sendAudio(randomBytes(4000, 3)); // half a second of goodbye
    agent.send({ type: 'AgentAudioDone' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
    await caller.closed();
    const closedAt = performance.now();
    assert.equal(caller.hangupReceived, true, 'the hangup message (00 00 00) came before the close');
    assert.equal(caller.stats.bytesPlayed, 4000, 'the whole goodbye was sent before the hang-up');
    assert.ok(closedAt - lastMediaAt >= 15, 'the hang-up waited for the last frame to play');
    assert.deepEqual(caller.protocolErrors, []);
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'agent_hangup');
  });
});

test('transfer_to_staff is refused: AudioSocket has no transfer, and the call goes on', async () => {
  await withBridge(async (h) => {
    const { caller, agent } = await h.connectedCaller();
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 't', name: 'transfer_to_staff', arguments: '{}', client_side: true }] });
    const response = await agent.waitFor((m) => m.type === 'FunctionCallResponse' && m.id === 't');
    assert.match(String(response.content), /transfer is not possible on this audiosocket call/);
    await sleep(50);
    assert.ok(caller.open);
    assert.equal(caller.hangupReceived, false);
    caller.hangUp();
  });
});

test('a UUID already on a live call is refused with a logged reason; the live call is untouched', async () => {
  await withBridge(async (h) => {
    const uuid = randomUUID();
    const { caller, agent } = await h.connectedCaller(uuid);
    const twin = await h.caller(uuid);
    await twin.closed();
    assert.equal(twin.hangupReceived, true);
    assert.ok(h.logs.some((l) => String(l.reason).includes(`UUID ${uuid} belongs to a live call`)));
    caller.sendFrame(randomBytes(160, 1));
    await agent.waitForAudioBytes(160);
    assert.ok(caller.open);
    caller.hangUp();
    await h.waitForEvent('call_ended');
    // Once that call is over, its UUID may be used again.
    const again = await h.connectedCaller(uuid);
    again.caller.hangUp();
  });
});

test('a dialplan that reconnects with the same UUID right after the hang-up is served', async () => {
  await withBridge(async (h) => {
    const uuid = randomUUID();
    const first = await h.connectedCaller(uuid);
    first.agent.send({ type: 'ConversationText', role: 'assistant', content: 'Let me start over.' });
    first.agent.sendAudio(randomBytes(2400, 4));
    first.agent.send({ type: 'AgentAudioDone' });
    first.agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
    // AudioSocket() returns on the hangup message and the dialplan runs it again before its socket has closed.
    await new Promise<void>((resolve) => first.caller.socket.once('end', () => resolve()));
    const second = await h.connectedCaller(uuid);
    second.caller.sendFrame(randomBytes(160, 2));
    await second.agent.waitForAudioBytes(160);
    assert.ok(second.caller.open);
    second.caller.hangUp();
  });
});
