// GET /api/live and the page's access rules, over real sockets: server-sent events need a stream.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import Fastify from 'fastify';
import { CallEventBus, type CallEvent } from '../../src/domain/call.js';
import { silentLogger } from '../../src/observability/log.js';
import { dashboardPlugin } from '../../src/web/dashboard.js';

const TOKEN = 'live-feed-token';
const bus = new CallEventBus();
const app = Fastify();
let base: string;

before(async () => {
  await app.register(dashboardPlugin, {
    events: bus,
    adminToken: TOKEN,
    logger: silentLogger,
    liveFeed: { maxClientBufferBytes: 64 * 1024, heartbeatMs: 60_000 },
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => app.close());

function started(callSid: string): CallEvent {
  return {
    type: 'call_started',
    call: {
      carrier: 'twilio',
      callSid,
      streamSid: `MZ${callSid}`,
      accountSid: 'AC1',
      from: '+15550100',
      to: '+15550199',
      direction: 'inbound',
      startedAt: Date.now(),
      customParameters: {},
    },
  };
}

function turn(callSid: string, text: string): CallEvent {
  return { type: 'turn', callSid, turn: { role: 'user', text, startedAt: Date.now(), endedAt: Date.now(), interrupted: false } };
}

function open(path: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(`${base}${path}`, { headers }, resolve).on('error', reject).end());
}

/** Reads `data:` events off a stream until `count` have arrived. */
function readEvents(response: IncomingMessage, count: number): Promise<CallEvent[]> {
  return new Promise((resolve) => {
    let buffer = '';
    const events: CallEvent[] = [];
    response.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data) events.push(JSON.parse(data.slice(6)) as CallEvent);
        if (events.length === count) resolve(events);
      }
    });
  });
}

test('the live feed needs the admin token', async () => {
  const response = await open('/api/live', {});
  assert.equal(response.statusCode, 401);
  response.resume();
});

test('a dashboard that connects mid-call first gets what the call has said so far, then live events', async () => {
  bus.emit(started('CA-replay'));
  bus.emit(turn('CA-replay', 'hello'));
  const response = await open('/api/live', { authorization: `Bearer ${TOKEN}` });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/event-stream/);
  // The replay was written with the response's headers, so it precedes anything emitted from now on.
  const events = readEvents(response, 3);
  bus.emit(turn('CA-replay', 'live now'));
  const [first, second, third] = await events;
  assert.equal(first?.type, 'call_started');
  assert.deepEqual([second, third].map((e) => e?.type === 'turn' && e.turn.text), ['hello', 'live now']);
  bus.emit({
    type: 'call_ended',
    callSid: 'CA-replay',
    endedAt: Date.now(),
    summary: {
      durationMs: 1,
      turns: 1,
      bytesIn: 0,
      bytesOut: 0,
      framesIn: 0,
      framesOut: 0,
      framesDropped: 0,
      interruptions: 0,
      functionCalls: 0,
      outcome: 'completed',
    },
  });
  response.destroy();
});

test('a client that stops reading is dropped; the bus and the other clients go on', async () => {
  const stalled = await open('/api/live', { authorization: `Bearer ${TOKEN}` });
  stalled.pause();
  const healthy = await open('/api/live', { authorization: `Bearer ${TOKEN}` });
  // More than loopback's kernel buffers can absorb, so the stalled client's own buffer must fill.
  const big = 'x'.repeat(1024);
  const many = 20_000;
  const received = readEvents(healthy, many);
  bus.emit(started('CA-flood'));
  for (let i = 0; i < many - 1; i++) {
    bus.emit(turn('CA-flood', big));
    // Let the sockets move, as a real call's events are spread over time.
    if (i % 10 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.equal((await received).length, many);
  // The stalled client, reading at last, finds its stream cut short.
  let stalledEvents = 0;
  stalled.setEncoding('utf8').on('data', (chunk: string) => (stalledEvents += chunk.split('\n\ndata: ').length - 1));
  await new Promise<void>((resolve) => {
    stalled.once('close', resolve).once('error', () => resolve());
    stalled.resume();
  });
  assert.ok(stalledEvents < many - 1, `the stalled client got ${stalledEvents} of ${many} events`);
  healthy.destroy();
});

test('the page: a sign-in form without a token, a cookie (and a clean address) once given, then the dashboard', async () => {
  const html = { accept: 'text/html' };
  const refused = await open('/', html);
  assert.equal(refused.statusCode, 401);
  assert.match(await text(refused), /<form method="get" action="\/">/);

  const signIn = await open(`/?token=${TOKEN}`, html);
  assert.equal(signIn.statusCode, 303);
  assert.equal(signIn.headers.location, '/');
  const cookie = String(signIn.headers['set-cookie']);
  assert.match(cookie, /^token=live-feed-token; Path=\/; HttpOnly; SameSite=Strict/);
  signIn.resume();

  const page = await open('/', { ...html, cookie: cookie.split(';')[0]! });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  assert.match(await text(page), /Call the agent/);
});

test('assets: the stylesheet and the compiled browser modules, nothing outside them', async () => {
  const assets = [
    ['/assets/styles.css', /text\/css/],
    ['/assets/web/client/main.js', /text\/javascript/],
    ['/assets/audio/mulaw.js', /text\/javascript/],
  ] as const;
  for (const [path, type] of assets) {
    const response = await open(path, {});
    assert.equal(response.statusCode, 200, path);
    assert.match(String(response.headers['content-type']), type);
    response.resume();
  }
  for (const path of ['/assets/../../package.json', '/assets/%2e%2e/%2e%2e/src/app.ts', '/assets/web/client/main.js.map']) {
    const response = await open(path, {});
    assert.equal(response.statusCode, 404, path);
    response.resume();
  }
});

async function text(response: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of response.setEncoding('utf8')) body += chunk;
  return body;
}
