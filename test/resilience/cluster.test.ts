// WORKERS=2, as a user runs it: one `phone-agent serve` whose calls land on two worker processes, and
// which still behaves as one server: a softphone ticket issued by one worker opens a stream on the
// other (once), /metrics and the dashboard's live feed cover every worker's calls, every call reaches
// the one store, a worker that dies is replaced, and SIGTERM drains them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedAgent } from '../helpers/scripted-agent.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { openStore } from '../../src/store/index.js';
import type { CallEvent } from '../../src/domain/call.js';

const ADMIN = 'cluster-admin-token';

/** One HTTP request on a connection of its own, so the cluster hands each one to the next worker. */
function fresh(url: string, method: 'GET' | 'POST'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { authorization: `Bearer ${ADMIN}` } }, resolve);
    req.once('error', reject);
    req.end();
  });
}

async function body(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += String(chunk);
  return text;
}

interface Ticket {
  url: string;
  callSid: string;
  customParameters: Record<string, string>;
}

function workerPids(primary: number): number[] {
  return readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

test('WORKERS=2: calls land on both workers, which share tickets, metrics, live feed and store; a dead worker is replaced; SIGTERM drains all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-cluster-'));
  const agent = await ScriptedAgent.start();
  const db = join(dir, 'calls.db');
  const server = await startServeProcess({
    WORKERS: '2',
    AGENT_URL: agent.url,
    DATABASE_URL: db,
    TWILIO_AUTH_TOKEN: 'cluster-test-auth-token',
    ADMIN_TOKEN: ADMIN,
  });
  try {
    assert.equal(server.logs.find((l) => l.msg === 'phone-agent listening')?.workers, 2);
    const primaryPid = server.child.pid!;
    assert.equal(workerPids(primaryPid).length, 2);

    // The dashboard's feed, on whichever worker takes this connection.
    const feedEvents: CallEvent[] = [];
    const feed = await fresh(`${server.url}/api/live`, 'GET');
    assert.equal(feed.statusCode, 200);
    let feedText = '';
    feed.on('data', (chunk: Buffer) => {
      feedText += chunk.toString('utf8');
      let end: number;
      while ((end = feedText.indexOf('\n\n')) >= 0) {
        const block = feedText.slice(0, end);
        feedText = feedText.slice(end + 2);
        if (block.startsWith('data: ')) feedEvents.push(JSON.parse(block.slice(6)) as CallEvent);
      }
    });

    const callSids: string[] = [];
    for (let i = 0; i < 6; i++) {
      // Halfway, one extra connection shifts the round robin: tickets are then redeemed both on the
      // worker that issued them and on the other one.
      if (i === 3) assert.equal((await fresh(`${server.url}/healthz`, 'GET')).statusCode, 200);
      const ticket = JSON.parse(await body(await fresh(`${server.url}/api/softphone/ticket`, 'POST'))) as Ticket;
      const call = await SimulatedCall.connect({ url: ticket.url, callSid: ticket.callSid, customParameters: ticket.customParameters, realtimePlayout: false });
      const conn = await agent.connection(i);
      await conn.waitFor((m) => m.type === 'Settings');
      const spoken = randomBytes(1600);
      for (let f = 0; f < spoken.length; f += 160) call.sendFrame(spoken.subarray(f, f + 160));
      await conn.waitForAudioBytes(spoken.length);
      assert.ok(Buffer.concat(conn.audio).equals(spoken), `call ${i}: caller audio reaches the agent byte-exact`);
      const heard: Buffer[] = [];
      call.on('media', (b) => heard.push(b));
      const reply = randomBytes(800);
      conn.sendAudio(reply);
      for (let t = 0; t < 100 && Buffer.concat(heard).length < reply.length; t++) await sleep(10);
      assert.ok(Buffer.concat(heard).equals(reply), `call ${i}: agent audio reaches the caller byte-exact`);
      call.hangUp();
      await call.closed();
      callSids.push(ticket.callSid);
      // A ticket opens one stream, whichever worker is asked the second time.
      await assert.rejects(SimulatedCall.connect({ url: ticket.url, callSid: ticket.callSid, customParameters: ticket.customParameters }), /403/);
    }

    const started = new Map<string, number>();
    for (let t = 0; t < 100 && started.size < callSids.length; t++) {
      for (const l of server.logs) if (l.msg === 'call started' && typeof l.callSid === 'string') started.set(l.callSid, Number(l.worker));
      await sleep(20);
    }
    assert.deepEqual(new Set(started.keys()), new Set(callSids));
    assert.deepEqual(new Set(started.values()), new Set([1, 2]), 'both workers carried calls');

    // The feed saw every call, from both workers.
    for (let t = 0; t < 100 && feedEvents.filter((e) => e.type === 'call_ended').length < callSids.length; t++) await sleep(20);
    const fedStarts = feedEvents.flatMap((e) => (e.type === 'call_started' ? [e.call.callSid] : []));
    assert.deepEqual(new Set(fedStarts), new Set(callSids));

    // Any worker's /metrics counts every worker's calls.
    for (let i = 0; i < 2; i++) {
      const text = await body(await fresh(`${server.url}/metrics`, 'GET'));
      assert.match(text, /^phone_agent_calls_total\{outcome="completed"\} 6$/m);
      assert.match(text, /^phone_agent_active_calls 0$/m);
    }

    // Any worker serves any call's record from the one store (a worker flushes its records every 250 ms).
    const outcome = async (sid: string) => {
      const record = await fresh(`${server.url}/api/calls/${sid}`, 'GET');
      return record.statusCode === 200 ? (JSON.parse(await body(record)) as { outcome: string | null }).outcome : (record.resume(), undefined);
    };
    for (const sid of callSids) {
      let seen = await outcome(sid);
      for (let t = 0; t < 50 && seen !== 'completed'; t++) {
        await sleep(20);
        seen = await outcome(sid);
      }
      assert.equal(seen, 'completed', `${sid} is on record`);
    }

    // A worker killed outright is replaced, and the server goes on taking calls.
    const [victim] = workerPids(primaryPid);
    process.kill(victim!, 'SIGKILL');
    let pids = workerPids(primaryPid);
    for (let t = 0; t < 200 && (pids.length < 2 || pids.includes(victim!)); t++) {
      await sleep(25);
      pids = workerPids(primaryPid);
    }
    assert.equal(pids.length, 2, 'a replacement worker is running');
    assert.ok(!pids.includes(victim!));
    assert.ok(server.logs.some((l) => l.msg === 'a worker died; its calls are lost; starting a replacement'));
    for (let t = 0; t < 200 && !server.logs.some((l) => l.msg === 'replacement worker serving'); t++) await sleep(25);
    assert.ok(server.logs.some((l) => l.msg === 'replacement worker serving'));
    const before = server.logs.length;
    for (let i = 0; i < 2; i++) {
      if (i === 1) await fresh(`${server.url}/healthz`, 'GET');
      const ticket = JSON.parse(await body(await fresh(`${server.url}/api/softphone/ticket`, 'POST'))) as Ticket;
      const call = await SimulatedCall.connect({ url: ticket.url, callSid: ticket.callSid, customParameters: ticket.customParameters, realtimePlayout: false });
      await (await agent.connection(6 + i)).waitFor((m) => m.type === 'Settings');
      call.hangUp();
      await call.closed();
      callSids.push(ticket.callSid);
    }
    const replacementId = Math.max(...server.logs.flatMap((l) => (l.msg === 'replacement worker serving' ? [Number(l.worker)] : [])));
    assert.ok(
      server.logs.slice(before).some((l) => l.msg === 'call started' && l.worker === replacementId),
      'the replacement takes calls',
    );

    feed.destroy();
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, 'every worker drained and the primary exited cleanly');
    const store = await openStore(db);
    try {
      for (const sid of callSids) assert.equal((await store.getCall(sid))?.outcome, 'completed', `${sid} is on record`);
    } finally {
      await store.close();
    }
  } finally {
    if (server.child.exitCode === null) {
      for (const pid of workerPids(server.child.pid!)) process.kill(pid, 'SIGKILL');
      server.child.kill('SIGKILL');
    }
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WORKERS is validated before any worker starts', async () => {
  const server = startServeProcess({ WORKERS: 'lots' });
  await assert.rejects(server, /WORKERS: must be a whole number from 1 to 64, or auto/);
});

test('a port already in use stops serve with one plain line, with and without workers', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = String((blocker.address() as { port: number }).port);
  try {
    for (const workers of ['1', '2']) {
      await assert.rejects(
        startServeProcess({ WORKERS: workers, PORT: port }),
        (err: Error) =>
          err.message.includes(`phone-agent: cannot listen on HOST 127.0.0.1 PORT ${port}: the address is in use`) && !/\n\s+at /.test(err.message),
      );
    }
  } finally {
    blocker.close();
  }
});
