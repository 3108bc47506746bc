// The agent connection lost mid-call: reconnect with the conversation so far, record the gap, and
// give up cleanly (apology, then hand-off or hang-up) after bounded retries.
import { test } from 'node:test';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { startBridge, randomBytes, sleep } from '../helpers/bridge-harness.js';
import { ManualClock } from '../helpers/manual-clock.js';

test('a lost agent connection is replaced within a second, with the same Settings minus the greeting plus the conversation so far', async () => {
  const h = await startBridge();
  try {
    const call = await h.call({ realtimePlayout: false });
    const first = await h.agent.connection(0);
    await first.waitFor((m) => m.type === 'Settings');
    first.send({ type: 'ConversationText', role: 'assistant', content: 'Thank you for calling. How can I help?' });
    first.send({ type: 'ConversationText', role: 'user', content: 'I need an appointment' });
    first.send({ type: 'FunctionCallRequest', functions: [{ id: 'x1', name: 'missing_fn', arguments: '{}', client_side: true }] });
    await first.waitFor((m) => m.type === 'FunctionCallResponse');
    const lostAt = performance.now();
    first.ws.terminate(); // a network drop: no close handshake

    // Caller audio during the gap is held and delivered to the new connection, in order.
    const gapAudio = randomBytes(160 * 5, 4);
    for (let i = 0; i < 5; i++) call.sendFrame(gapAudio.subarray(i * 160, (i + 1) * 160));
    const second = await h.agent.connection(1);
    const settings = await second.waitFor((m) => m.type === 'Settings');
    const event = await h.waitForEvent('event', (e) => e.kind === 'agent_reconnect');
    assert.ok(performance.now() - lostAt < 1000, 'reconnected within a second');
    const agent = settings.agent as Record<string, unknown>;
    assert.equal(agent.greeting, undefined, 'the greeting is not repeated');
    const response = (await first.waitFor((m) => m.type === 'FunctionCallResponse')).content;
    assert.deepEqual((agent.context as { messages: unknown[] }).messages, [
      { type: 'History', role: 'assistant', content: 'Thank you for calling. How can I help?' },
      { type: 'History', role: 'user', content: 'I need an appointment' },
      { type: 'History', function_calls: [{ id: 'x1', name: 'missing_fn', client_side: true, arguments: '{}', response }] },
    ]);
    assert.match(event.detail, /reconnected after \d+ ms \(attempt 1\)/);
    await second.waitForAudioBytes(gapAudio.length);
    assert.ok(Buffer.concat(second.audio).subarray(0, gapAudio.length).equals(gapAudio));
    // The call goes on through the new connection.
    const heard: Buffer[] = [];
    call.on('media', (b) => heard.push(b));
    second.sendAudio(randomBytes(320, 6));
    await sleep(100);
    assert.ok(Buffer.concat(heard).equals(randomBytes(320, 6)));
    assert.equal(h.events.filter((e) => e.type === 'call_ended').length, 0);
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('an agent Error starts a new agent session instead of ending the call', async () => {
  const h = await startBridge();
  try {
    const call = await h.call();
    const first = await h.agent.connection(0);
    await first.waitFor((m) => m.type === 'Settings');
    first.send({ type: 'Error', code: 'INTERNAL_SERVER_ERROR', description: 'the model fell over' });
    const second = await h.agent.connection(1);
    await second.waitFor((m) => m.type === 'Settings');
    await h.waitForEvent('event', (e) => e.kind === 'error' && /the model fell over/.test(e.detail));
    await first.closed;
    assert.ok(call.open);
    call.hangUp();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'completed');
  } finally {
    await h.close();
  }
});

test('after bounded retries, each on the call\'s clock, the caller hears an apology, then the call ends', async () => {
  const apology = randomBytes(2400, 12); // 300 ms
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, timing: { reconnectDelaysMs: [0, 1000] }, apologyAudio: async () => apology });
  const connectionsLost = async () => {
    const text = await h.server.metrics.registry.getSingleMetricAsString('phone_agent_agent_errors_total');
    return Number(/code="connection_lost"} (\d+)/.exec(text)?.[1] ?? 0);
  };
  try {
    const call = await h.call();
    const played: Buffer[] = [];
    call.on('played', (b) => played.push(Buffer.from(b)));
    const first = await h.agent.connection(0);
    await first.waitFor((m) => m.type === 'Settings');
    await h.agent.close(); // the agent service is gone for good
    while ((await connectionsLost()) < 1) await sleep(5);
    // The first retry is due at once, the second a second later: each fails, and nothing is tried early.
    await clock.advance(0);
    while ((await connectionsLost()) < 2) await sleep(5);
    await clock.advance(999);
    await sleep(50);
    assert.equal(h.events.some((e) => e.type === 'event' && /unreachable/.test(e.detail)), false, 'the second retry waits its full delay');
    await clock.advance(1);
    const ended = await h.waitForEvent('call_ended', undefined, 5000);
    assert.equal(ended.summary.outcome, 'agent_error');
    assert.ok(Buffer.concat(played).equals(apology), 'the whole apology was played before the hang-up');
    await h.waitForEvent('event', (e) => e.kind === 'error' && /unreachable after 3 attempts/.test(e.detail));
    await call.closed();
  } finally {
    await h.server.close();
  }
});

test('the agent connection is replaced at a quiet moment before its age limit, without the caller noticing', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, timing: { agentSessionMaxMs: 300 } });
  try {
    const call = await h.call({ realtimePlayout: false });
    const first = await h.agent.connection(0);
    await first.waitFor((m) => m.type === 'Settings');
    // A reply in progress postpones the rotation until it has been played.
    first.send({ type: 'ConversationText', role: 'assistant', content: 'A long answer.' });
    const heard = once(call, 'media');
    first.sendAudio(randomBytes(800, 1));
    await heard;
    await clock.advance(400);
    await sleep(50);
    assert.equal(h.agent.connections.length, 1, 'no rotation while the agent is speaking');
    first.send({ type: 'AgentAudioDone' });
    const second = await h.agent.connection(1);
    const settings = await second.waitFor((m) => m.type === 'Settings');
    const resumed = (settings.agent as { context: { messages: unknown[] } }).context.messages;
    assert.deepEqual(resumed, [{ type: 'History', role: 'assistant', content: 'A long answer.' }]);
    await first.closed;
    await h.waitForEvent('event', (e) => e.kind === 'agent_reconnect' && /age limit/.test(e.detail));
    assert.ok(call.open);
    call.hangUp();
  } finally {
    await h.close();
  }
});
