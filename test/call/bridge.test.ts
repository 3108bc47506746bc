// The bridge end to end over real loopback sockets: a Twilio-protocol caller on one side, a scripted
// Voice Agent V1 peer on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executionAsyncId } from 'node:async_hooks';
import { z } from 'zod';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, randomBytes, sleep, type BridgeHarness } from '../helpers/bridge-harness.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { mulawDecode } from '../../src/audio/mulaw.js';
import { loadAgentSettings } from '../../src/agent/settings-file.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { dtmfText } from '../../src/engine/think/dtmf.js';

test('the Settings from AGENT_CONFIG are sent after Welcome', async () => {
  const h = await startBridge();
  try {
    const { call, agent } = await h.connectedCall();
    assert.deepEqual(agent.settings, JSON.parse(JSON.stringify(loadAgentSettings('config/agent.json'))));
    assert.equal(agent.messages[0]!.type, 'Settings', 'Settings is the first thing the bridge sends');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('caller audio is held until SettingsApplied, then forwarded byte-exact and in order', async () => {
  const h = await startBridge({ agent: { autoApply: false } });
  try {
    const { call, agent } = await h.connectedCall();
    const audio = randomBytes(160 * 25, 7);
    for (let i = 0; i < 25; i++) call.sendFrame(audio.subarray(i * 160, (i + 1) * 160));
    await sleep(150);
    assert.equal(agent.audioBytes, 0, 'no audio may reach the agent before SettingsApplied');
    agent.send({ type: 'SettingsApplied' });
    await agent.waitForAudioBytes(audio.length);
    const more = randomBytes(160 * 5, 8);
    for (let i = 0; i < 5; i++) call.sendFrame(more.subarray(i * 160, (i + 1) * 160));
    await agent.waitForAudioBytes(audio.length + more.length);
    assert.ok(Buffer.concat(agent.audio).equals(Buffer.concat([audio, more])));
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('with INBOUND_CHUNK_MS=400 frames are aggregated into 3200-byte chunks, and the tail is flushed at stop', async () => {
  const h = await startBridge({ env: { INBOUND_CHUNK_MS: '400' } });
  try {
    const { call, agent } = await h.connectedCall();
    await sleep(50);
    const audio = randomBytes(160 * 45, 9);
    for (let i = 0; i < 45; i++) call.sendFrame(audio.subarray(i * 160, (i + 1) * 160));
    await agent.waitForAudioBytes(6400);
    assert.deepEqual(agent.audio.map((b) => b.length), [3200, 3200]);
    call.stop();
    await agent.waitForAudioBytes(audio.length);
    assert.ok(Buffer.concat(agent.audio).equals(audio));
  } finally {
    await h.close();
  }
});

test('agent audio reaches the caller byte-exact, a mark after each 100 ms of it and at the end of the reply, each echoed', async () => {
  const h = await startBridge();
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    const chunks = [randomBytes(800, 1), randomBytes(1600, 2), randomBytes(333, 3)];
    const received: Buffer[] = [];
    call.on('media', (b) => received.push(b));
    const marks: string[] = [];
    call.on('mark', (n) => marks.push(n));
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Hello there, how can I help?' });
    for (const c of chunks) agent.sendAudio(c);
    agent.send({ type: 'AgentAudioDone' });
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    assert.ok(Buffer.concat(received).equals(Buffer.concat(chunks)));
    // 100 ms, then 200 ms: a mark after each; 41 ms more is marked by the end of the reply.
    assert.equal(marks.length, 3, 'a mark after each of the first two chunks, then the end-of-reply mark');
    assert.ok(marks[2]!.endsWith('.end'));
    assert.equal(turn.turn.text, 'Hello there, how can I help?');
    assert.equal(turn.turn.interrupted, false);
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('barge-in: clear goes out in the same event-loop turn as UserStartedSpeaking; stale audio is dropped; the transcript says what was heard', async () => {
  const h = await startBridge();
  try {
    const { call, agent } = await h.connectedCall();
    // Observe the bridge's own socket to Twilio: which async context sent `clear`.
    const [twilioSide] = [...h.server.app.websocketServer.clients];
    assert.ok(twilioSide);
    let clearContext = -1;
    const send = twilioSide.send.bind(twilioSide);
    twilioSide.send = ((data: string, ...rest: never[]) => {
      if (typeof data === 'string' && data.includes('"clear"')) clearContext = executionAsyncId();
      return send(data, ...rest);
    }) as typeof twilioSide.send;
    let bargeInContext = -2;
    h.server.events.subscribe((e) => {
      if (e.type === 'event' && e.kind === 'barge_in') bargeInContext = executionAsyncId();
    });

    const text = 'one two three four five six seven eight nine ten';
    agent.send({ type: 'ConversationText', role: 'assistant', content: text });
    // Two seconds of speech, sent faster than real time as agents do; the caller plays it in real time.
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 100 + i));
    await new Promise<void>((resolve) => call.once('mark', () => resolve()));
    await sleep(500);
    let mediaAfterClear = 0;
    let cleared = false;
    call.on('clear', () => (cleared = true));
    call.on('media', () => {
      if (cleared) mediaAfterClear++;
    });
    agent.send({ type: 'UserStartedSpeaking' });
    agent.sendAudio(randomBytes(1600, 999)); // late audio of the interrupted reply
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    await sleep(100);
    assert.ok(cleared, 'the caller received clear');
    assert.equal(clearContext, bargeInContext, 'clear was sent from the same callback that handled UserStartedSpeaking');
    assert.equal(mediaAfterClear, 0, 'no audio of the interrupted reply after clear');
    assert.equal(turn.turn.interrupted, true);
    assert.ok(turn.turn.heardMs! > 300 && turn.turn.heardMs! < 1500, `heard ${turn.turn.heardMs} ms of 2000`);
    assert.ok(text.startsWith(turn.turn.heardText!) && turn.turn.heardText!.length < text.length, turn.turn.heardText);
    assert.equal(call.bufferedMs, 0, 'nothing left to play');

    // The next reply (after the caller's turn) is played again.
    agent.send({ type: 'ConversationText', role: 'user', content: 'wait, stop' });
    agent.sendAudio(randomBytes(800, 5));
    await new Promise<void>((resolve) => call.once('media', () => resolve()));
    assert.equal(mediaAfterClear, 1);
    call.hangUp();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.interruptions, 1);
    assert.equal(ended.summary.framesDropped, 10, 'the late 1600 bytes are 10 dropped frames');
  } finally {
    await h.close();
  }
});

test('function calls: a result, an unknown function, a thrown error and a timeout all answer the agent', async () => {
  const functions = new FunctionRegistry(
    [
      { name: 'add', schema: z.object({ a: z.number(), b: z.number() }), run: async ({ a, b }) => ({ sum: a + b }) },
      { name: 'explode', schema: z.object({}), run: async () => { throw new Error('database is down'); } },
      { name: 'hang', schema: z.object({}), run: () => new Promise(() => {}) },
    ],
    200,
  );
  const h = await startBridge({ functions });
  try {
    const { call, agent } = await h.connectedCall();
    agent.send({
      type: 'FunctionCallRequest',
      functions: [
        { id: 'f1', name: 'add', arguments: '{"a":2,"b":40}', client_side: true },
        { id: 'f2', name: 'nope', arguments: '{}', client_side: true },
        { id: 'f3', name: 'explode', arguments: '{}', client_side: true },
        { id: 'f4', name: 'hang', arguments: '{}', client_side: true },
        { id: 'f5', name: 'add', arguments: '{"a":"x"}', client_side: true },
        { id: 'f6', name: 'server_side', arguments: '{}', client_side: false },
      ],
    });
    const response = async (id: string) => agent.waitFor((m) => m.type === 'FunctionCallResponse' && m.id === id, 3000);
    assert.deepEqual(await response('f1'), { type: 'FunctionCallResponse', id: 'f1', name: 'add', content: '{"sum":42}' });
    assert.match(String((await response('f2')).content), /unknown function \\"nope\\"/);
    assert.match(String((await response('f3')).content), /database is down/);
    assert.match(String((await response('f4')).content), /timed out after 200 ms/);
    assert.match(String((await response('f5')).content), /invalid arguments: a:/);
    await sleep(100);
    assert.equal(agent.messages.filter((m) => m.type === 'FunctionCallResponse').length, 5, 'server-side functions are not answered');
    const recorded = h.events.filter((e) => e.type === 'function_call');
    assert.equal(recorded.length, 5);
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('DTMF digits reach the agent as injected user messages', async () => {
  const h = await startBridge();
  try {
    const { call, agent } = await h.connectedCall();
    call.sendDtmf('0');
    const injected = await agent.waitFor((m) => m.type === 'InjectUserMessage');
    assert.equal(injected.content, dtmfText('0'));
    await h.waitForEvent('event', (e) => e.kind === 'dtmf' && e.detail === '0');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('KeepAlive is sent while no audio flows, and not while it does', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, timing: { keepAliveMs: 200 } });
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    const keepAlives = () => agent.messages.filter((m) => m.type === 'KeepAlive').length;
    // Half a second of audio, a frame every 50 ms of the call's time: the line is never silent for 200 ms.
    for (let i = 1; i <= 10; i++) {
      call.sendFrame(randomBytes(160, i));
      await agent.waitForAudioBytes(160 * i);
      await clock.advance(50);
    }
    assert.equal(keepAlives(), 0, 'no KeepAlive while frames flow');
    // One second of silence at a 200 ms period: one KeepAlive per period, counted from the last frame.
    await clock.advance(1000);
    await agent.waitFor(() => keepAlives() >= 5);
    await sleep(50);
    assert.equal(keepAlives(), 5, 'one KeepAlive per 200 ms of silence');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('two concurrent calls never see each other\'s audio', async () => {
  const h = await startBridge();
  try {
    const [a, b] = await Promise.all([h.call({ realtimePlayout: false }), h.call({ realtimePlayout: false })]);
    const agentA = await h.agent.connection(0);
    const agentB = await h.agent.connection(1);
    await agentA.waitFor((m) => m.type === 'Settings');
    await agentB.waitFor((m) => m.type === 'Settings');
    // Which agent connection belongs to which call is only known by the audio: send distinct audio.
    const audioA = randomBytes(1600, 11);
    const audioB = randomBytes(1600, 22);
    for (let i = 0; i < 10; i++) {
      a.sendFrame(audioA.subarray(i * 160, (i + 1) * 160));
      b.sendFrame(audioB.subarray(i * 160, (i + 1) * 160));
    }
    await agentA.waitForAudioBytes(1600);
    await agentB.waitForAudioBytes(1600);
    const gotA = Buffer.concat(agentA.audio);
    const gotB = Buffer.concat(agentB.audio);
    const [forA, forB] = gotA.equals(audioA) ? [agentA, agentB] : [agentB, agentA];
    assert.ok((forA === agentA ? gotA : gotB).equals(audioA));
    assert.ok((forB === agentA ? gotA : gotB).equals(audioB));
    const replyA = randomBytes(480, 33);
    const replyB = randomBytes(480, 44);
    const heardA: Buffer[] = [];
    const heardB: Buffer[] = [];
    a.on('media', (m) => heardA.push(m));
    b.on('media', (m) => heardB.push(m));
    forA.sendAudio(replyA);
    forB.sendAudio(replyB);
    await sleep(200);
    assert.ok(Buffer.concat(heardA).equals(replyA));
    assert.ok(Buffer.concat(heardB).equals(replyB));
    a.hangUp();
    b.hangUp();
  } finally {
    await h.close();
  }
});

test('every way a call ends closes the other side and records the outcome', async (t) => {
  await t.test('Twilio stop', async () => {
    const h = await startBridge();
    try {
      const { call, agent } = await h.connectedCall();
      call.stop();
      const ended = await h.waitForEvent('call_ended');
      assert.equal(ended.summary.outcome, 'completed');
      await agent.closed;
      await call.closed();
      assert.equal(h.server.sessions.size, 0);
    } finally {
      await h.close();
    }
  });
  await t.test('Twilio socket lost without stop', async () => {
    const h = await startBridge();
    try {
      const { call, agent } = await h.connectedCall();
      call.ws.terminate();
      const ended = await h.waitForEvent('call_ended');
      assert.equal(ended.summary.outcome, 'twilio_disconnected');
      await agent.closed;
    } finally {
      await h.close();
    }
  });
  await t.test('the agent is unreachable', async () => {
    const h = await startBridge({ env: { AGENT_URL: 'ws://127.0.0.1:9/v1/agent/converse' }, timing: { reconnectDelaysMs: [0, 10] } });
    try {
      const call = await h.call();
      const ended = await h.waitForEvent('call_ended');
      assert.equal(ended.summary.outcome, 'agent_unavailable');
      await call.closed();
    } finally {
      await h.close();
    }
  });
  await t.test('the agent ends the call: hang-up only after the goodbye has been played', async () => {
    const functions = new FunctionRegistry([
      { name: 'end_call', schema: z.object({}), run: async (_a, ctx) => { ctx.control.hangUpAfterPlayback('goodbye'); return { ok: true }; } },
    ]);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const h = await startBridge({ functions, clock, timing: { hangupGraceMs: 100 } });
    try {
      const { call, agent } = await h.connectedCall();
      agent.send({ type: 'ConversationText', role: 'assistant', content: 'Goodbye!' });
      agent.sendAudio(randomBytes(4000, 3)); // half a second of goodbye, played in real time by the caller's side
      agent.send({ type: 'AgentAudioDone' });
      agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
      await h.waitForEvent('function_call');
      // The grace period is over, but the goodbye is still playing: no hang-up yet.
      await clock.advance(100);
      assert.equal(h.events.some((e) => e.type === 'call_ended'), false, 'no hang-up while the goodbye plays');
      // Its last mark comes back once it has played: that ends the call.
      const ended = await h.waitForEvent('call_ended', undefined, 5000);
      assert.equal(ended.summary.outcome, 'agent_hangup');
      assert.equal(call.stats.bytesPlayed, 4000, 'the whole goodbye was played before the hang-up');
      await call.closed();
    } finally {
      await h.close();
    }
  });

  await t.test('the agent ends the call: a goodbye heard at once still waits out the grace period for more', async () => {
    const functions = new FunctionRegistry([
      { name: 'end_call', schema: z.object({}), run: async (_a, ctx) => { ctx.control.hangUpAfterPlayback('goodbye'); return { ok: true }; } },
    ]);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const h = await startBridge({ functions, clock });
    try {
      const { call, agent } = await h.connectedCall({ realtimePlayout: false });
      agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'e', name: 'end_call', arguments: '{}', client_side: true }] });
      await h.waitForEvent('function_call');
      agent.sendAudio(randomBytes(800, 4));
      agent.send({ type: 'AgentAudioDone' });
      await clock.advance(1499);
      assert.equal(h.events.some((e) => e.type === 'call_ended'), false, 'the goodbye may still be on its way for 1.5 s');
      await clock.advance(1);
      const ended = await h.waitForEvent('call_ended');
      assert.equal(ended.summary.outcome, 'agent_hangup');
      await call.closed();
    } finally {
      await h.close();
    }
  });
});

test('malformed input is counted and survived; other calls are untouched; a garbage flood is disconnected', async () => {
  const h = await startBridge();
  try {
    const bystander = await h.call({ realtimePlayout: false });
    const call = await h.call({ realtimePlayout: false });
    const bystanderAgent = await h.agent.connection(0);
    const agent = await h.agent.connection(1);
    await agent.waitFor((m) => m.type === 'Settings');
    await bystanderAgent.waitFor((m) => m.type === 'Settings');
    call.sendRaw('{not json');
    call.sendRaw(JSON.stringify({ event: 'teleport', streamSid: call.streamSid }));
    call.sendRaw(JSON.stringify({ event: 'media', streamSid: 'MZ-someone-else', media: { payload: randomBytes(160).toString('base64') } }));
    call.sendRaw(JSON.stringify({ event: 'media', streamSid: call.streamSid }));
    call.sendRaw(JSON.stringify({ event: 'mark', streamSid: call.streamSid, mark: {} }));
    call.sendRaw('x'.repeat(100 * 1024));
    call.sendRaw(randomBytes(320));
    call.sendRaw('[]');
    agent.ws.send('garbage from the agent');
    agent.send({ type: 'SomethingNew', x: 1 });
    agent.send({ type: 'ConversationText', role: 'robot' });
    // The call still works in both directions.
    const frame = randomBytes(160, 77);
    call.sendFrame(frame);
    await agent.waitForAudioBytes(160);
    assert.ok(Buffer.concat(agent.audio).equals(frame));
    const heard: Buffer[] = [];
    call.on('media', (b) => heard.push(b));
    agent.sendAudio(randomBytes(320, 78));
    await sleep(100);
    assert.ok(Buffer.concat(heard).equals(randomBytes(320, 78)));
    const metrics = await h.server.metrics.registry.getSingleMetricAsString('phone_agent_malformed_messages_total');
    assert.match(metrics, /source="twilio"} 8/);
    assert.match(metrics, /source="agent"} 3/);

    // Media before start on a fresh stream is ignored, not fatal.
    const early = await h.call({ realtimePlayout: false });
    early.sendRaw(JSON.stringify({ event: 'media', streamSid: 'MZ-early', media: { payload: 'AAAA', track: 'inbound' } }));

    // A peer that sends nothing but garbage is closed with a reason.
    const flood = await h.call();
    for (let i = 0; i < 60; i++) flood.sendRaw('garbage');
    await flood.closed();
    assert.ok(bystander.open, 'other calls are untouched');
    bystander.sendFrame(frame);
    await bystanderAgent.waitForAudioBytes(160);
    call.hangUp();
    bystander.hangUp();
    early.hangUp();
  } finally {
    await h.close();
  }
});

/** A bridge writing recordings to a fresh folder, and each call's WAV read back as its two channels. */
async function withRecordings(run: (h: BridgeHarness, channels: (callSid: string) => { left: Int16Array; right: Int16Array }) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'pa-rec-'));
  const h = await startBridge({ env: { RECORDINGS_DIR: dir } });
  try {
    await run(h, (callSid) => {
      const wav = readFileSync(join(dir, `${callSid}.wav`));
      assert.equal(wav.readUInt16LE(22), 2, 'two channels');
      assert.equal(wav.readUInt32LE(24), 8000);
      const frames = (wav.length - 44) / 4;
      const left = new Int16Array(frames);
      const right = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        left[i] = wav.readInt16LE(44 + i * 4);
        right[i] = wav.readInt16LE(46 + i * 4);
      }
      return { left, right };
    });
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function callEnded(h: BridgeHarness): Promise<void> {
  await h.waitForEvent('call_ended');
  await Promise.all([...h.server.sessions].map((s) => s.done));
}

test('RECORDINGS_DIR: each call is written as a two-channel WAV, caller left, agent right as played', () =>
  withRecordings(async (h, channels) => {
    const { call, agent } = await h.connectedCall();
    const callerAudio = Buffer.alloc(160 * 25, 0x10); // 500 ms of a loud constant
    await call.streamAudio(callerAudio);
    agent.sendAudio(Buffer.alloc(1600, 0x90)); // 200 ms of a quieter one
    agent.send({ type: 'AgentAudioDone' });
    await call.streamSilence(600);
    call.hangUp();
    await callEnded(h);
    const { left, right } = channels(call.callSid);
    const callerLevel = mulawDecode(Buffer.from([0x10]))[0]!;
    const agentLevel = mulawDecode(Buffer.from([0x90]))[0]!;
    assert.equal(left.filter((v) => v === callerLevel).length, 4000, 'all of the caller audio, on the left');
    assert.equal(right.filter((v) => v === agentLevel).length, 1600, 'all of the agent audio, on the right');
    const firstAgent = right.findIndex((v) => v === agentLevel);
    assert.ok(firstAgent >= 3500, `agent audio starts after the caller spoke (sample ${firstAgent})`);
  }));

test('RECORDINGS_DIR: agent audio cut off by a barge-in is recorded up to the clear, not dropped with the unplayed rest', () =>
  withRecordings(async (h, channels) => {
    const { call, agent } = await h.connectedCall();
    const silence = call.streamSilence(1500);
    agent.sendAudio(Buffer.alloc(8000, 0x90)); // one chunk of 1 s: its mark never echoes as played
    await sleep(400);
    agent.send({ type: 'UserStartedSpeaking' });
    await silence;
    call.hangUp();
    await callEnded(h);
    const agentLevel = mulawDecode(Buffer.from([0x90]))[0]!;
    const heardMs = channels(call.callSid).right.filter((v) => v === agentLevel).length / 8;
    assert.ok(heardMs > 250 && heardMs < 700, `about the 400 ms played before the clear is on record, got ${heardMs} ms`);
  }));

test('a turn spanning two replies (before and after a function call) is one turn; a barge-in in the second counts what was heard of both', async () => {
  const functions = new FunctionRegistry([{ name: 'lookup', schema: z.object({}), run: async () => ({ found: true }) }]);
  const h = await startBridge({ functions });
  try {
    const { call, agent } = await h.connectedCall();
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'Let me check.' });
    agent.sendAudio(randomBytes(2400, 1)); // 300 ms
    agent.send({ type: 'AgentAudioDone' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'l', name: 'lookup', arguments: '{}', client_side: true }] });
    await agent.waitFor((m) => m.type === 'FunctionCallResponse');
    agent.send({ type: 'ConversationText', role: 'assistant', content: 'You have one appointment on Tuesday at ten in the morning.' });
    for (let i = 0; i < 10; i++) agent.sendAudio(randomBytes(1600, 10 + i)); // 2 s
    await sleep(900);
    agent.send({ type: 'UserStartedSpeaking' });
    const turn = await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    assert.equal(turn.turn.text, 'Let me check. You have one appointment on Tuesday at ten in the morning.');
    assert.equal(turn.turn.interrupted, true);
    assert.ok(turn.turn.heardMs! > 500 && turn.turn.heardMs! < 1500, `heard ${turn.turn.heardMs} ms of 2300`);
    assert.ok(turn.turn.heardText!.startsWith('Let me check. You'), turn.turn.heardText);
    assert.equal(h.events.filter((e) => e.type === 'turn').length, 1, 'one turn, not one per reply');
    call.hangUp();
  } finally {
    await h.close();
  }
});
