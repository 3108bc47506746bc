// POST /api/calls chooses among the carriers' dialers: the one named by `carrier`, else the first that
// is configured, else Twilio's (whose 503 names what it needs). Real dialers, against REST stand-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { outboundCallRoutes } from '../../src/api/outbound-calls.js';
import { parseEnv } from '../../src/config/env.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Dialer } from '../../src/domain/dialer.js';
import { LiveCalls } from '../../src/domain/live-calls.js';
import { plivoDialer } from '../../src/plivo/outbound.js';
import { twilioOutbound } from '../../src/twilio/call-routes.js';
import { vonageDialer } from '../../src/vonage/outbound.js';
import { ApiRecorder } from '../signalwire/api-recorder.js';
import { callAnswer, plivoClient } from '../plivo/harness.js';
import { VonageApiRecorder } from '../vonage/vonage-api-recorder.js';

const PUBLIC = 'https://agent.example.com';
const ADMIN = 'admin-secret';

type Post = (body: object) => Promise<{ status: number; body: Record<string, string> }>;

async function withDialers(vars: Record<string, string>, run: (post: Post) => Promise<void>) {
  const plivoApi = await ApiRecorder.start(callAnswer);
  const vonageApi = await VonageApiRecorder.start();
  const env = parseEnv({ PUBLIC_URL: PUBLIC, ...vars });
  const twilio = twilioOutbound({ env, client: undefined, recordStatus: async () => undefined, calls: new LiveCalls(systemClock) });
  const dialers: Dialer[] = [
    twilio.dialer,
    plivoDialer({ env, client: env.PLIVO_PHONE_NUMBER ? plivoClient(plivoApi) : undefined }),
    vonageDialer({ env, client: env.VONAGE_PHONE_NUMBER ? vonageApi.client() : undefined }),
  ];
  const app = Fastify();
  app.register(outboundCallRoutes({ dialers, adminToken: ADMIN }));
  try {
    await run(async (body) => {
      const res = await app.inject({ method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${ADMIN}` }, payload: body });
      return { status: res.statusCode, body: res.json() };
    });
  } finally {
    await app.close();
    await plivoApi.close();
    await vonageApi.close();
  }
}

test('with no carrier configured, Twilio\'s needs are named', async () => {
  await withDialers({}, async (post) => {
    const { status, body } = await post({ to: '+15552223333' });
    assert.equal(status, 503);
    assert.equal(body.message, 'outbound calls need TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER');
  });
});

test('without `carrier`, the first configured dialer places the call; `carrier` picks another', async () => {
  await withDialers({ PLIVO_PHONE_NUMBER: '+15550001111', VONAGE_PHONE_NUMBER: '+15550002222' }, async (post) => {
    const first = await post({ to: '+15552223333' });
    assert.equal(first.status, 201);
    assert.equal(first.body.carrier, 'plivo');
    const named = await post({ to: '+15552223333', carrier: 'vonage' });
    assert.equal(named.status, 201);
    assert.equal(named.body.carrier, 'vonage');
    assert.equal(named.body.from, '+15550002222');
  });
});

test('a named carrier that is not configured says what it needs; an unknown one is a bad request', async () => {
  await withDialers({ VONAGE_PHONE_NUMBER: '+15550002222' }, async (post) => {
    const plivo = await post({ to: '+15552223333', carrier: 'plivo' });
    assert.equal(plivo.status, 503);
    assert.equal(plivo.body.message, 'outbound calls need PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, PLIVO_PHONE_NUMBER');
    const unknown = await post({ to: '+15552223333', carrier: 'telegraph' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message ?? '', /^carrier: Invalid option: expected one of "twilio"\|"plivo"\|"vonage"/);
    const vonage = await post({ to: '+15552223333' });
    assert.equal(vonage.body.carrier, 'vonage', 'the first configured one, past unconfigured Twilio and Plivo');
  });
});
