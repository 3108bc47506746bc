// Graceful shutdown of a real server process: SIGTERM turns /readyz to 503 and refuses new calls,
// calls in progress go on until they end (or the drain timeout), and everything recorded is flushed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { openStore } from '../../src/store/index.js';
import { sleep } from '../helpers/bridge-harness.js';

test('SIGTERM drains: not ready, no new calls, the call in progress finishes and is fully recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-shutdown-'));
  const agent = await ScriptedAgent.start();
  try {
    const db = join(dir, 'calls.db');
    const server = await startServeProcess({ AGENT_URL: agent.url, DATABASE_URL: db, DRAIN_TIMEOUT_MS: '20000' });
    const ws = `${server.url.replace('http', 'ws')}/media-stream`;
    const call = await SimulatedCall.connect({ url: ws, realtimePlayout: false });
    const conn = await agent.connection(0);
    await conn.waitFor((m) => m.type === 'Settings');
    conn.send({ type: 'ConversationText', role: 'user', content: 'hello there' });

    server.child.kill('SIGTERM');
    let ready = await fetch(`${server.url}/readyz`);
    for (let i = 0; i < 50 && ready.status === 200; i++) {
      await sleep(20);
      ready = await fetch(`${server.url}/readyz`);
    }
    assert.equal(ready.status, 503, '/readyz reports draining');
    const webhook = await fetch(`${server.url}/incoming-call`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'CallSid=CA2',
    });
    assert.equal(webhook.status, 503, 'new calls are refused');
    const late = await SimulatedCall.connect({ url: ws });
    await late.closed();

    // The call in progress still works in both directions.
    const heard: Buffer[] = [];
    call.on('media', (b) => heard.push(b));
    conn.send({ type: 'ConversationText', role: 'assistant', content: 'Hi! How can I help?' });
    conn.sendAudio(Buffer.alloc(800, 0x55));
    conn.send({ type: 'AgentAudioDone' });
    await sleep(200);
    assert.equal(Buffer.concat(heard).length, 800);
    call.hangUp();
    assert.equal(await server.exited, 0, 'the process exits cleanly once the last call ended');

    const store = await openStore(db);
    try {
      const record = await store.getCall(call.callSid);
      assert.ok(record, 'the call was recorded');
      assert.equal(record.outcome, 'completed');
      assert.deepEqual(
        record.transcript.map((t) => [t.role, t.text]),
        [
          ['user', 'hello there'],
          ['assistant', 'Hi! How can I help?'],
        ],
      );
      const page = await store.listCalls();
      assert.equal(page.calls.length, 1, 'the refused call left no record of a bridged call');
    } finally {
      await store.close();
    }
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a call's whole record is served by the API after the server restarts", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-restart-'));
  const agent = await ScriptedAgent.start();
  try {
    const env = { AGENT_URL: agent.url, DATABASE_URL: join(dir, 'calls.db') };
    const first = await startServeProcess(env);
    const call = await SimulatedCall.connect({ url: `${first.url.replace('http', 'ws')}/media-stream`, realtimePlayout: false, from: '+15550001111' });
    const conn = await agent.connection(0);
    await conn.waitFor((m) => m.type === 'Settings');
    conn.send({ type: 'ConversationText', role: 'user', content: 'what are your hours' });
    conn.send({ type: 'FunctionCallRequest', functions: [{ id: 'f1', name: 'not_registered', arguments: '{}', client_side: true }] });
    await conn.waitFor((m) => m.type === 'FunctionCallResponse');
    conn.send({ type: 'ConversationText', role: 'assistant', content: 'We are open nine to five.' });
    conn.sendAudio(Buffer.alloc(1600, 0x55));
    conn.send({ type: 'AgentAudioDone' });
    await sleep(100);
    call.hangUp();
    await sleep(100);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = await startServeProcess(env);
    try {
      const res = await fetch(`${second.url}/api/calls/${call.callSid}`);
      assert.equal(res.status, 200);
      const record = (await res.json()) as Record<string, unknown> & {
        transcript: Array<{ role: string; text: string }>;
        functionCalls: Array<{ name: string; ok: boolean }>;
      };
      assert.equal(record.from, '+15550001111');
      assert.equal(record.outcome, 'completed');
      assert.deepEqual(record.transcript.map((t) => t.text), ['what are your hours', 'We are open nine to five.']);
      assert.deepEqual(record.functionCalls.map((f) => [f.name, f.ok]), [['not_registered', false]]);
      const list = (await (await fetch(`${second.url}/api/calls`)).json()) as { calls: Array<{ callSid: string }> };
      assert.deepEqual(list.calls.map((c) => c.callSid), [call.callSid]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
