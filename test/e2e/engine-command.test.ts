// `phone-agent engine` runs the embedded engine as its own V1 server, reachable by any V1 client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { V1TestClient } from '../helpers/v1-client.js';

test('phone-agent engine serves Voice Agent V1 on its own port', async () => {
  const child = spawn(process.execPath, ['bin/phone-agent', 'engine', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'phone-agent engine listening') resolve(entry.url!);
      });
      child.once('exit', (code) => reject(new Error(`engine exited with ${code}`)));
    });
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/v1\/agent\/converse$/);
    const client = await V1TestClient.connect(url);
    await client.waitForType('Welcome');
    client.send(JSON.parse(readFileSync('config/agent.json', 'utf8')));
    await client.waitForType('SettingsApplied');
    const greeting = await client.waitForType('ConversationText');
    assert.equal(greeting.role, 'assistant');
    client.close();
  } finally {
    child.kill('SIGTERM');
  }
});
