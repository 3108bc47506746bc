// An instance that dies (SIGKILL: no drain, no goodbye) with a call in progress: once its registry entry
// expires, exactly one of the surviving instances marks the call instance_lost in the shared store
// (PostgreSQL), the dashboards see the call end, and the dead instance leaves GET /api/instances.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { dialects, type TestDatabase } from '../store/databases.js';
import { ADMIN, AUTH_TOKEN, admin, callWith, liveFeed, startInstance, testPrefix, testRedis, ticket, until, type Instance } from './instances.js';

const postgres = dialects.find((d) => d.name === 'postgres')!;
const TTL_MS = 900;

let agent: ScriptedAgent;
let redis: Awaited<ReturnType<typeof testRedis>>;
let db: TestDatabase;
const keys = testPrefix('instance-lost');
const survivors: Instance[] = [];
let doomed: ServeProcess | undefined;

before(async () => {
  if (postgres.skip) return;
  agent = await ScriptedAgent.start();
  redis = await testRedis();
  db = await postgres.create();
});

after(async () => {
  doomed?.child.kill('SIGKILL');
  for (const s of survivors) await s.close();
  await agent?.close();
  if (redis) {
    await keys.clean(redis.url);
    await redis.stop();
  }
  await db?.drop();
});

test('SIGKILL of an instance: one survivor marks its call instance_lost in the store; the feed sees the end', { skip: postgres.skip }, async () => {
  const env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: keys.prefix,
    REGISTRY_TTL_MS: String(TTL_MS),
    AGENT_URL: agent.url,
    DATABASE_URL: db.url,
  };
  survivors.push(await startInstance({ ...env, INSTANCE_ID: 'survivor-1' }));
  survivors.push(await startInstance({ ...env, INSTANCE_ID: 'survivor-2' }));
  const [a] = survivors as [Instance, Instance];
  doomed = await startServeProcess({ ...env, INSTANCE_ID: 'doomed', ADMIN_TOKEN: ADMIN, TWILIO_AUTH_TOKEN: AUTH_TOKEN });

  const issued = await ticket(a.url);
  const call = await callWith(issued, doomed.url);
  await (await agent.connection(0)).waitFor((m) => m.type === 'Settings');
  // The call is recorded (its start, by the doomed instance) and registered before the instance dies.
  await until(async () => ((await admin(a.url, `/api/calls/${issued.callSid}`)).status === 200 ? true : undefined), 'the call record');
  await until(async () => {
    const { instances } = (await (await admin(a.url, '/api/instances')).json()) as { instances: Array<{ id: string; liveCalls: number }> };
    return instances.find((i) => i.id === 'doomed' && i.liveCalls === 1);
  }, 'the doomed instance listed with its call');

  const feed = await liveFeed(a.url);
  try {
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await call.closed();

    const record = await until(async () => {
      const row = (await (await admin(a.url, `/api/calls/${issued.callSid}`)).json()) as { outcome: string | null; reason: string | null };
      return row.outcome === 'instance_lost' ? row : undefined;
    }, 'the call marked instance_lost', 8 * TTL_MS + 5_000);
    assert.match(String(record.reason), /doomed/);

    const ended = await until(() => feed.events.find((e) => e.type === 'call_ended' && e.callSid === issued.callSid), 'call_ended on the feed');
    assert.equal((ended.summary as { outcome: string }).outcome, 'instance_lost');

    const { instances } = (await (await admin(a.url, '/api/instances')).json()) as { instances: Array<{ id: string }> };
    assert.deepEqual(instances.map((i) => i.id).sort(), ['survivor-1', 'survivor-2']);
    const sweeps = survivors.flatMap((s) => s.logs.filter((l) => l.msg === 'an instance stopped heartbeating: its calls are marked instance_lost'));
    assert.equal(sweeps.length, 1, 'exactly one survivor ended the dead instance\'s calls');
    assert.equal(sweeps[0]!.instance, 'doomed');
  } finally {
    feed.close();
  }
});
