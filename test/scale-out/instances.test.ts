// Three phone-agent instances on three hosts (network namespaces on a bridge this test makes, else
// loopback ports) behind HAProxy with deploy/haproxy.cfg, sharing one PostgreSQL and one Redis on this
// machine over the links: as one service they spread calls, show every call on one dashboard, redeem a
// ticket anywhere once, control any call from any instance, shed load at MAX_CALLS, survive a Redis
// restart, a SIGTERM drain and a SIGKILL. Calls come as Twilio places them (signed webhook, signed
// stream, each free to reach any instance); the agent is a scripted one, since what is tested is the
// sharing, not the speech. The subtests run in order on one rig: the last ones take instances away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import type { Instance } from '../../bench/lib/fleet.js';
import { REGISTRY_TTL_MS, rigMissing, startRig } from './rig.js';
import { LiveFeed, agentLegOf, api, carrierCall, eventually, hangUp, holderOf } from './calls.js';

interface InstanceView {
  id: string;
  address: string;
  liveCalls: number;
  load: number;
  startedAt: string | number;
  draining: boolean;
}

async function instancesSeenBy(instance: Instance): Promise<InstanceView[]> {
  const { status, body } = await api(`${instance.url}/api/instances`);
  assert.equal(status, 200, `GET /api/instances on ${instance.id}`);
  return (body as { instances: InstanceView[] }).instances;
}

async function outcomeOf(base: string, callSid: string): Promise<string | null | undefined> {
  const { status, body } = await api(`${base}/api/calls/${callSid}`);
  return status === 200 ? (body as { outcome: string | null }).outcome : undefined;
}

/** `phone_agent_shared_state_up` as the instance reports it. */
async function sharedStateUp(instance: Instance): Promise<number | undefined> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const value = /^phone_agent_shared_state_up (\d+)/m.exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

const missing = rigMissing();
/** Each instance's capacity: above what the other subtests put on one instance at once. */
const MAX_CALLS = 3;

test('three instances on three hosts behind HAProxy act as one service', { skip: missing ?? false, timeout: 180_000 }, async (t) => {
  const rig = await startRig(t, 3, { MAX_CALLS: String(MAX_CALLS) });
  const { instances, balancer, agent } = rig;
  t.diagnostic(`hosts: ${rig.hosts.kind} (${instances.map((i) => `${i.id} ${i.address}:${i.port}`).join(', ')})`);
  const others = (instance: Instance) => instances.filter((i) => i !== instance && i.alive);
  /** Each subtest starts from an idle service: every live instance without calls and in HAProxy's rotation. */
  const idle = async () => {
    for (const instance of instances.filter((i) => i.alive)) {
      await eventually(`${instance.id} idle and ready`, async () => {
        const ready = await fetch(`${instance.url}/readyz`);
        return ready.status === 200 && ((await ready.json()) as { activeCalls: number }).activeCalls === 0 ? true : undefined;
      });
      await balancer.waitForStatus(instance.id, 'UP');
    }
  };
  t.beforeEach(idle);

  await t.test('calls through the balancer spread over every instance, audio byte-exact both ways', async () => {
    const calls: SimulatedCall[] = [];
    try {
      for (let i = 0; i < 6; i++) calls.push(await carrierCall(balancer.url));
      const holders = await Promise.all(calls.map((c) => holderOf(instances, c.callSid)));
      const perInstance = new Map(instances.map((i) => [i.id, holders.filter((h) => h === i).length]));
      assert.deepEqual([...perInstance.values()], [2, 2, 2], `calls per instance: ${JSON.stringify(Object.fromEntries(perInstance))}`);
      for (const call of calls) {
        const { leg, first } = await agentLegOf(agent, call);
        const spoken = randomBytes(1600);
        for (let f = 0; f < spoken.length; f += 160) call.sendFrame(spoken.subarray(f, f + 160));
        await leg.waitForAudioBytes(first.length + spoken.length);
        assert.ok(Buffer.concat(leg.audio).equals(Buffer.concat([first, spoken])), `${call.callSid}: caller audio reaches the agent byte-exact`);
        const heard: Buffer[] = [];
        call.on('media', (b) => heard.push(b));
        const reply = randomBytes(800);
        leg.sendAudio(reply);
        await eventually('the agent\'s reply at the caller', () => (Buffer.concat(heard).length >= reply.length ? true : undefined));
        assert.ok(Buffer.concat(heard).equals(reply), `${call.callSid}: agent audio reaches the caller byte-exact`);
      }
      // Every instance lists every instance, with the calls each one holds.
      for (const instance of instances) {
        const view = await eventually(`${instance.id}'s /api/instances with 2 live calls each`, async () => {
          const seen = await instancesSeenBy(instance);
          return seen.length === 3 && seen.every((s) => s.liveCalls === 2) ? seen : undefined;
        });
        assert.deepEqual(view.map((s) => s.id).sort(), instances.map((i) => i.id));
        assert.ok(view.every((s) => s.draining === false && typeof s.address === 'string' && typeof s.load === 'number'));
      }
    } finally {
      await Promise.all(calls.map(hangUp));
    }
  });

  await t.test('one dashboard connection sees every instance\'s calls, with replay of a call in progress', async () => {
    const early = await carrierCall(balancer.url);
    const earlyHolder = await holderOf(instances, early.callSid);
    // The dashboard is on an instance that does not hold the call in progress.
    const feed = await LiveFeed.open(others(earlyHolder)[0]!.url);
    const calls: SimulatedCall[] = [];
    try {
      await eventually('the call in progress replayed from another instance', () => (feed.calls('call_started').has(early.callSid) ? true : undefined));
      for (let i = 0; i < 3; i++) calls.push(await carrierCall(balancer.url));
      const holders = new Set(await Promise.all([early, ...calls].map((c) => holderOf(instances, c.callSid))));
      assert.equal(holders.size, 3, 'the calls are on all three instances');
      await Promise.all([early, ...calls].map(hangUp));
      const sids = [early, ...calls].map((c) => c.callSid);
      await eventually('every call started and ended on the one feed', () =>
        sids.every((sid) => feed.calls('call_started').has(sid) && feed.calls('call_ended').has(sid)) ? true : undefined,
      );
    } finally {
      feed.close();
      await Promise.all([early, ...calls].map(hangUp));
    }
  });

  await t.test('a softphone ticket issued on one instance opens a stream on another, once', async () => {
    const [issuer, redeemer, third] = instances;
    const { status, body } = await api(`${issuer!.url}/api/softphone/ticket`, 'POST');
    assert.equal(status, 200);
    const ticket = body as { url: string; callSid: string; customParameters: Record<string, string> };
    const path = new URL(ticket.url).pathname + new URL(ticket.url).search;
    const call = await SimulatedCall.connect({
      url: `${redeemer!.url.replace('http', 'ws')}${path}`,
      callSid: ticket.callSid,
      customParameters: ticket.customParameters,
      realtimePlayout: false,
    });
    try {
      assert.equal((await holderOf(instances, ticket.callSid)).id, redeemer!.id);
      await agentLegOf(agent, call);
      await assert.rejects(
        SimulatedCall.connect({ url: `${third!.url.replace('http', 'ws')}${path}`, callSid: ticket.callSid, customParameters: ticket.customParameters }),
        /403/,
        'a ticket opens one stream, whichever instance is asked the second time',
      );
    } finally {
      await hangUp(call);
    }
  });

  await t.test('a hang-up sent to one instance ends a call held by another; 404 for a call live nowhere', async () => {
    const call = await carrierCall(balancer.url);
    const holder = await holderOf(instances, call.callSid);
    await agentLegOf(agent, call);
    const closed = call.closed();
    const elsewhere = others(holder)[0]!;
    const { status, body } = await api(`${elsewhere.url}/api/calls/${call.callSid}/hangup`, 'POST', {});
    assert.ok(status >= 200 && status < 300, `hangup from ${elsewhere.id} answered ${status}`);
    assert.equal((body as { instance?: string }).instance, holder.id, 'the answer names the instance that holds the call');
    await closed;
    assert.equal(call.open, false);
    for (const action of ['hangup', 'transfer']) {
      assert.equal((await api(`${elsewhere.url}/api/calls/CA${'0'.repeat(32)}/${action}`, 'POST', {})).status, 404, `${action} of an unknown call`);
      assert.equal((await api(`${elsewhere.url}/api/calls/${call.callSid}/${action}`, 'POST', {})).status, 404, `${action} of an ended call`);
    }
  });

  await t.test(`an instance at MAX_CALLS=${MAX_CALLS} leaves the rotation and refuses calls with the reason; it is back when one ends`, async () => {
    const full = instances[0]!;
    const held: SimulatedCall[] = [];
    const viaBalancer: SimulatedCall[] = [];
    try {
      // Straight to the instance, as a carrier would if the balancer were not in between.
      for (let i = 0; i < MAX_CALLS; i++) held.push(await carrierCall(full.url));
      for (const call of held) assert.equal(await holderOf(instances, call.callSid), full);
      const ready = await fetch(`${full.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(JSON.stringify(await ready.json()), /MAX_CALLS/);
      await balancer.waitForStatus(full.id, 'DOWN');
      await assert.rejects(carrierCall(full.url), /503.*capacity/, 'a call past the limit is refused with the reason');
      for (let i = 0; i < 2; i++) viaBalancer.push(await carrierCall(balancer.url));
      for (const call of viaBalancer) assert.notEqual(await holderOf(instances, call.callSid), full, 'the balancer sends new calls elsewhere');
      await hangUp(held.pop()!);
      await balancer.waitForStatus(full.id, 'UP');
    } finally {
      await Promise.all([...held, ...viaBalancer].map(hangUp));
    }
  });

  await t.test('Redis restarted mid-call: the audio stays byte-exact, the shared features come back by themselves', async () => {
    const calls = [await carrierCall(balancer.url), await carrierCall(balancer.url)];
    try {
      const legs = await Promise.all(calls.map((c) => agentLegOf(agent, c)));
      const sent = legs.map(({ first }) => [first]);
      const heard: Buffer[][] = calls.map((c) => {
        const got: Buffer[] = [];
        c.on('media', (b) => got.push(b));
        return got;
      });
      const replies: Buffer[][] = calls.map(() => []);
      const talk = (frames: number) => {
        for (let f = 0; f < frames; f++) {
          calls.forEach((call, i) => {
            const frame = randomBytes(160);
            call.sendFrame(frame);
            sent[i]!.push(frame);
            const reply = randomBytes(160);
            legs[i]!.leg.sendAudio(reply);
            replies[i]!.push(reply);
          });
        }
      };
      talk(10);
      await rig.redis.stop();
      const outageStart = Date.now();
      for (const instance of instances) {
        await eventually(`${instance.id} to report the shared state down`, async () => ((await sharedStateUp(instance)) === 0 ? true : undefined));
      }
      talk(25);
      await rig.redis.restart();
      const restartedAt = Date.now();
      talk(10);
      // The shared features: every instance up again, listing the others, and a ticket crossing instances.
      for (const instance of instances) {
        await eventually(`${instance.id} to report the shared state up`, async () => ((await sharedStateUp(instance)) === 1 ? true : undefined));
      }
      await eventually('every instance back in the registry', async () => ((await instancesSeenBy(instances[0]!)).length === 3 ? true : undefined));
      const { body } = await api(`${instances[0]!.url}/api/softphone/ticket`, 'POST');
      const ticket = body as { url: string; callSid: string; customParameters: Record<string, string> };
      const url = new URL(ticket.url);
      const crossing = await SimulatedCall.connect({
        url: `${instances[1]!.url.replace('http', 'ws')}${url.pathname}${url.search}`,
        callSid: ticket.callSid,
        customParameters: ticket.customParameters,
        realtimePlayout: false,
      });
      await hangUp(crossing);
      t.diagnostic(`redis down ${restartedAt - outageStart} ms; shared features back ${Date.now() - restartedAt} ms after it returned`);
      for (const [i, { leg }] of legs.entries()) {
        const expected = Buffer.concat(sent[i]!);
        await leg.waitForAudioBytes(expected.length);
        assert.ok(Buffer.concat(leg.audio).equals(expected), `call ${i}: every caller byte reached the agent, in order`);
        const reply = Buffer.concat(replies[i]!);
        await eventually(`call ${i}: every reply byte at the caller`, () => (Buffer.concat(heard[i]!).length >= reply.length ? true : undefined));
        assert.ok(Buffer.concat(heard[i]!).equals(reply), `call ${i}: every agent byte reached the caller, in order`);
      }
    } finally {
      if (!rig.redis.running) await rig.redis.restart();
      await Promise.all(calls.map(hangUp));
    }
  });

  await t.test('SIGTERM drains one instance: the balancer stops sending to it, its call goes on to the end', async () => {
    const call = await carrierCall(balancer.url);
    const draining = await holderOf(instances, call.callSid);
    const { leg } = await agentLegOf(agent, call);
    draining.signal('SIGTERM');
    await balancer.waitForStatus(draining.id, 'DOWN');
    assert.equal((await fetch(`${draining.url}/readyz`)).status, 503);
    const newCalls: SimulatedCall[] = [];
    try {
      for (let i = 0; i < 4; i++) newCalls.push(await carrierCall(balancer.url));
      const holders = await Promise.all(newCalls.map((c) => holderOf(instances, c.callSid)));
      assert.ok(!holders.includes(draining), 'no new call reached the draining instance');
      // The drained instance's call still carries audio.
      const late = randomBytes(480);
      call.sendFrame(late);
      await eventually('audio of the draining instance\'s call', () => (Buffer.concat(leg.audio).subarray(-late.length).equals(late) ? true : undefined));
      assert.ok(draining.alive, 'the instance waits for its call');
    } finally {
      await Promise.all(newCalls.map(hangUp));
    }
    await hangUp(call);
    assert.deepEqual(await draining.exited, { code: 0, signal: null }, 'drained, then exited cleanly');
    assert.equal(await eventually('the drained call on record', () => outcomeOf(balancer.url, call.callSid)), 'completed');
  });

  await t.test('SIGKILL of an instance: its calls are marked instance_lost within about two TTLs; new calls go to the others', async () => {
    const survivors = instances.filter((i) => i.alive);
    let call: SimulatedCall | undefined;
    let victim: Instance | undefined;
    // leastconn sends an idle balancer's next call to either survivor: take one that lands on the victim-to-be.
    const calls: SimulatedCall[] = [];
    for (let i = 0; i < survivors.length; i++) {
      const c = await carrierCall(balancer.url);
      calls.push(c);
      const holder = await holderOf(instances, c.callSid);
      if (holder === survivors[survivors.length - 1]) [call, victim] = [c, holder];
    }
    assert.ok(call && victim, 'a call on the instance to be killed');
    await agentLegOf(agent, call);
    await eventually('the call in the registry', async () => ((await instancesSeenBy(victim!)).find((s) => s.id === victim!.id)?.liveCalls ? true : undefined));
    const killedAt = Date.now();
    await victim.kill();
    const lostAfter = await eventually(
      'the killed instance\'s call marked instance_lost',
      async () => ((await outcomeOf(balancer.url, call!.callSid)) === 'instance_lost' ? Date.now() - killedAt : undefined),
      2 * REGISTRY_TTL_MS + 3000,
    );
    const swept = instances.flatMap((i) => i.logged('an instance stopped heartbeating: its calls are marked instance_lost'));
    const sweptAfter = swept.length > 0 ? `${Date.parse(String(swept[0]!.time)) - killedAt} ms` : 'not logged';
    t.diagnostic(`swept ${sweptAfter} and instance_lost on record ${lostAfter} ms after the SIGKILL (TTL ${REGISTRY_TTL_MS} ms)`);
    await balancer.waitForStatus(victim.id, 'DOWN');
    await Promise.all(calls.map(hangUp));
    const fresh: SimulatedCall[] = [];
    try {
      for (let i = 0; i < 3; i++) fresh.push(await carrierCall(balancer.url));
      const holders = await Promise.all(fresh.map((c) => holderOf(instances, c.callSid)));
      assert.ok(holders.every((h) => h !== victim && h.alive), 'new calls go to live instances');
      const listed = await eventually('the registry without the killed instance', async () => {
        const seen = await instancesSeenBy(holders[0]!);
        return seen.some((s) => s.id === victim!.id) ? undefined : seen;
      });
      assert.ok(listed.every((s) => s.id !== victim!.id));
    } finally {
      await Promise.all([...calls, ...fresh].map(hangUp));
    }
  });
});
