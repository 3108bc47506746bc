// The V1 protocol surface of the embedded engine over a real loopback socket: handshake, every error
// the spec names, acknowledgements, injected messages and the silent-client timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEngine, settingsWith, isText, BASE_SETTINGS, type TestEngine } from './harness.js';
import { V1TestClient } from '../helpers/v1-client.js';

describe('engine V1 protocol', () => {
  let t: TestEngine;
  before(async () => {
    t = await startTestEngine();
  });
  after(() => t.close());

  test('sends Welcome with a request_id at once', async () => {
    const client = await V1TestClient.connect(t.server.url);
    const welcome = await client.waitForType('Welcome');
    assert.match(String(welcome.request_id), /^[0-9a-f-]{36}$/);
    assert.equal(client.messages[0]!.type, 'Welcome');
    client.close();
  });

  test('invalid Settings: INVALID_SETTINGS naming the field, then close', async () => {
    const client = await t.connect();
    client.send(settingsWith({ audio: { input: { encoding: 'mulaw', sample_rate: 'fast' } } }));
    const error = await client.waitForType('Error');
    assert.equal(error.code, 'INVALID_SETTINGS');
    assert.match(String(error.description), /audio\.input\.sample_rate/);
    await client.waitForClose();
  });

  test('unsupported audio encoding: INVALID_SETTINGS that says why, then close', async () => {
    const client = await t.connect();
    client.send(settingsWith({ audio: { input: { encoding: 'opus', sample_rate: 48000 } } }));
    const error = await client.waitForType('Error');
    assert.equal(error.code, 'INVALID_SETTINGS');
    assert.match(String(error.description), /opus/);
    await client.waitForClose();
  });

  test('a message before Settings: NON_SETTINGS_MESSAGE_BEFORE_SETTINGS, then close', async () => {
    const client = await t.connect();
    client.send({ type: 'KeepAlive' });
    const error = await client.waitForType('Error');
    assert.equal(error.code, 'NON_SETTINGS_MESSAGE_BEFORE_SETTINGS');
    await client.waitForClose();
  });

  test('unparsable and unknown messages: UNPARSABLE_CLIENT_MESSAGE, and the session goes on', async () => {
    const client = await t.connect();
    client.sendRaw('this is not json');
    const first = await client.waitForType('Error');
    assert.equal(first.code, 'UNPARSABLE_CLIENT_MESSAGE');
    client.send(BASE_SETTINGS);
    await client.waitForType('SettingsApplied', 30_000);
    client.send({ type: 'NoSuchMessage' });
    client.send({ type: 'UpdatePrompt' });
    await client.waitFor((m) => m.type === 'Error' && /UpdatePrompt/.test(String(m.description)));
    const errors = client.ofType('Error');
    assert.equal(errors.length, 3);
    assert.ok(errors.every((e) => e.code === 'UNPARSABLE_CLIENT_MESSAGE'));
    assert.match(String(errors[1]!.description), /NoSuchMessage/);
    client.send({ type: 'UpdatePrompt', prompt: 'still here' });
    await client.waitForType('PromptUpdated');
    client.close();
  });

  test('a second Settings: SETTINGS_ALREADY_APPLIED; updates are acknowledged; KeepAlive is silent', async () => {
    const client = await t.converse();
    client.send(BASE_SETTINGS);
    const error = await client.waitForType('Error');
    assert.equal(error.code, 'SETTINGS_ALREADY_APPLIED');
    client.send({ type: 'KeepAlive' });
    client.send({ type: 'UpdatePrompt', prompt: 'You are now a pirate.' });
    client.send({ type: 'UpdateSpeak', speak: { provider: { type: 'deepgram', model: 'aura-2-orion-en' } } });
    client.send({ type: 'UpdateThink', think: { provider: { type: 'open_ai', model: 'gpt-4o' }, prompt: 'You are a robot.' } });
    await client.waitForType('ThinkUpdated');
    const acks = client.messages.map((m) => m.type).filter((type) => type.endsWith('Updated'));
    assert.deepEqual(acks, ['PromptUpdated', 'SpeakUpdated', 'ThinkUpdated']);
    const before = t.think.requests.length;
    client.send({ type: 'InjectUserMessage', content: 'hello' });
    await client.waitForType('AgentAudioDone');
    assert.deepEqual(t.think.requests[before]![0], { role: 'system', content: 'You are a robot.' });
    assert.equal(client.ofType('Error').length, 1);
    client.close();
  });

  test('a burst of UpdatePrompts: every one acknowledged in order, one recogniser built, for the last prompt', async () => {
    const client = await t.converse();
    const before = t.recognizerBuilds.length;
    const prompts = ['You sell kites.', 'You sell boats.', 'You sell lamps.', 'You sell tulips.', 'You sell violins.'];
    for (const prompt of prompts) client.send({ type: 'UpdatePrompt', prompt });
    for (let i = 0; i < 100 && client.ofType('PromptUpdated').length < prompts.length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(client.ofType('PromptUpdated').length, prompts.length);
    const builds = t.recognizerBuilds.slice(before);
    assert.ok(builds.length >= 1 && builds.length < prompts.length, `${builds.length} recognisers built for ${prompts.length} updates`);
    assert.ok(builds.at(-1)!.includes('You sell violins.'), 'the last build has the last prompt');
    client.close();
  });

  test('the greeting is spoken first, in mulaw 8 kHz', async () => {
    const client = await t.converse(settingsWith({ agent: { greeting: 'Hello, thanks for calling.' } }));
    const types = client.messages.map((m) => m.type);
    assert.deepEqual(types.slice(0, 3), ['Welcome', 'SettingsApplied', 'AgentStartedSpeaking']);
    assert.ok(client.messages.find(isText('assistant', 'Hello, thanks for calling.')));
    assert.ok(client.ofType('History').some((h) => h.role === 'assistant' && h.content === 'Hello, thanks for calling.'));
    // About 1.5 s of speech at 8000 one-byte samples a second, in 20 ms (160-byte) frames.
    assert.ok(client.audioBytes > 8000 && client.audioBytes < 40_000, `${client.audioBytes} bytes`);
    assert.ok(client.audio.slice(0, -1).every((frame) => frame.length === 160));
    assert.equal(client.audioBytesAfter((m) => m.type === 'AgentAudioDone'), 0);
    assert.ok(client.audioBytesAfter((m) => m.type === 'AgentStartedSpeaking') === client.audioBytes);
    client.close();
  });

  test('the greeting in linear16 16 kHz', async () => {
    const client = await t.converse(
      settingsWith({
        audio: { output: { encoding: 'linear16', sample_rate: 16000, container: 'none' } },
        agent: { greeting: 'Hello, thanks for calling.' },
      }),
    );
    assert.ok(client.audioBytes > 32_000 && client.audioBytes < 160_000, `${client.audioBytes} bytes`);
    assert.ok(client.audio.slice(0, -1).every((frame) => frame.length === 640));
    assert.equal(client.audioBytes % 2, 0);
    // Real speech, not silence: the samples move.
    const pcm = new Int16Array(Buffer.concat(client.audio).buffer.slice(0, client.audioBytes));
    assert.ok(Math.max(...pcm.subarray(0, 16000).map(Math.abs)) > 1000);
    client.close();
  });

  test('History is not sent when flags.history is false', async () => {
    const client = await t.converse(settingsWith({ flags: { history: false }, agent: { greeting: 'Hi.' } }));
    client.send({ type: 'InjectUserMessage', content: 'hello' });
    await client.waitFor(isText('assistant', 'You said: hello.'));
    await client.waitFor((m) => m.type === 'AgentAudioDone', 15_000, client.messages.findIndex(isText('assistant', 'You said: hello.')));
    assert.equal(client.ofType('History').length, 0);
    client.close();
  });

  test('InjectUserMessage is a user turn: the agent answers it', async () => {
    const client = await t.converse();
    client.send({ type: 'InjectUserMessage', content: 'hello there' });
    await client.waitForType('AgentAudioDone');
    const order = client.messages.map((m) => m.type).filter((type) => type !== 'History');
    assert.deepEqual(order, ['Welcome', 'SettingsApplied', 'ConversationText', 'AgentStartedSpeaking', 'LatencyReport', 'ConversationText', 'AgentAudioDone']);
    assert.ok(client.messages.find(isText('user', 'hello there')));
    assert.ok(client.messages.find(isText('assistant', 'You said: hello there.')));
    const started = client.ofType('AgentStartedSpeaking')[0]!;
    for (const key of ['total_latency', 'tts_latency', 'ttt_latency']) assert.equal(typeof started[key], 'number');
    assert.ok(client.audioBytes > 0);
    client.close();
  });

  test('InjectAgentMessage is spoken; refused while the agent is mid-turn; queued and interrupting messages', async () => {
    const client = await t.converse();
    client.send({ type: 'InjectAgentMessage', message: 'Are you still there?' });
    await client.waitForType('AgentAudioDone');
    assert.ok(client.messages.find(isText('assistant', 'Are you still there?')));
    assert.ok(client.audioBytes > 0);

    const from = client.messages.length;
    client.send({ type: 'InjectUserMessage', content: 'tell me something long' });
    await client.waitForType('AgentStartedSpeaking', 15_000, from);
    client.send({ type: 'InjectAgentMessage', message: 'Refuse me.' });
    const refused = await client.waitForType('InjectionRefused');
    assert.equal(typeof refused.message, 'string');
    client.send({ type: 'InjectAgentMessage', message: 'One more thing.', behavior: 'queue' });
    client.send({ type: 'InjectAgentMessage', message: 'Sorry to interrupt.', behavior: 'interrupt' });
    await client.waitFor(isText('assistant', 'One more thing.'));
    const texts = client.ofType('ConversationText').filter((m) => m.role === 'assistant').map((m) => m.content);
    const interrupted = texts.find((text) => String(text).startsWith('This is sentence number 1'));
    assert.ok(interrupted && String(interrupted).length < 200, 'the long reply was cut short');
    assert.deepEqual(texts.slice(-2), ['Sorry to interrupt.', 'One more thing.']);
    assert.ok(!client.messages.some(isText('assistant', 'Refuse me.')));
    client.close();
  });
});

describe('engine silent-client timeout', () => {
  test('no message for clientTimeoutMs: CLIENT_MESSAGE_TIMEOUT, then close', async () => {
    const t = await startTestEngine({ clientTimeoutMs: 300 });
    try {
      const client = await t.connect();
      const error = await client.waitForType('Error', 5000);
      assert.equal(error.code, 'CLIENT_MESSAGE_TIMEOUT');
      await client.waitForClose();
    } finally {
      await t.close();
    }
  });
});
