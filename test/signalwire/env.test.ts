// SignalWire's variables: the space accepted as a host name or URL, partial REST credentials named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseEnv } from '../../src/config/env.js';
import { signalWireClientFromEnv } from '../../src/signalwire/from-env.js';

test('SIGNALWIRE_SPACE_URL is kept as the host name; a malformed one is named', () => {
  assert.equal(parseEnv({ SIGNALWIRE_SPACE_URL: 'https://example.signalwire.com/' }).SIGNALWIRE_SPACE_URL, 'example.signalwire.com');
  assert.equal(parseEnv({ SIGNALWIRE_SPACE_URL: 'example.signalwire.com' }).SIGNALWIRE_SPACE_URL, 'example.signalwire.com');
  assert.throws(() => parseEnv({ SIGNALWIRE_SPACE_URL: 'not a host' }), /SIGNALWIRE_SPACE_URL: must be the space host name/);
  assert.throws(() => parseEnv({ SIGNALWIRE_PHONE_NUMBER: '555' }), /SIGNALWIRE_PHONE_NUMBER: must be an E\.164 phone number/);
});

test('the REST client needs all three of project, API token and space; the missing ones are named', () => {
  const none = parseEnv({});
  assert.equal(signalWireClientFromEnv(none), undefined);
  const all = parseEnv({ SIGNALWIRE_PROJECT_ID: 'p', SIGNALWIRE_API_TOKEN: 't', SIGNALWIRE_SPACE_URL: 'x.signalwire.com' });
  assert.ok(signalWireClientFromEnv(all));
  const partial = parseEnv({ SIGNALWIRE_PROJECT_ID: 'p' });
  assert.throws(() => signalWireClientFromEnv(partial), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /SIGNALWIRE_API_TOKEN: required with the other SignalWire REST variables/);
    assert.match(err.message, /SIGNALWIRE_SPACE_URL: required/);
    assert.doesNotMatch(err.message, /SIGNALWIRE_PROJECT_ID/);
    return true;
  });
});
