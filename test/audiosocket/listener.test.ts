// The AudioSocket listener itself: how it is configured, found, refused, drained and stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { parseEnv, ConfigError } from '../../src/config/env.js';
import { loadAgentSettings } from '../../src/agent/settings-file.js';
import { buildServer } from '../../src/server.js';
import { AudioSocketCarrier } from '../../src/audiosocket/carrier.js';
import { AudioSocketCaller } from '../../src/simulate/audiosocket-caller.js';
import { logSink, startAudioSocketBridge } from './harness.js';

test('AUDIOSOCKET_PORT is off when unset, a port when set (0 picks one), and a bad value names the variable', () => {
  assert.equal(parseEnv({}).AUDIOSOCKET_PORT, undefined);
  assert.equal(parseEnv({ AUDIOSOCKET_PORT: '' }).AUDIOSOCKET_PORT, undefined, 'empty is unset, not port 0');
  assert.equal(parseEnv({ AUDIOSOCKET_PORT: '0' }).AUDIOSOCKET_PORT, 0);
  assert.equal(parseEnv({ AUDIOSOCKET_PORT: '9092' }).AUDIOSOCKET_PORT, 9092);
  assert.equal(parseEnv({}).AUDIOSOCKET_HOST, '127.0.0.1');
  assert.throws(() => parseEnv({ AUDIOSOCKET_PORT: 'audio' }), /AUDIOSOCKET_PORT: must be a TCP port number/);
  assert.throws(() => parseEnv({ AUDIOSOCKET_PORT: '70000' }), /AUDIOSOCKET_PORT: /);
});

async function build(carrier: AudioSocketCarrier, level = 'info') {
  const { logs, logger } = logSink(level);
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', AGENT_URL: 'ws://127.0.0.1:9/v1/agent/converse' });
  const server = await buildServer({ env, settings: loadAgentSettings('config/agent.json'), logger, carriers: [carrier.register] });
  return { server, logs };
}

test('port 0 binds a free port, which the carrier and the log line both give', async () => {
  const carrier = new AudioSocketCarrier({ host: '127.0.0.1', port: 0 });
  const { server, logs } = await build(carrier);
  try {
    assert.ok(carrier.port! > 0);
    const line = logs.find((l) => l.msg === 'audiosocket listening');
    assert.deepEqual({ host: line?.host, port: line?.port }, { host: '127.0.0.1', port: carrier.port });
    assert.ok(!logs.some((l) => l.level === 40), 'no warning on loopback');
  } finally {
    await server.close();
  }
});

test('a port in use is one clear configuration error naming AUDIOSOCKET_PORT', async () => {
  const squatter = createServer();
  squatter.listen(0, '127.0.0.1');
  await once(squatter, 'listening');
  const port = (squatter.address() as AddressInfo).port;
  try {
    await assert.rejects(
      build(new AudioSocketCarrier({ host: '127.0.0.1', port })),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message === `AUDIOSOCKET_PORT: cannot listen on 127.0.0.1:${port}: the address is in use (another server is running there?)`,
    );
  } finally {
    squatter.close();
  }
});

test('binding beyond loopback warns that AudioSocket has no authentication', async () => {
  const carrier = new AudioSocketCarrier({ host: '0.0.0.0', port: 0 });
  const { server, logs } = await build(carrier, 'warn');
  try {
    assert.ok(logs.some((l) => l.level === 40 && /AudioSocket has no authentication/.test(String(l.msg))));
  } finally {
    await server.close();
  }
});

test('a draining server refuses new AudioSocket calls with a hangup; shutdown hangs up live ones and stops listening', async () => {
  const h = await startAudioSocketBridge();
  const { caller } = await h.connectedCaller();
  const drained = h.server.drain(5_000);
  const late = await h.caller();
  await late.closed();
  assert.equal(late.hangupReceived, true);
  assert.ok(h.logs.some((l) => l.reason === 'server is draining'));
  assert.ok(caller.open, 'the call in progress goes on while the server drains');
  caller.hangUp();
  await drained;
  await h.agent.close();
  const refused = connect({ host: '127.0.0.1', port: h.port });
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNREFUSED', 'the listener is closed with the server');
});

test('shutdown sends the hangup to calls still in progress', async () => {
  const h = await startAudioSocketBridge();
  const { caller } = await h.connectedCaller();
  await h.close();
  await caller.closed();
  assert.equal(caller.hangupReceived, true);
  const ended = h.events.find((e) => e.type === 'call_ended');
  assert.ok(ended?.type === 'call_ended' && ended.summary.outcome === 'shutdown');
  await assert.rejects(AudioSocketCaller.connect({ port: h.port }), /ECONNREFUSED/);
});
