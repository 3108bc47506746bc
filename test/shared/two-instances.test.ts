// Two instances sharing one Redis behave as one service (issue 14): a softphone ticket issued on one
// opens a stream on the other, once; one dashboard shows the other instance's calls, live and replayed;
// a hang-up sent to one ends a call the other holds; GET /api/instances lists both.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import { randomBytes } from '../helpers/bridge-harness.js';
import { REDIS_URL, admin, callWith, liveFeed, startInstance, testPrefix, ticket, until, type Instance } from './instances.js';

describe('two instances on one Redis', () => {
  const keys = testPrefix('two-instances');
  const dir = mkdtempSync(join(tmpdir(), 'pa-shared-'));
  let agent: ScriptedAgent;
  let a: Instance;
  let b: Instance;

  before(async () => {
    agent = await ScriptedAgent.start();
    const env = { REDIS_URL, REDIS_KEY_PREFIX: keys.prefix, AGENT_URL: agent.url };
    a = await startInstance({ ...env, INSTANCE_ID: 'a', DATABASE_URL: join(dir, 'a.db') });
    b = await startInstance({ ...env, INSTANCE_ID: 'b', DATABASE_URL: join(dir, 'b.db') });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await agent?.close();
    await keys.clean();
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
});
