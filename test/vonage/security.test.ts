// Who gets in with VONAGE_SIGNATURE_SECRET set: webhooks signed as Vonage signs them (HS256 JWT in
// Authorization, payload_hash over the request) are accepted and any change refused; the media
// socket's handshake needs Vonage's JWT and its websocket:connected the per-call token of our NCCO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createLogger } from '../../src/observability/log.js';
import { signHs256, verifyHs256 } from '../../src/vonage/jwt.js';
import { VonageCallTokens } from '../../src/vonage/call-token.js';
import { VonageCaller, vonageJwt } from '../../src/simulate/vonage-caller.js';
import type { StatusCallback } from '../../src/domain/dialer.js';
import { SECRET, startVonage, type VonageHarness } from './harness.js';

const CALL = {
  to: '15559870000',
  from: '15551230000',
  uuid: '63f61863-4a51-4f6b-86e1-46edebcf9356',
  conversation_uuid: 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22',
};
const now = () => Math.floor(Date.now() / 1000);
const hashOf = (payload: object) => createHash('sha256').update(JSON.stringify(payload)).digest('hex');

/** A token built by hand, independently of src/vonage/jwt.ts: the two must agree on the wire format. */
function handMadeJwt(claims: object, secret = SECRET, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

function answer(h: VonageHarness, query: Record<string, string>, token: string | undefined) {
  return h.server.app.inject({
    method: 'GET',
    url: `/vonage/incoming-call?${new URLSearchParams(query)}`,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

test('the answer webhook: Vonage\'s JWT over these query parameters is accepted; any change is refused', async () => {
  const h = await startVonage({ signatureSecret: SECRET });
  try {
    const ok = await answer(h, CALL, handMadeJwt({ iat: now(), jti: randomUUID(), iss: 'Vonage', api_key: 'abc123', payload_hash: hashOf(CALL) }));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.match(ok.json()[0].endpoint[0].headers.token, /^\d+\.[\w-]{43}$/, 'the NCCO carries the per-call token');
    assert.equal((await answer(h, CALL, vonageJwt(SECRET))).statusCode, 200, 'a token without payload_hash is bound to nothing but still Vonage\'s');

    const good = vonageJwt(SECRET, CALL);
    const flipped = good.slice(0, -2) + (good.at(-2) === 'A' ? 'B' : 'A') + good.at(-1);
    const claims = { iat: now(), payload_hash: hashOf(CALL) };
    const refusals: Array<[string, string | undefined, Record<string, string>?]> = [
      ['unsigned', undefined],
      ['an empty bearer', ''],
      ['one byte of the signature', flipped],
      ['another secret', vonageJwt('someone-else', CALL)],
      ['alg none', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`],
      ['HS512 claimed', handMadeJwt(claims, SECRET, { alg: 'HS512', typ: 'JWT' })],
      ['issued 10 minutes ago', handMadeJwt({ ...claims, iat: now() - 600 })],
      ['issued in the future', handMadeJwt({ ...claims, iat: now() + 600 })],
      ['expired', handMadeJwt({ ...claims, exp: now() - 120 })],
      ['no iat', handMadeJwt({ payload_hash: hashOf(CALL) })],
      ['a tampered parameter', good, { ...CALL, from: '15550000000' }],
      ['an added parameter', good, { ...CALL, extra: 'x' }],
      ['reordered parameters', good, { uuid: CALL.uuid, to: CALL.to, from: CALL.from, conversation_uuid: CALL.conversation_uuid }],
    ];
    for (const [what, token, query] of refusals) {
      const res = await answer(h, query ?? CALL, token);
      assert.equal(res.statusCode, 403, `${what}: ${res.statusCode} ${res.body}`);
    }

    // POST (answer_method POST): payload_hash covers the JSON body.
    const body = JSON.stringify(CALL);
    const post = (payload: string, token: string) =>
      h.server.app.inject({
        method: 'POST',
        url: '/vonage/incoming-call',
        payload,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
    assert.equal((await post(body, vonageJwt(SECRET, CALL))).statusCode, 200);
    assert.equal((await post(JSON.stringify({ ...CALL, from: '15550000000' }), vonageJwt(SECRET, CALL))).statusCode, 403, 'a tampered body');
    assert.equal((await post('{"uuid":', vonageJwt(SECRET, CALL))).statusCode, 400, 'a body that is not JSON');
  } finally {
    await h.close();
  }
});

test('the media socket: Vonage\'s JWT on the handshake and the per-call token in websocket:connected, or no call', async () => {
  const h = await startVonage({ signatureSecret: SECRET });
  try {
    // The whole path as Vonage walks it: signed answer, signed handshake, connected with the NCCO's headers.
    const call = await VonageCaller.connect({ serverUrl: h.baseUrl, signatureSecret: SECRET, uuid: CALL.uuid, realtimePlayout: false });
    const agent = await h.agent.connection();
    await agent.waitFor((m) => m.type === 'Settings');
    const started = await h.waitForEvent('call_started');
    assert.equal(started.call.callSid, CALL.uuid);
    assert.equal(started.call.customParameters.token, undefined, 'the token is not recorded');
    call.hangUp();

    const url = `${h.baseUrl.replace('http', 'ws')}/vonage/media-stream`;
    const handshakes: Array<[string, Record<string, string>]> = [
      ['no Authorization', {}],
      ['another secret', { authorization: `Bearer ${vonageJwt('someone-else')}` }],
      ['a stale token', { authorization: `Bearer ${signHs256({ iat: now() - 3600 }, SECRET)}` }],
      ['not a bearer token', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ];
    for (const [what, headers] of handshakes) {
      const connecting = VonageCaller.connect({ socketUrl: url, headers: { call_uuid: CALL.uuid }, handshakeHeaders: headers });
      await assert.rejects(connecting, /stream handshake refused: HTTP 403/, what);
    }

    // Signed handshakes whose websocket:connected lacks the token for its call uuid: closed before any audio is bridged.
    const tokens = new VonageCallTokens(SECRET);
    const wrong: Array<Record<string, string>> = [
      { call_uuid: CALL.uuid },
      { call_uuid: CALL.uuid, token: 'forged' },
      { call_uuid: CALL.uuid, token: tokens.issue('another-call') },
    ];
    for (const headers of wrong) {
      const socket = await VonageCaller.connect({ socketUrl: url, headers, signatureSecret: SECRET });
      const closed = new Promise<[number, string]>((resolve) => socket.once('closed', (code, reason) => resolve([code, reason])));
      assert.deepEqual(await closed, [1008, 'missing or invalid call token']);
    }
    assert.equal(h.agent.connections.length, 1, 'no refused socket reached the agent');
  } finally {
    await h.close();
  }
});

test('the event webhook is the status callback: signed events are kept (the socket\'s under the caller\'s uuid, no token); others refused', async () => {
  const kept: StatusCallback[] = [];
  const h = await startVonage({ signatureSecret: SECRET }, { recordStatus: async (c) => void kept.push(c) });
  try {
    const post = (event: object, token = vonageJwt(SECRET, event)) =>
      h.server.app.inject({ method: 'POST', url: '/vonage/events', payload: event, headers: { authorization: `Bearer ${token}` } });
    const answered = { ...CALL, status: 'answered', direction: 'inbound', timestamp: '2026-01-01T12:00:00.000Z' };
    assert.equal((await post(answered)).statusCode, 204);
    const socketDropped = {
      from: CALL.to,
      to: 'wss://agent.example.com/vonage/media-stream',
      uuid: 'websocket-leg-uuid',
      conversation_uuid: CALL.conversation_uuid,
      status: 'disconnected',
      headers: { call_uuid: CALL.uuid, token: 'secret-token' },
    };
    assert.equal((await post(socketDropped)).statusCode, 204);
    assert.deepEqual(
      kept.map((k) => [k.callSid, k.status]),
      [
        [CALL.uuid, 'answered'],
        [CALL.uuid, 'disconnected'],
      ],
    );
    assert.equal(kept[1]!.payload['headers.call_uuid'], CALL.uuid);
    assert.equal(kept[1]!.payload['headers.token'], undefined, 'the per-call token is never stored');
    assert.equal((await post({ ...answered, status: 'completed' }, vonageJwt(SECRET, answered))).statusCode, 403, 'a tampered event');
    assert.equal((await post(answered, vonageJwt('someone-else', answered))).statusCode, 403);
    assert.equal((await post({ status: 'x' })).statusCode, 400, 'uuid and status are required');
    assert.equal(kept.length, 2);
  } finally {
    await h.close();
  }
});

test('without VONAGE_SIGNATURE_SECRET one warning at startup, and calls are answered unchecked', async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const h = await startVonage({}, { logger });
  try {
    assert.equal(lines.filter((l) => l.includes('VONAGE_SIGNATURE_SECRET is not set')).length, 1);
    assert.equal((await answer(h, CALL, undefined)).statusCode, 200);
    assert.equal((await answer(h, CALL, undefined)).json()[0].endpoint[0].headers.token, undefined, 'no token without a secret to sign it');
    const { call } = await h.connectedVonageCall();
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('JWT checks: HS256 signatures round-trip, and call tokens are bound to their uuid and expire', () => {
  const token = signHs256({ iat: now(), x: 1 }, SECRET);
  const check = verifyHs256(token, SECRET, Date.now());
  assert.ok(check.ok && check.claims.x === 1);
  assert.deepEqual(verifyHs256('a.b', SECRET, Date.now()), { ok: false, reason: 'not a JWT' });
  assert.deepEqual(verifyHs256(token, SECRET.slice(1), Date.now()), { ok: false, reason: 'invalid JWT signature' });

  let clock = 1_000_000;
  const tokens = new VonageCallTokens('secret', () => clock, 60_000);
  const issued = tokens.issue('uuid-1');
  assert.ok(tokens.verify('uuid-1', issued));
  assert.equal(tokens.verify('uuid-2', issued), false);
  assert.equal(new VonageCallTokens('another secret', () => clock).verify('uuid-1', issued), false);
  assert.equal(tokens.verify('uuid-1', issued.replace(/^\d+/, String(clock + 10 * 60_000))), false, 'a longer expiry is not signed');
  clock += 60_001;
  assert.equal(tokens.verify('uuid-1', issued), false);
});
