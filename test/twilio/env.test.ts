import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnv, ConfigError } from '../../src/config/env.js';

test('Twilio and clinic variables are checked at startup, each named with what is wrong', () => {
  const env = parseEnv({ TRANSFER_NUMBER: ' +15557654321 ', TWILIO_ACCOUNT_SID: 'AC0123' });
  assert.equal(env.TRANSFER_NUMBER, '+15557654321');
  assert.equal(env.CLINIC_CONFIG, 'config/clinic.json');
  assert.equal(parseEnv({ TRANSFER_NUMBER: '' }).TRANSFER_NUMBER, undefined);
  assert.throws(
    () => parseEnv({ TRANSFER_NUMBER: '555-1234', TWILIO_ACCOUNT_SID: 'SK0123' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /TRANSFER_NUMBER: must be an E\.164 phone number/.test(err.message) &&
      /TWILIO_ACCOUNT_SID: must be the account SID, which starts with AC/.test(err.message),
  );
});
