// Traces: a scripted call's spans reach a local OTLP/HTTP receiver with the right parents and
// attributes, its log lines carry the trace id, and a server without an OTLP endpoint loads none of
// the OpenTelemetry SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { createLogger } from '../../src/observability/log.js';
import { startTracing } from '../../src/observability/tracing.js';
import { CallEventBus } from '../../src/domain/call.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { openStore, CallRecorder } from '../../src/store/index.js';
import { startBridge, randomBytes } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

function decodeValue(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeValue);
  throw new Error(`unexpected OTLP attribute value ${JSON.stringify(v)}`);
}

const attributesOf = (list: OtlpAttribute[] = []) => Object.fromEntries(list.map((a) => [a.key, decodeValue(a.value)]));
const nanosToMs = (n: string | number) => Number(BigInt(n) / 1_000_000n);

/** A collector's OTLP/HTTP JSON trace endpoint, keeping every span it is sent. */
async function otlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const resources: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/json') {
        res.writeHead(415).end();
        throw new Error(`unexpected ${req.method} ${req.url} (${req.headers['content-type']})`);
      }
      const body = JSON.parse(Buffer.concat(chunks).toString());
      for (const rs of body.resourceSpans) {
        resources.push(attributesOf(rs.resource?.attributes));
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              startMs: nanosToMs(s.startTimeUnixNano),
              endMs: nanosToMs(s.endTimeUnixNano),
              attributes: attributesOf(s.attributes),
              links: (s.links ?? []).map((l: { traceId: string; spanId: string }) => ({ traceId: l.traceId, spanId: l.spanId })),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, resources, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** One exchange: the caller's words, then the agent's reply, heard to its end. */
async function exchange(agent: AgentConnection, caller: string, reply: string, latency: { total: number; tts: number; ttt: number }, seed: number) {
  agent.send({ type: 'ConversationText', role: 'user', content: caller });
  agent.send({ type: 'AgentStartedSpeaking', total_latency: latency.total, tts_latency: latency.tts, ttt_latency: latency.ttt });
  agent.send({ type: 'ConversationText', role: 'assistant', content: reply });
  agent.sendAudio(randomBytes(320, seed));
  agent.send({ type: 'AgentAudioDone' });
}

test('a call, its turns, its function call and its store writes reach the collector as spans of one trace', async () => {
  const receiver = await otlpReceiver();
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  const tracing = await startTracing({ url: receiver.url, logger });
  const dir = mkdtempSync(join(tmpdir(), 'traces-'));
  const store = await openStore(join(dir, 'calls.db'));
  const events = new CallEventBus();
  events.subscribe((e) => tracing.record(e));
  const recorder = new CallRecorder(store, events, { tracing, flushIntervalMs: 20 });
  const functions = new FunctionRegistry([{ name: 'ping', schema: z.object({}), run: async () => 'pong' }]);
  const h = await startBridge({ logger, functions, events, callLogFields: (call) => tracing.logFields(call) });
  let callSid = '';
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    callSid = call.callSid;
    await exchange(agent, 'I would like an appointment', 'Let me look.', { total: 0.35, tts: 0.02, ttt: 0.33 }, 1);
    await h.waitForEvent('turn', (e) => e.turn.role === 'assistant');
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'fc1', name: 'ping', arguments: '{}', client_side: true }] });
    await agent.waitFor((m) => m.type === 'FunctionCallResponse');
    await exchange(agent, 'Thank you', 'Goodbye.', { total: 0.5, tts: 0.1, ttt: 0.4 }, 2);
    await h.waitForEvent('turn', (e) => e.turn.text === 'Goodbye.');
    call.stop();
    await h.waitForEvent('call_ended');
  } finally {
    await h.close();
    await recorder.close();
    await tracing.shutdown();
    await store.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const spans = receiver.spans;
  const root = spans.find((s) => s.name === 'call');
  assert.ok(root, `a call span among ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(root.parentSpanId, '', 'the call span is a root');
  assert.equal(root.attributes['call.sid'], callSid);
  assert.equal(root.attributes['call.carrier'], 'twilio');
  assert.equal(root.attributes['call.outcome'], 'completed');
  assert.equal(root.attributes['call.turns'], 4);
  assert.equal(root.attributes['call.function_calls'], 1);
  assert.deepEqual(receiver.resources[0]!['service.name'], 'phone-agent');

  const ofCall = spans.filter((s) => s.traceId === root.traceId && s !== root);
  for (const span of ofCall) {
    assert.equal(span.parentSpanId, root.spanId, `${span.name} is the call's child`);
    assert.equal(span.attributes['call.sid'], callSid, `${span.name} names the call`);
    assert.ok(span.startMs >= root.startMs && span.endMs <= root.endMs, `${span.name} lies within the call`);
  }
  const turns = ofCall.filter((s) => s.name === 'turn').sort((a, b) => a.startMs - b.startMs);
  assert.deepEqual(
    turns.map((t) => t.attributes['turn.role']),
    ['user', 'assistant', 'user', 'assistant'],
  );
  const [, first, , second] = turns;
  assert.equal(first!.attributes['agent.latency.total_ms'], 350);
  assert.equal(first!.attributes['agent.latency.think_ms'], 330);
  assert.equal(first!.attributes['agent.latency.speak_ms'], 20);
  assert.equal(typeof first!.attributes['turn.response_ms'], 'number');
  assert.equal(second!.attributes['agent.latency.total_ms'], 500);
  assert.equal(second!.attributes['agent.latency.think_ms'], 400);
  assert.equal(turns[0]!.attributes['agent.latency.total_ms'], undefined, "a caller's turn has no reply latency");

  const tool = ofCall.find((s) => s.name === 'execute_tool ping');
  assert.ok(tool, 'a span for the function call');
  assert.equal(tool.attributes['gen_ai.tool.name'], 'ping');
  assert.equal(tool.attributes['gen_ai.tool.call.id'], 'fc1');
  assert.equal(ofCall.length, 5, 'four turns and one function call');

  const writes = spans.filter((s) => s.name === 'store.write');
  assert.ok(writes.length >= 1, 'at least one store write batch');
  assert.equal(
    writes.reduce((n, w) => n + (w.attributes['store.events'] as number), 0),
    h.events.length,
    'the batches wrote every event of the call',
  );
  for (const write of writes) {
    assert.equal(write.parentSpanId, '', 'a batch is its own trace');
    assert.deepEqual(write.attributes['call.sids'], [callSid]);
    assert.deepEqual(write.links, [{ traceId: root.traceId, spanId: root.spanId }], 'a batch links to the call it wrote');
    assert.equal(write.attributes['store.attempts'], 1);
  }

  const callLines = lines.filter((l) => l.callSid === callSid);
  assert.ok(callLines.some((l) => l.msg === 'call started'));
  for (const line of callLines) assert.equal(line.traceId, root.traceId, `"${line.msg}" carries the trace id`);
});

test('without an OTLP endpoint the server loads none of the OpenTelemetry SDK; with one it does', () => {
  const app = fileURLToPath(new URL('../../src/app.js', import.meta.url));
  const config = fileURLToPath(new URL('../../src/config/env.js', import.meta.url));
  // The SDK's packages are CommonJS, so whatever of them was loaded is in the require cache. The API
  // package alone does not count: prom-client loads it for its exemplars, traces or not.
  const script = `
    import { createRequire } from 'node:module';
    const { startApp } = await import(${JSON.stringify(app)});
    const { parseEnv } = await import(${JSON.stringify(config)});
    const app = await startApp(parseEnv(process.env));
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('@opentelemetry/') && !p.includes('@opentelemetry/api/'));
    await app.shutdown(0);
    console.log(JSON.stringify(loaded.length));
  `;
  const dir = mkdtempSync(join(tmpdir(), 'traces-free-'));
  try {
    const run = (extra: Record<string, string>) => {
      const env: Record<string, string | undefined> = {
        ...process.env,
        ...{ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: join(dir, 'calls.db') },
        ...extra,
      };
      for (const key of Object.keys(env)) if (key.startsWith('OTEL_') && !(key in extra)) delete env[key];
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 0, result.stderr);
      return Number(result.stdout.trim().split('\n').at(-1));
    };
    assert.equal(run({}), 0, 'no SDK module without an endpoint');
    assert.ok(run({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }) > 0, 'the SDK is loaded with one');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
