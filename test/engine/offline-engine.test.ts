// The engine as shipped (no think provider substituted): the seed's Settings, the built-in clinic
// dialog, a caller's spoken request recognised with the dialog's language model, and a spoken answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mulawEncode, MULAW_SILENCE } from '../../src/audio/mulaw.js';
import { startEngineServer } from '../../src/engine/server.js';
import { spokenCaller } from '../../src/engine/speak/phone-channel.js';
import { V1TestClient } from '../helpers/v1-client.js';
import { isText } from './harness.js';

test('offline engine: the seed agent greets, hears a spoken request and answers it', async () => {
  const server = await startEngineServer({ stt: { workers: 1 } });
  try {
    const settings = JSON.parse(readFileSync('config/agent.json', 'utf8')) as Record<string, unknown>;
    const client = await V1TestClient.connect(server.url);
    await client.waitForType('Welcome');
    client.send(settings);
    await client.waitForType('SettingsApplied', 30_000);
    await client.waitForType('AgentAudioDone');
    assert.ok(client.messages.find(isText('assistant')), 'greeting text');
    const greetingBytes = client.audioBytes;
    assert.ok(greetingBytes > 0);

    const speech = mulawEncode(await spokenCaller('I would like to book an appointment'));
    const audio = new Uint8Array(3200 + speech.length + 9600).fill(MULAW_SILENCE);
    audio.set(speech, 3200);
    const from = client.messages.length;
    await client.streamRealtime(audio);
    const user = await client.waitFor(isText('user'), 15_000, from);
    assert.match(String(user.content), /book/i);
    await client.waitFor((m) => m.type === 'AgentStartedSpeaking', 15_000, from);
    await client.waitFor((m) => m.type === 'AgentAudioDone', 30_000, from);
    assert.ok(client.messages.slice(from).find(isText('assistant')), 'an answer');
    assert.ok(client.audioBytes > greetingBytes);
    client.close();
  } finally {
    await server.close();
  }
});

test('UpdatePrompt rebuilds what the recogniser can hear: a word only the new prompt names is recognised once PromptUpdated arrives', async () => {
  const server = await startEngineServer({ stt: { workers: 1 } });
  try {
    const settings = JSON.parse(readFileSync('config/agent.json', 'utf8')) as { agent: { greeting?: string } };
    delete settings.agent.greeting;
    const client = await V1TestClient.connect(server.url);
    await client.waitForType('Welcome');
    client.send(settings);
    await client.waitForType('SettingsApplied', 30_000);
    const ask = async () => {
      const speech = mulawEncode(await spokenCaller('tell me about the purple giraffe'));
      const audio = new Uint8Array(3200 + speech.length + 9600).fill(MULAW_SILENCE);
      audio.set(speech, 3200);
      const from = client.messages.length;
      await client.streamRealtime(audio);
      return String((await client.waitFor(isText('user'), 15_000, from)).content);
    };
    assert.doesNotMatch(await ask(), /giraffe/, 'the seed prompt does not name it, so the recogniser cannot hear it');
    await client.waitFor((m) => m.type === 'AgentAudioDone', 30_000);
    client.send({ type: 'UpdatePrompt', prompt: 'You work at a clinic whose lobby has a purple giraffe mural. Tell callers about the purple giraffe.' });
    await client.waitForType('PromptUpdated', 30_000);
    assert.match(await ask(), /purple giraffe/);
    client.close();
  } finally {
    await server.close();
  }
});
