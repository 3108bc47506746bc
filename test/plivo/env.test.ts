// Plivo's variables: the auth ID's shape, and the ID without its token named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnv } from '../../src/config/env.js';
import { plivoClientFromEnv } from '../../src/plivo/from-env.js';

test('PLIVO_AUTH_ID must look like a Plivo auth ID; the REST client needs the token with it', () => {
  assert.equal(parseEnv({ PLIVO_AUTH_ID: 'MAZDQ1ZJIYMDZJODA1NM' }).PLIVO_AUTH_ID, 'MAZDQ1ZJIYMDZJODA1NM');
  assert.throws(() => parseEnv({ PLIVO_AUTH_ID: 'AC123' }), /PLIVO_AUTH_ID: must be the 20-character auth ID/);
  assert.equal(plivoClientFromEnv(parseEnv({ PLIVO_AUTH_TOKEN: 'only-signatures' })), undefined);
  assert.ok(plivoClientFromEnv(parseEnv({ PLIVO_AUTH_ID: 'MAZDQ1ZJIYMDZJODA1NM', PLIVO_AUTH_TOKEN: 't' })));
  assert.throws(() => plivoClientFromEnv(parseEnv({ PLIVO_AUTH_ID: 'MAZDQ1ZJIYMDZJODA1NM' })), /PLIVO_AUTH_TOKEN: required with PLIVO_AUTH_ID/);
});
