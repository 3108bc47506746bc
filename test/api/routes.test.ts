import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes, type ApiOptions } from '../../src/api/routes.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { dialects, type TestDatabase } from '../store/databases.js';
import { sampleCall } from '../store/sample-call.js';

const sqlite = dialects.find((d) => d.name === 'sqlite')!;

async function buildApp(store: ApiOptions['store'], adminToken: string | undefined): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(apiRoutes, { store, adminToken });
  await app.ready();
  return app;
}

describe('/api routes', () => {
  let db: TestDatabase;
  let store: Store;
  let app: FastifyInstance;
  const base = 1_900_000_000_000;

  before(async () => {
    db = await sqlite.create();
    store = await openStore(db.url);
    await store.recordEvents([
      ...sampleCall({ callSid: 'CA-a', startedAt: base + 1000, from: '+1111' }),
      ...sampleCall({ callSid: 'CA-b', startedAt: base + 2000, from: '+2222', outcome: 'transferred' }),
      ...sampleCall({ callSid: 'CA-c', startedAt: base + 3000, from: '+1111' }),
    ]);
    await store.createAppointment({ patientName: 'Ada Lovelace', date: '2031-05-01', time: '09:00', callSid: 'CA-a' });
    const gone = await store.createAppointment({ patientName: 'Alan Turing', date: '2031-05-02', time: '10:00' });
    await store.cancelAppointment(gone.id);
    app = await buildApp(store, undefined);
  });
  after(async () => {
    await app?.close();
    await store?.close();
    await db?.drop();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const sids = (body: Record<string, unknown>) => (body.calls as { callSid: string }[]).map((c) => c.callSid);

  it('lists calls newest first, filtered', async () => {
    assert.deepEqual(sids((await get('/api/calls')).body), ['CA-c', 'CA-b', 'CA-a']);
    assert.deepEqual(sids((await get('/api/calls?from=%2B1111')).body), ['CA-c', 'CA-a']);
    assert.deepEqual(sids((await get('/api/calls?outcome=transferred')).body), ['CA-b']);
    const since = new Date(base + 2000).toISOString();
    assert.deepEqual(sids((await get(`/api/calls?since=${since}&until=${base + 3000}`)).body), ['CA-b']);
  });

  it('pages with limit and the cursor it returns', async () => {
    const first = await get('/api/calls?limit=2');
    assert.deepEqual(sids(first.body), ['CA-c', 'CA-b']);
    assert.equal(typeof first.body.nextCursor, 'string');
    const second = await get(`/api/calls?limit=2&cursor=${first.body.nextCursor as string}`);
    assert.deepEqual(sids(second.body), ['CA-a']);
    assert.equal(second.body.nextCursor, null);
  });

  it('answers 400 with the reason for bad query parameters', async () => {
    const cases: [string, RegExp][] = [
      ['/api/calls?limit=0', /^limit: /],
      ['/api/calls?limit=many', /^limit: /],
      ['/api/calls?outcome=exploded', /^outcome: /],
      ['/api/calls?since=yesterday-ish', /^since: expected epoch milliseconds or an ISO 8601 time/],
      ['/api/calls?cursor=not-ours', /^cursor: /],
      ['/api/calls?form=%2B1111', /Unrecognized key.*form/],
      ['/api/appointments?date=May+1', /^date: expected a day as YYYY-MM-DD/],
      ['/api/appointments?status=maybe', /^status: /],
    ];
    for (const [url, message] of cases) {
      const { status, body } = await get(url);
      assert.equal(status, 400, url);
      assert.equal(body.error, 'Bad Request', url);
      assert.match(String(body.message), message, url);
    }
  });

  it('returns one call in full', async () => {
    const { status, body } = await get('/api/calls/CA-b');
    assert.equal(status, 200);
    assert.equal(body.callSid, 'CA-b');
    assert.equal(body.outcome, 'transferred');
    assert.equal((body.transcript as unknown[]).length, 3);
    assert.equal((body.functionCalls as unknown[]).length, 1);
    assert.equal((body.events as unknown[]).length, 1);
    assert.equal((body.latencies as unknown[]).length, 2);
  });

  it('answers 404 for an unknown call', async () => {
    const { status, body } = await get('/api/calls/CA-unknown');
    assert.equal(status, 404);
    assert.match(String(body.message), /CA-unknown/);
  });

  it('lists appointments with filters', async () => {
    const names = async (url: string) => ((await get(url)).body.appointments as { patientName: string }[]).map((a) => a.patientName);
    assert.deepEqual(await names('/api/appointments'), ['Ada Lovelace', 'Alan Turing']);
    assert.deepEqual(await names('/api/appointments?status=booked'), ['Ada Lovelace']);
    assert.deepEqual(await names('/api/appointments?from=2031-05-02&to=2031-05-31'), ['Alan Turing']);
    assert.deepEqual(await names('/api/appointments?callSid=CA-a'), ['Ada Lovelace']);
    assert.deepEqual(await names('/api/appointments?patientName=ada%20lovelace'), ['Ada Lovelace']);
    assert.deepEqual(await names('/api/appointments?limit=1&offset=1'), ['Alan Turing']);
  });

  describe('with ADMIN_TOKEN set', () => {
    let secured: FastifyInstance;
    before(async () => {
      secured = await buildApp(store, 's3cret-token');
    });
    after(async () => {
      await secured?.close();
    });

    const status = async (url: string, headers: Record<string, string> = {}) =>
      (await secured.inject({ method: 'GET', url, headers, remoteAddress: '203.0.113.7' })).statusCode;

    it('refuses a missing or wrong token with 401', async () => {
      const missing = await secured.inject({ method: 'GET', url: '/api/calls' });
      assert.equal(missing.statusCode, 401, 'loopback is no exception once a token is set');
      assert.equal(missing.headers['www-authenticate'], 'Bearer');
      assert.equal(await status('/api/calls', { authorization: 'Bearer wrong' }), 401);
      assert.equal(await status('/api/calls', { authorization: 'Bearer s3cret-token-and-more' }), 401);
      assert.equal(await status('/api/calls', { authorization: 'Basic czNjcmV0LXRva2Vu' }), 401);
      assert.equal(await status('/api/calls?token=wrong'), 401);
      assert.equal(await status('/api/calls/CA-a'), 401);
      assert.equal(await status('/api/appointments'), 401);
    });

    it('answers before the handler runs', async () => {
      let reads = 0;
      const spy: ApiOptions['store'] = {
        listCalls: async () => (reads++, { calls: [], nextCursor: null }),
        getCall: async () => (reads++, undefined),
        listAppointments: async () => (reads++, []),
        listWebhooks: async () => (reads++, []),
        retryWebhook: async () => (reads++, false),
        listStaffMessages: async () => (reads++, []),
      };
      const guarded = await buildApp(spy, 's3cret-token');
      try {
        assert.equal((await guarded.inject({ method: 'GET', url: '/api/calls', remoteAddress: '203.0.113.7' })).statusCode, 401);
        assert.equal(reads, 0);
      } finally {
        await guarded.close();
      }
    });

    it('accepts the token as a bearer header, a cookie or a query parameter', async () => {
      assert.equal(await status('/api/calls', { authorization: 'Bearer s3cret-token' }), 200);
      assert.equal(await status('/api/calls/CA-a', { cookie: 'theme=dark; token=s3cret-token' }), 200);
      assert.equal(await status('/api/appointments?token=s3cret-token'), 200);
      assert.equal(await status('/api/calls?token=s3cret-token&limit=1'), 200);
    });
  });

  describe('without ADMIN_TOKEN', () => {
    const status = async (remoteAddress: string, headers: Record<string, string> = {}) =>
      (await app.inject({ method: 'GET', url: '/api/calls', remoteAddress, headers })).statusCode;

    it('serves loopback clients', async () => {
      assert.equal(await status('127.0.0.1'), 200);
      assert.equal(await status('127.8.9.10'), 200);
      assert.equal(await status('::1'), 200);
      assert.equal(await status('::ffff:127.0.0.1'), 200);
    });

    it('answers 403 to everyone else, including tunnelled requests that arrive from loopback', async () => {
      assert.equal(await status('203.0.113.7'), 403);
      assert.equal(await status('::ffff:10.0.0.1'), 403);
      assert.equal(await status('128.0.0.1'), 403);
      assert.equal(await status('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }), 403);
      assert.equal(await status('127.0.0.1', { forwarded: 'for=203.0.113.7' }), 403);
    });
  });
});
