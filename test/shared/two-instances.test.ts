// Two instances sharing one Redis behave as one service (issue 14): a softphone ticket issued on one
// opens a stream on the other, once; one dashboard shows the other instance's calls, live and replayed;
// a hang-up sent to one ends a call the other holds; GET /api/instances lists both; requests without a
// valid carrier signature are counted together by both, and signed ones never.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import twilio from 'twilio';
import { randomBytes } from '../helpers/bridge-harness.js';
import { AUTH_TOKEN, admin, callWith, liveFeed, startInstance, testPrefix, testRedis, ticket, until, type Instance } from './instances.js';

const PUBLIC = 'https://agent.example.com';

function webhook(url: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('two instances on one Redis', () => {
  const keys = testPrefix('two-instances');
  const dir = mkdtempSync(join(tmpdir(), 'pa-shared-'));
  let agent: ScriptedAgent;
  let a: Instance;
  let b: Instance;
  let redis: Awaited<ReturnType<typeof testRedis>>;

  before(async () => {
    agent = await ScriptedAgent.start();
    redis = await testRedis();
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: keys.prefix,
      AGENT_URL: agent.url,
      PUBLIC_URL: PUBLIC,
      SIGNALWIRE_SIGNING_KEY: 'shared-state-signalwire-key',
      RATE_LIMIT_BURST: '3',
      RATE_LIMIT_PER_SECOND: '0.01',
    };
    a = await startInstance({ ...env, INSTANCE_ID: 'a', DATABASE_URL: join(dir, 'a.db') });
    b = await startInstance({ ...env, INSTANCE_ID: 'b', DATABASE_URL: join(dir, 'b.db') });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await agent?.close();
    await keys.clean(redis.url);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists both instances on either', async () => {
    for (const instance of [a, b]) {
      const res = await admin(instance.url, '/api/instances');
      assert.equal(res.status, 200);
      const { instances } = (await res.json()) as { instances: Array<Record<string, unknown>> };
      assert.deepEqual(instances.map((i) => i.id).sort(), ['a', 'b']);
      const other = instances.find((i) => i.id === (instance === a ? 'b' : 'a'))!;
      assert.equal(other.address, (instance === a ? b : a).url);
      assert.equal(other.draining, false);
      assert.equal(typeof other.startedAt, 'number');
      assert.equal(other.liveCalls, 0);
    }
  });

  it('redeems a ticket issued on A on B, once', async () => {
    const issued = await ticket(a.url);
    const call = await callWith(issued, b.url);
    const conn = await agent.connection(agent.connections.length);
    await conn.waitFor((m) => m.type === 'Settings');
    const spoken = randomBytes(1600);
    for (let f = 0; f < spoken.length; f += 160) call.sendFrame(spoken.subarray(f, f + 160));
    await conn.waitForAudioBytes(spoken.length);
    assert.ok(Buffer.concat(conn.audio).equals(spoken), 'caller audio reaches the agent through B byte-exact');
    call.hangUp();
    await call.closed();
    await assert.rejects(callWith(issued, a.url), /403/, 'spent on B, refused on A');
    await assert.rejects(callWith(issued, b.url), /403/, 'and on B');
  });

  it("shows B's calls on A's dashboard: replayed when it opens mid-call, then live to the end", async () => {
    const issued = await ticket(b.url);
    const call = await callWith(issued, b.url);
    const conn = await agent.connection(agent.connections.length);
    await conn.waitFor((m) => m.type === 'Settings');
    conn.send({ type: 'ConversationText', role: 'assistant', content: 'Hello from instance b.' });
    await until(() => (b.app.server.sessions.size > 0 ? true : undefined), 'the call on B');
    // Opened after the call started on B: the call's beginning comes from the replay.
    const feed = await liveFeed(a.url);
    try {
      const started = (e: Record<string, unknown>) => e.type === 'call_started' && (e.call as { callSid: string }).callSid === issued.callSid;
      const replayed = await until(() => feed.events.find(started), 'replayed call_started');
      assert.equal((replayed.call as { carrier: string }).carrier, 'twilio');
      conn.send({ type: 'ConversationText', role: 'user', content: 'I would like an appointment.' });
      const turn = (e: Record<string, unknown>) =>
        e.type === 'turn' && e.callSid === issued.callSid && (e.turn as { text: string }).text === 'I would like an appointment.';
      await until(() => feed.events.find(turn), 'a live turn of B on A');
      call.hangUp();
      await until(() => feed.events.find((e) => e.type === 'call_ended' && e.callSid === issued.callSid), 'call_ended of B on A');
    } finally {
      feed.close();
    }
  });

  it('hangs up a call held by B when asked on A; 404 for a call live nowhere', async () => {
    const issued = await ticket(a.url);
    const call = await callWith(issued, b.url);
    const conn = await agent.connection(agent.connections.length);
    await conn.waitFor((m) => m.type === 'Settings');
    await until(() => (b.app.server.sessions.size > 0 ? true : undefined), 'the call on B');
    const res = await admin(a.url, `/api/calls/${issued.callSid}/hangup`, { method: 'POST' });
    assert.equal(res.status, 202, await res.clone().text());
    assert.deepEqual(await res.json(), { callSid: issued.callSid, instance: 'b' });
    await call.closed();
    await until(() => (b.app.server.sessions.size === 0 ? true : undefined), 'B to end the call');

    const nowhere = await admin(a.url, `/api/calls/${issued.callSid}/hangup`, { method: 'POST' });
    assert.equal(nowhere.status, 404);
    const transfer = await admin(a.url, '/api/calls/CAnothing/transfer', { method: 'POST', body: JSON.stringify({ to: 'not a number' }) });
    assert.equal(transfer.status, 400, 'a bad body is refused before anything is routed');
  });

  it('never rate-limits signed webhooks; counts unsigned ones on both instances together', async () => {
    for (let i = 0; i < 12; i++) {
      const fields = { CallSid: `CA${String(i).padStart(32, '0')}`, From: '+15551230000', To: '+15559870000' };
      const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}/incoming-call`, fields);
      const res = await webhook(i % 2 ? a.url : b.url, '/incoming-call', fields, { 'x-twilio-signature': signature });
      assert.equal(res.status, 200, `signed webhook ${i}`);
    }
    const fields = { CallSid: 'CAunsigned', From: '+15551230000', To: '+15559870000' };
    const codes: number[] = [];
    for (const instance of [a, b, a, b]) codes.push((await webhook(instance.url, '/signalwire/incoming-call', fields)).status);
    assert.deepEqual(codes, [403, 403, 403, 429], 'the fourth unsigned request, on either instance, is over the limit of 3');
  });
});
