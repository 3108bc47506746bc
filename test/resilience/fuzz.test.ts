// Generated malformed Twilio and agent messages against a running server: nothing crashes, nothing
// leaks, and a bystander call keeps its audio byte-exact throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startBridge, randomBytes, sleep } from '../helpers/bridge-harness.js';

const anyScalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Twilio-shaped messages with wrong, missing or hostile fields, plus raw garbage. */
const twilioMessage = (streamSid: string) =>
  fc.oneof(
    fc
      .record(
        {
          event: fc.constantFrom('media', 'mark', 'dtmf', 'stop', 'start', 'connected', 'clear', 'x'),
          streamSid: fc.oneof(fc.constant(streamSid), fc.string()),
          media: fc.oneof(anyJson, fc.record({ payload: fc.oneof(fc.base64String(), anyScalar), track: anyScalar, chunk: anyScalar, timestamp: anyScalar })),
          mark: fc.oneof(anyJson, fc.record({ name: anyScalar })),
          dtmf: fc.oneof(anyJson, fc.record({ digit: anyScalar })),
        },
        { requiredKeys: ['event'] },
      )
      .map((m) => JSON.stringify(m)),
    anyJson.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  );

/** V1-shaped agent messages with wrong fields, unknown types and garbage, plus binary audio. */
const agentMessage = fc.oneof(
  fc
    .record(
      {
        type: fc.constantFrom(
          'ConversationText',
          'UserStartedSpeaking',
          'AgentAudioDone',
          'FunctionCallRequest',
          'AgentStartedSpeaking',
          'Warning',
          'History',
          'Nope',
        ),
        role: anyScalar,
        content: anyScalar,
        functions: fc.oneof(anyJson, fc.array(fc.record({ id: anyScalar, name: anyScalar, arguments: anyScalar, client_side: anyScalar }), { maxLength: 3 })),
        total_latency: anyScalar,
      },
      { requiredKeys: ['type'] },
    )
    .map((m) => JSON.stringify(m)),
  anyJson.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ minLength: 1, maxLength: 800 }).map((a) => Buffer.from(a)),
);

test('fuzzed Twilio and agent messages: no crash, no leak, other calls unaffected', async () => {
  const h = await startBridge();
  try {
    const bystander = await h.call({ realtimePlayout: false });
    const bystanderAgent = await h.agent.connection(0);
    await bystanderAgent.waitFor((m) => m.type === 'Settings');
    const handlesBefore = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    let expectedBystanderBytes = 0;
    let run = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(twilioMessage('MZfuzz'), { maxLength: 25 }), fc.array(agentMessage, { maxLength: 25 }), async (fromTwilio, fromAgent) => {
        run++;
        const call = await h.call({ streamSid: `MZfuzz`, realtimePlayout: false });
        const agent = await h.agent.connection(run);
        for (let i = 0; i < Math.max(fromTwilio.length, fromAgent.length); i++) {
          const t = fromTwilio[i];
          const a = fromAgent[i];
          if (t !== undefined && call.open) call.sendRaw(t);
          if (a !== undefined && agent.ws.readyState === 1) agent.ws.send(a);
        }
        // The bystander's audio still flows, byte-exact, while the fuzzed call misbehaves.
        const frame = randomBytes(160, run);
        bystander.sendFrame(frame);
        expectedBystanderBytes += 160;
        await bystanderAgent.waitForAudioBytes(expectedBystanderBytes);
        assert.ok(Buffer.concat(bystanderAgent.audio).subarray(-160).equals(frame));
        call.hangUp();
        agent.ws.close();
      }),
      { numRuns: 40, seed: 20261125 },
    );

    assert.equal((await h.server.app.inject('/healthz')).statusCode, 200, 'the process is alive and serving');
    await sleep(300);
    assert.equal(h.server.sessions.size, 1, 'only the bystander call remains');
    const active = await h.server.metrics.registry.getSingleMetric('phone_agent_active_calls')!.get();
    assert.equal(active.values[0]!.value, 1);
    const handlesAfter = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    assert.ok(handlesAfter <= handlesBefore + 2, `open handles ${handlesBefore} -> ${handlesAfter}`);
    assert.ok(bystander.open);
    bystander.hangUp();
  } finally {
    await h.close();
  }
});
