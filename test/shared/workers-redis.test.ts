// WORKERS=2 with REDIS_URL: each worker is one more instance of the service (its id ends in #n), so
// tickets, the instance list and call control go through Redis: a hang-up sent to whichever worker
// takes the request ends a call held by either.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { ADMIN, AUTH_TOKEN, callWith, testPrefix, testRedis, type Ticket } from './instances.js';

/** One request on a connection of its own, so the cluster hands each one to the next worker. */
function fresh(url: string, method: 'GET' | 'POST'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pa-workers-redis-'));
const keys = testPrefix('workers');
let redis: Awaited<ReturnType<typeof testRedis>>;
let agent: ScriptedAgent;
let server: ServeProcess | undefined;

before(async () => {
  redis = await testRedis();
  agent = await ScriptedAgent.start();
});

after(async () => {
  server?.child.kill('SIGKILL');
  await agent?.close();
  await keys.clean(redis.url);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('WORKERS=2 with REDIS_URL: two instances #1 and #2; a hang-up on either worker ends a call on either', async () => {
  const t0 = Date.now();
  server = await startServeProcess({
    WORKERS: '2',
    INSTANCE_ID: 'host',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: keys.prefix,
    AGENT_URL: agent.url,
    DATABASE_URL: join(dir, 'calls.db'),
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    ADMIN_TOKEN: ADMIN,
  });
  console.log("started", Date.now() - t0);
  const { instances } = JSON.parse((await fresh(`${server.url}/api/instances`, 'GET')).body) as { instances: Array<{ id: string }> };
  assert.deepEqual(instances.map((i) => i.id).sort(), ['host#1', 'host#2']);

  const calls = [];
  for (let i = 0; i < 4; i++) {
    // A ticket request and a stream take one connection each: one more connection halfway puts the streams on the other worker.
    if (i === 2) await fresh(`${server.url}/healthz`, 'GET');
    const t = JSON.parse((await fresh(`${server.url}/api/softphone/ticket`, 'POST')).body) as Ticket;
    const call = await callWith(t);
    await (await agent.connection(i)).waitFor((m) => m.type === 'Settings');
    calls.push({ call, callSid: t.callSid });
  }
  const holders = new Set<string>();
  for (const { call, callSid } of calls) {
    const res = await fresh(`${server.url}/api/calls/${callSid}/hangup`, 'POST');
    assert.equal(res.status, 202, res.body);
    holders.add((JSON.parse(res.body) as { instance: string }).instance);
    await call.closed();
  }
  assert.deepEqual([...holders].sort(), ['host#1', 'host#2'], 'calls on both workers, each hung up from whichever worker was asked');
  console.log("calls done", Date.now() - t0);
  server.child.kill("SIGTERM");
  assert.equal(await server.exited, 0);
  server = undefined;
});
