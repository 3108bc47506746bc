// GET /metrics after a scripted call, checked value by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_LATENCY_SAMPLE } from '../../src/observability/metrics.js';
import { z } from 'zod';
import { startBridge, randomBytes, sleep } from '../helpers/bridge-harness.js';
import { FunctionRegistry } from '../../src/tools/registry.js';

function value(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  assert.ok(line, `${name}{${labels}} is exported`);
  return Number(line.split(' ').at(-1));
}

test('metrics after a call: calls, frames, barge-ins, drops, function calls, latency histograms', async () => {
  const functions = new FunctionRegistry([{ name: 'ping', schema: z.object({}), run: async () => 'pong' }]);
  const h = await startBridge({ functions });
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    for (let i = 0; i < 30; i++) call.sendFrame(randomBytes(160, i + 1));
    await agent.waitForAudioBytes(30 * 160);
    const during = await (await h.server.app.inject('/metrics')).body;
    assert.equal(value(during, 'phone_agent_active_calls'), 1);

    agent.send({ type: 'ConversationText', role: 'user', content: 'hi' });
    agent.send({ type: 'AgentStartedSpeaking', total_latency: 0.35, tts_latency: 0.02, ttt_latency: 0.33 });
    for (let i = 0; i < 4; i++) agent.sendAudio(randomBytes(320, 50 + i));
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'p', name: 'ping', arguments: '{}', client_side: true }] });
    await agent.waitFor((m) => m.type === 'FunctionCallResponse');
    // A barge-in while the caller's buffer still holds audio (playout is instant, so hold a reply open).
    agent.sendAudio(randomBytes(160, 9));
    agent.send({ type: 'UserStartedSpeaking' });
    agent.sendAudio(randomBytes(480, 10)); // stale: 3 frames dropped
    await sleep(100);
    call.stop();
    await h.waitForEvent('call_ended');

    const text = (await h.server.app.inject('/metrics')).body;
    assert.equal(value(text, 'phone_agent_active_calls'), 0);
    assert.equal(value(text, 'phone_agent_calls_total', 'outcome="completed"'), 1);
    assert.equal(value(text, 'phone_agent_frames_in_total'), 30);
    assert.equal(value(text, 'phone_agent_frames_out_total'), 5);
    assert.equal(value(text, 'phone_agent_barge_ins_total'), 1);
    assert.equal(value(text, 'phone_agent_frames_dropped_total', 'reason="barge_in"'), 3);
    assert.equal(value(text, 'phone_agent_function_calls_total', 'name="ping",ok="true"'), 1);
    assert.equal(value(text, 'phone_agent_turn_latency_seconds_count'), 1);
    assert.equal(value(text, 'phone_agent_agent_reported_latency_seconds_sum', 'part="total"'), 0.35);
    assert.equal(value(text, 'phone_agent_agent_reported_latency_seconds_sum', 'part="ttt"'), 0.33);
    assert.equal(value(text, 'phone_agent_agent_reported_latency_seconds_count', 'part="tts"'), 1);
    assert.equal(value(text, 'phone_agent_engine_sessions'), 0, 'no embedded engine in this server');
    // One frame in FRAME_LATENCY_SAMPLE is timed: of 30 caller frames, 3; of 5 agent frames, none yet.
    assert.equal(value(text, 'phone_agent_frame_latency_seconds_count', 'direction="inbound"'), Math.floor(30 / FRAME_LATENCY_SAMPLE));
    assert.doesNotMatch(text, /phone_agent_frame_latency_seconds_count\{direction="outbound"\} [1-9]/);
    assert.ok(value(text, 'phone_agent_event_loop_lag_seconds') >= 0);
    assert.match(text, /phone_agent_store_write_seconds_bucket/);
    assert.match(text, /process_resident_memory_bytes/);
  } finally {
    await h.close();
  }
});
