// Deepgram's own JavaScript SDK (v5) talks to the embedded engine exactly as it talks to Deepgram: only
// the environment's agent URL changes. It configures the agent and hears the greeting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeepgramClient } from '@deepgram/sdk';
import { startTestEngine, settingsWith, type TestEngine } from './harness.js';

let t: TestEngine;
before(async () => {
  t = await startTestEngine();
});
after(() => t.close());

test('@deepgram/sdk connects, configures the agent and converses with the engine', async () => {
  const agentBase = t.server.url.replace(/\/v1\/agent\/converse$/, '');
  const deepgram = new DeepgramClient({
    apiKey: 'not-needed-offline',
    environment: { base: 'http://127.0.0.1', production: 'ws://127.0.0.1', agent: agentBase, agentRest: 'http://127.0.0.1' },
  });
  const socket = await deepgram.agent.v1.createConnection({ reconnectAttempts: 0 });
  const types: string[] = [];
  const texts: Array<{ role: string; content: string }> = [];
  let audioBytes = 0;
  const finished = new Promise<void>((resolve, reject) => {
    socket.on('message', (message) => {
      if (message instanceof Blob) {
        audioBytes += message.size;
        return;
      }
      if (typeof message === 'string') return;
      types.push(message.type);
      if (message.type === 'Welcome') {
        socket.sendSettings(settingsWith({ agent: { greeting: 'Hello from the engine.' } }) as never);
      } else if (message.type === 'ConversationText') {
        texts.push({ role: message.role, content: message.content });
      } else if (message.type === 'AgentAudioDone' && texts.length === 1) {
        socket.sendInjectUserMessage({ type: 'InjectUserMessage', content: 'hello engine' });
      } else if (message.type === 'AgentAudioDone') {
        resolve();
      } else if (message.type === 'Error') {
        reject(new Error(`${message.code}: ${message.description}`));
      }
    });
    socket.on('error', reject);
  });
  socket.connect();
  await socket.waitForOpen();
  await finished;
  socket.close();
  assert.deepEqual(types.slice(0, 2), ['Welcome', 'SettingsApplied']);
  assert.deepEqual(texts, [
    { role: 'assistant', content: 'Hello from the engine.' },
    { role: 'user', content: 'hello engine' },
    { role: 'assistant', content: 'You said: hello engine.' },
  ]);
  assert.ok(audioBytes > 8000, `${audioBytes} audio bytes`);
});
