// The bench's reading of the server's /metrics, checked against what the server's own registry prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../src/observability/metrics.js';
import { parsePrometheusText, serverView } from '../../src/bench/server-view.js';

test("the server's view: counters summed over labels, drops by reason, store writes from the histogram", async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  try {
    for (let i = 0; i < 5; i++) metrics.callStarted();
    for (let i = 0; i < 3; i++) metrics.callEnded('completed');
    for (let i = 0; i < 2; i++) metrics.callEnded('agent_hangup');
    for (let i = 0; i < 500; i++) metrics.frameIn();
    for (let i = 0; i < 450; i++) metrics.frameOut();
    metrics.framesDropped('barge_in', 7);
    metrics.malformed('twilio');
    for (let i = 0; i < 98; i++) metrics.storeWrite(0.0004);
    metrics.storeWrite(0.02);
    metrics.storeWrite(0.02);
    const text = await metrics.registry.metrics();
    assert.ok(parsePrometheusText(text).some((s) => s.name === 'phone_agent_calls_total' && s.labels.outcome === 'agent_hangup' && s.value === 2));
    const view = serverView(text);
    assert.equal(view.calls_ended, 5);
    assert.equal(view.frames_in, 500);
    assert.equal(view.frames_out, 450);
    assert.deepEqual(view.frames_dropped, { barge_in: 7 });
    assert.equal(view.malformed_messages, 1);
    assert.equal(view.store_batches, 100);
    assert.equal(view.store_write_mean_ms, 0.792);
    // 98 of 100 writes are in the 0.5 ms bucket; the 99th is in the 25 ms one.
    assert.equal(view.store_write_p99_ms_at_most, 25);
  } finally {
    metrics.close();
  }
});
