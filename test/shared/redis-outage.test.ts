// Redis goes away mid-call and comes back (issue 14): the call's audio never notices, in both
// directions, byte for byte; the gauge phone_agent_shared_state_up reads 0 and one line says why; what
// needs Redis (tickets) is refused meanwhile; when Redis is back (restarted empty) the instance and its
// call are registered again, tickets work, and another instance's dashboard learns of the call that
// ended during the outage, without anyone restarting anything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ScriptedAgent, type AgentConnection } from '../helpers/scripted-agent.js';
import { randomBytes } from '../helpers/bridge-harness.js';
import type { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { admin, callWith, liveFeed, startInstance, ticket, until, type Instance } from './instances.js';
import { RedisServer } from '../../bench/lib/redis-server.js';

const PREFIX = 'phone-agent-test:outage:';
const UNREACHABLE =
  'shared state: Redis is unreachable; calls go on, but the shared live feed, tickets, call control across instances and the registry wait for it';

let agent: ScriptedAgent;
let redis: RedisServer;
let instance: Instance;
let watcher: Instance;
const dir = mkdtempSync(join(tmpdir(), 'pa-outage-'));

before(async () => {
  agent = await ScriptedAgent.start();
  redis = await RedisServer.start();
  instance = await startInstance({
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    REGISTRY_TTL_MS: '1500',
    INSTANCE_ID: 'steady',
    AGENT_URL: agent.url,
    DATABASE_URL: join(dir, 'calls.db'),
  });
  watcher = await startInstance({
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    INSTANCE_ID: 'watcher',
    AGENT_URL: agent.url,
    DATABASE_URL: join(dir, 'watcher.db'),
  });
});

after(async () => {
  await instance?.close();
  await watcher?.close();
  await agent?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function gauge(): Promise<string | undefined> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  return /^phone_agent_shared_state_up (\d)$/m.exec(text)?.[1];
}

/** Audio both ways, checked byte for byte. */
async function exchange(call: SimulatedCall, conn: AgentConnection, seed: number): Promise<void> {
  const before = conn.audioBytes;
  const spoken = randomBytes(1600, seed);
  for (let f = 0; f < spoken.length; f += 160) call.sendFrame(spoken.subarray(f, f + 160));
  await conn.waitForAudioBytes(before + spoken.length);
  assert.ok(Buffer.concat(conn.audio).subarray(before).equals(spoken), 'caller audio reaches the agent byte-exact');
  const heard: Buffer[] = [];
  const listener = (b: Buffer) => heard.push(b);
  call.on('media', listener);
  const reply = randomBytes(800, seed + 1);
  conn.sendAudio(reply);
  await until(() => (Buffer.concat(heard).length >= reply.length ? true : undefined), 'the agent audio');
  call.off('media', listener);
  assert.ok(Buffer.concat(heard).equals(reply), 'agent audio reaches the caller byte-exact');
}

test('Redis down mid-call: the call goes on byte-exact, the gauge reads 0 with one log line; back: re-registered, tickets work', async () => {
  assert.equal(await until(gauge, 'the gauge'), '1');
  const issued = await ticket(instance.url);
  const call = await callWith(issued);
  const conn = await agent.connection(0);
  await conn.waitFor((m) => m.type === 'Settings');
  await exchange(call, conn, 1);
  const unspent = await ticket(instance.url);
  // A second call, which ends while Redis is away, watched from the other instance's dashboard.
  const shortTicket = await ticket(instance.url);
  const shortCall = await callWith(shortTicket);
  await (await agent.connection(1)).waitFor((m) => m.type === 'Settings');
  const feed = await liveFeed(watcher.url);
  const endOfShort = () => feed.events.find((e) => e.type === 'call_ended' && e.callSid === shortTicket.callSid);
  const startOfShort = (e: Record<string, unknown>) => e.type === 'call_started' && (e.call as { callSid: string }).callSid === shortTicket.callSid;
  await until(() => feed.events.find(startOfShort), 'the short call on the watcher');

  await redis.stop();
  await until(async () => ((await gauge()) === '0' ? true : undefined), 'the gauge at 0');
  await exchange(call, conn, 3);
  assert.equal((await admin(instance.url, '/api/softphone/ticket', { method: 'POST' })).status, 503, 'no tickets without Redis');
  await assert.rejects(callWith(unspent), /403/, 'a ticket cannot be checked without Redis');
  shortCall.hangUp();
  await shortCall.closed();
  // Reconnection attempts go on meanwhile; they are not logged again.
  await exchange(call, conn, 5);
  assert.equal(endOfShort(), undefined, 'the watcher cannot know yet');
  assert.equal(instance.logs.filter((l) => l.msg === UNREACHABLE).length, 1);

  await redis.restart();
  await until(async () => ((await gauge()) === '1' ? true : undefined), 'the gauge back at 1');
  const check = new Redis(redis.url);
  try {
    // Redis came back empty: the instance put itself and its call back.
    assert.equal(await until(async () => (await check.hget(`${PREFIX}call-owner`, issued.callSid)) ?? undefined, 'the call registered again'), 'steady');
    assert.equal(await check.sismember(`${PREFIX}instances`, 'steady'), 1);
  } finally {
    check.disconnect();
  }
  assert.equal((await admin(instance.url, '/api/softphone/ticket', { method: 'POST' })).status, 200, 'tickets again');
  await exchange(call, conn, 7);
  assert.ok(instance.logs.some((l) => l.msg === 'shared state: Redis is reachable; shared features are back'));
  await until(endOfShort, 'the end of the short call on the watcher, told after the outage');
  feed.close();
  call.hangUp();
  await call.closed();
});
