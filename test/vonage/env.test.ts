// Vonage's variables are checked at startup, each named with what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseEnv } from '../../src/config/env.js';
import { vonageClientFromEnv } from '../../src/vonage/index.js';

const APPLICATION_ID = '0f9e4a1c-5d1b-4e4b-9d62-3c1a2b3c4d5e';
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

test('VONAGE_PRIVATE_KEY is the PEM (newlines as \\n too) or the path of its file; anything else is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vonage-env-'));
  try {
    const file = join(dir, 'private.key');
    writeFileSync(file, pem);
    assert.equal(parseEnv({ VONAGE_PRIVATE_KEY: pem }).VONAGE_PRIVATE_KEY, pem.trim());
    assert.equal(parseEnv({ VONAGE_PRIVATE_KEY: pem.trim().replaceAll('\n', '\\n') }).VONAGE_PRIVATE_KEY, pem.trim());
    assert.equal(parseEnv({ VONAGE_PRIVATE_KEY: file }).VONAGE_PRIVATE_KEY, pem);
    assert.equal(parseEnv({ VONAGE_PRIVATE_KEY: '' }).VONAGE_PRIVATE_KEY, undefined);
    assert.throws(() => parseEnv({ VONAGE_PRIVATE_KEY: join(dir, 'missing.key') }), /VONAGE_PRIVATE_KEY: must be the PEM private key or the path of its file/);
    const garbled = '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----';
    assert.throws(() => parseEnv({ VONAGE_PRIVATE_KEY: garbled }), /VONAGE_PRIVATE_KEY: is not a readable PEM private key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VONAGE_APPLICATION_ID is a UUID, VONAGE_PHONE_NUMBER E.164, and the application id and key come together', () => {
  assert.throws(
    () => parseEnv({ VONAGE_APPLICATION_ID: 'my-app', VONAGE_PHONE_NUMBER: '555-1234' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /VONAGE_APPLICATION_ID: must be the application ID \(a UUID\)/.test(err.message) &&
      /VONAGE_PHONE_NUMBER: must be an E\.164 phone number/.test(err.message),
  );
  assert.equal(vonageClientFromEnv(parseEnv({ VONAGE_SIGNATURE_SECRET: 's' })), undefined, 'no REST client without credentials');
  assert.ok(vonageClientFromEnv(parseEnv({ VONAGE_APPLICATION_ID: APPLICATION_ID, VONAGE_PRIVATE_KEY: pem })));
  assert.throws(() => vonageClientFromEnv(parseEnv({ VONAGE_APPLICATION_ID: APPLICATION_ID })), /VONAGE_PRIVATE_KEY: is required with VONAGE_APPLICATION_ID/);
  assert.throws(() => vonageClientFromEnv(parseEnv({ VONAGE_PRIVATE_KEY: pem })), /VONAGE_APPLICATION_ID: is required with VONAGE_PRIVATE_KEY/);
});
