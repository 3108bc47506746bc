// Every log line a call writes carries its callSid and streamSid, so one call's story can be pulled
// out of an interleaved log of many.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { createLogger } from '../../src/observability/log.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { startBridge, randomBytes } from '../helpers/bridge-harness.js';

test('each line of a call carries callSid and streamSid, and the last one sums the call up', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: 'debug' }, sink);
  const functions = new FunctionRegistry([{ name: 'ping', schema: z.object({}), run: async () => 'pong' }]);
  const h = await startBridge({ logger, functions });
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    call.sendRaw('{broken');
    call.sendDtmf('5');
    agent.send({ type: 'Warning', code: 'SOMETHING', description: 'a warning' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'p', name: 'ping', arguments: '{}', client_side: true }] });
    await agent.waitFor((m) => m.type === 'FunctionCallResponse');
    agent.sendAudio(randomBytes(320));
    call.stop();
    await h.waitForEvent('call_ended');
  } finally {
    await h.close();
  }
  const ofCall = lines.filter((l) => l.callSid !== undefined || l.streamSid !== undefined);
  assert.ok(ofCall.length >= 6, `${ofCall.length} call lines`);
  for (const line of ofCall) {
    assert.equal(typeof line.callSid, 'string', JSON.stringify(line));
    assert.equal(typeof line.streamSid, 'string', JSON.stringify(line));
  }
  const messages = ofCall.map((l) => l.msg);
  for (const expected of ['call started', 'dtmf', 'agent warning', 'function call', 'call ended']) {
    assert.ok(messages.includes(expected), `logged "${expected}"`);
  }
  const summary = ofCall.find((l) => l.msg === 'call ended')!;
  for (const field of ['durationMs', 'turns', 'bytesIn', 'bytesOut', 'interruptions', 'outcome']) assert.ok(field in summary, `summary has ${field}`);
  assert.equal(summary.outcome, 'completed');
  assert.equal(summary.bytesOut, 320);
});
